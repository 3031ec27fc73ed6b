import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError } from '../../core/config/errors.js';
import { loadConfig } from '../../core/config/load-config.js';
import { mapproxySchema } from '../schema/config-schema.js';
import { checkSchema, formatPath, parsePath } from '../schema/schema-check.js';
import { isSeedFile, validateSeedConfig } from './validate-seed.js';

export interface ValidateOptions {
  /** Every file is a seed configuration (else recognised by its keys). */
  seed?: boolean;
  /** The mapproxy.yaml seed files refer to. */
  proxyConf?: string;
}

export interface Finding {
  severity: 'error' | 'warning';
  file: string;
  /** 1-based; 0 when the place is not known. */
  line: number;
  column: number;
  keyPath: string;
  message: string;
}

export interface ParsedFile {
  file: string;
  doc: Document;
  lines: LineCounter;
}

export function parseFile(file: string): ParsedFile {
  const lines = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines, merge: true, uniqueKeys: false });
  return { file, doc, lines };
}

/** The node at a path, or the nearest ancestor there is (through aliases the path may leave the file's own nodes). */
type LocatePath = (string | number | { name: string })[];

/** The readers name list items by their name: `layers (osm).sources[0]` is the layer named osm. */
export function readerPath(keyPath: string): LocatePath {
  return parsePath(keyPath).flatMap((seg): LocatePath => {
    const m = typeof seg === 'string' ? /^(.*) \((.*)\)$/.exec(seg) : null;
    return m ? [m[1]!, { name: m[2]! }] : [seg];
  });
}

export function locate(p: ParsedFile, path: LocatePath, atKey: boolean): { line: number; column: number } | null {
  let node: unknown = p.doc.contents;
  let offset: number | undefined = (node as Node | null)?.range?.[0];
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(key));
      if (!pair) break;
      const last = i === path.length - 1;
      const keyNode = pair.key as Node;
      offset = last && atKey ? keyNode.range?.[0] : ((pair.value as Node | null)?.range?.[0] ?? keyNode.range?.[0]);
      node = pair.value;
    } else if (node && typeof node === 'object' && 'items' in node && Array.isArray((node as { items: unknown[] }).items) && typeof key !== 'string') {
      const items = (node as { items: unknown[] }).items;
      const item = (typeof key === 'number'
        ? items[key]
        : items.find((it) => isMap(it) && String((it.get('name') as unknown) ?? '') === key.name)) as Node | undefined;
      if (!item) break;
      offset = item.range?.[0];
      node = item;
    } else break;
  }
  if (offset === undefined) return null;
  const pos = p.lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** The main file and its `base:` files, in the order the loader reads them. */
function fileChain(main: string, seen: string[] = []): string[] {
  if (seen.includes(main)) return [];
  const out = [main];
  let data: unknown;
  try {
    data = parseDocument(readFileSync(main, 'utf8')).toJS();
  } catch {
    return out;
  }
  const base = (data as { base?: unknown } | null)?.base;
  const names = typeof base === 'string' ? [base] : Array.isArray(base) ? base.filter((b): b is string => typeof b === 'string') : [];
  for (const b of names) out.push(...fileChain(resolve(dirname(main), b), [...seen, main]));
  return out;
}

/**
 * Every problem of a configuration, each at its file, line and key path: YAML syntax errors, the schema's findings
 * (per file, so a mistake in a `base:` file is shown there), then what the readers reject or warn about.
 */
export function validateConfig(file: string): Finding[] {
  const main = resolve(file);
  const findings: Finding[] = [];
  const parsed: ParsedFile[] = [];
  const schema = mapproxySchema();
  for (const f of fileChain(main)) {
    let p: ParsedFile;
    try {
      p = parseFile(f);
    } catch (e) {
      findings.push({ severity: 'error', file: f, line: 0, column: 0, keyPath: '', message: (e as Error).message });
      continue;
    }
    parsed.push(p);
    for (const e of p.doc.errors) {
      const pos = e.linePos?.[0];
      findings.push({ severity: 'error', file: f, line: pos?.line ?? 0, column: pos?.col ?? 0, keyPath: '', message: e.message.split('\n')[0]! });
    }
    if (p.doc.errors.length) continue;
    const data = p.doc.toJS({ maxAliasCount: -1 }) ?? {};
    for (const err of checkSchema(schema, data)) {
      const at = locate(p, err.path, err.atKey ?? false);
      findings.push({ severity: 'error', file: f, line: at?.line ?? 0, column: at?.column ?? 0, keyPath: formatPath(err.path), message: err.message });
    }
  }
  if (findings.some((f) => f.severity === 'error')) return findings;

  // what the schema cannot see: references between sections, values the readers check, unsupported features
  const where = (keyPath: string, atKey: boolean): { file: string; line: number; column: number } => {
    const path = readerPath(keyPath);
    for (const p of parsed) {
      const at = path.length ? locate(p, path, atKey) : null;
      if (at && at.line > 1) return { file: p.file, ...at };
    }
    return { file: main, line: 0, column: 0 };
  };
  try {
    const loaded = loadConfig(main);
    for (const w of loaded.warnings) {
      // "<label>: <keyPath>: <message>"
      const rest = w.slice(w.indexOf(': ') + 2);
      const m = /^([\w.[\]-]+): (.*)$/s.exec(rest);
      const keyPath = m ? m[1]! : '';
      findings.push({ severity: 'warning', ...where(keyPath, /unknown/i.test(rest)), keyPath, message: m ? m[2]! : rest });
    }
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const keyPath = e.keyPath ?? '';
    const prefix = [e.file, keyPath].filter(Boolean).join(': ');
    const message = prefix && e.message.startsWith(`${prefix}: `) ? e.message.slice(prefix.length + 2) : e.message;
    findings.push({ severity: 'error', ...where(keyPath, false), keyPath, message });
  }
  return findings;
}

/** `file:line:column: error: key.path: message`, the form editors and CI annotate from. */
export function formatFinding(f: Finding): string {
  const place = f.line ? `${f.file}:${f.line}:${f.column}` : f.file;
  return `${place}: ${f.severity}: ${f.keyPath ? `${f.keyPath}: ` : ''}${f.message}`;
}

/** Prints the findings of each file; exit code 1 when any file has an error. */
export function runValidate(files: string[], out: (s: string) => void, opts: ValidateOptions = {}): number {
  let failed = false;
  // A seed file's references are checked against the mapproxy.yaml given with -f, or among the files
  const proxyConf = opts.proxyConf ?? files.find((f) => !opts.seed && !isSeedFile(f));
  for (const file of files) {
    const findings = opts.seed || isSeedFile(file) ? validateSeedConfig(file, proxyConf) : validateConfig(file);
    for (const f of findings) out(formatFinding(f));
    const errors = findings.filter((f) => f.severity === 'error').length;
    if (errors) failed = true;
    else out(`${file}: ok${findings.length ? ` (${findings.length} warning${findings.length > 1 ? 's' : ''})` : ''}`);
  }
  return failed ? 1 : 0;
}

/** `validate <mapproxy.yaml...>` (on mapproxy-ts and on mapproxy-util). */
export function validateCommand(program: Command): Command {
  return program
    .command('validate')
    .description('check configurations against the schema and the readers: every error with file, line and key path')
    .argument('<conf...>', 'mapproxy.yaml and seed.yaml files (a seed file is recognised by its seeds/cleanups/coverages)')
    .option('--seed', 'check every file given as a seed configuration')
    .option('-f, --proxy-conf <mapproxy.yaml>', "the configuration a seed file's caches, grids and coverages refer to")
    .action((files: string[], o: { seed?: boolean; proxyConf?: string }) => {
      process.exitCode = runValidate(files, (s) => process.stdout.write(`${s}\n`), { seed: o.seed, proxyConf: o.proxyConf });
    });
}
