import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import type { FeatureInfoDoc } from './featureinfo-doc.js';
import { infoTypeOf } from './featureinfo-doc.js';
import { parseHtml, serializeHtml } from './html-tree.js';
import { parseXml, serializeXml } from './xml-tree.js';

/**
 * `featureinfo_xslt`: an XSLT 1.0 stylesheet applied to feature-info documents, run by libxslt's
 * `xsltproc` (Debian package xsltproc) as a child process. libxslt is the processor lxml wraps, so
 * stylesheets behave exactly as under MapProxy; no npm package offers a maintained XSLT 1.0 of that
 * completeness. The result is written again as lxml writes a result tree: as HTML when the output
 * format is text/html, else as XML (no declaration).
 */
export class XsltTransformer {
  readonly outType: 'xml' | 'html';

  constructor(
    readonly stylesheet: string,
    /** `featureinfo_out_format` / `featureinfo_format`; default text/xml (MapProxy's XSLTransformer). */
    outFormat: string | undefined,
    private readonly binary: string,
    private readonly timeoutMs = 30_000,
  ) {
    this.outType = infoTypeOf(outFormat ?? 'text/xml') === 'html' ? 'html' : 'xml';
  }

  async transform(doc: FeatureInfoDoc): Promise<FeatureInfoDoc> {
    const args = ['--nonet', '--novalid'];
    if (doc.type === 'html') args.push('--html');
    args.push(this.stylesheet, '-');
    const out = await run(this.binary, args, doc.content, this.timeoutMs);
    return { type: this.outType, content: rewrite(out, this.outType) };
  }
}

/** Written as lxml's tostring would write the result tree; output that is no tree (method="text") stays as it is. */
function rewrite(output: string, type: 'xml' | 'html'): string {
  try {
    return type === 'html' ? serializeHtml(parseHtml(output)) : serializeXml(parseXml(output));
  } catch {
    return output;
  }
}

export class XsltError extends Error {
  override readonly name = 'XsltError';
}

function run(binary: string, args: string[], input: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new XsltError(`could not run ${binary}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new XsltError(`${binary} failed (${signal ?? `exit ${code}`}): ${Buffer.concat(err).toString('utf8').trim()}`));
    });
    child.stdin.on('error', () => undefined); // the child may exit before reading everything
    child.stdin.end(input);
  });
}

/** The xsltproc to run: on PATH, else Debian's /usr/bin/xsltproc; null when there is none. */
export function findXsltproc(env: Record<string, string | undefined> = process.env): string | null {
  const dirs = [...(env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/bin'];
  for (const d of dirs) {
    const candidate = path.join(d, 'xsltproc');
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // not here
    }
  }
  return null;
}
