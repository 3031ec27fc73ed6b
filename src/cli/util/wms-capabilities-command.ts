import type { Command } from 'commander';
import { capabilitiesUrl, NotCapabilitiesError, parseWmsCapabilities, type WmsCapabilitiesInfo, type WmsLayerInfo } from './wms-capabilities-parse.js';
import { PyTuple, pyRepr } from './python-repr.js';

const INDENT = 4;
const MARKER = '- ';

/**
 * The layer tree as MapProxy's PrettyPrinter prints it: name, title, url, srs and llbbox first (when set), then
 * queryable, opaque, abstract, res_hint, bbox_srs and legend, values as Python writes them; sublayers under
 * `layers:`, four spaces deeper. MapProxy keeps a layer's SRS in a set (its order varies from run to run); we keep
 * the document's order.
 */
export function formatCapabilities(cap: WmsCapabilitiesInfo, requestedVersion: string): string[] {
  const lines: string[] = ['# Note: This is not a valid MapProxy configuration!', `Capabilities Document Version ${requestedVersion}`, 'Root-Layer:'];
  const line = (indent: number, key: string, value: unknown, markFirst: boolean) => {
    const shown = value === null || value === undefined ? '' : typeof value === 'string' ? value : pyRepr(value);
    lines.push(markFirst ? `${' '.repeat(indent - MARKER.length)}${MARKER}${key}: ${shown}` : `${' '.repeat(indent)}${key}: ${shown}`);
  };
  const printLayers = (layers: WmsLayerInfo[], indent: number) => {
    for (const l of layers) {
      const first: [string, unknown][] = [['name', l.name], ['title', l.title], ['url', l.url], ['srs', l.srs.length ? l.srs : null], ['llbbox', l.llbbox]];
      let marked = false;
      for (const [key, value] of first) {
        if (!value) continue;
        line(indent, key, value, !marked);
        marked = true;
      }
      const rest: [string, unknown][] = [
        ['queryable', l.queryable], ['opaque', l.opaque], ['abstract', l.abstract], ['res_hint', l.resHint && new PyTuple(l.resHint)],
        ['bbox_srs', new Map([...l.bboxSrs].map(([k, b]) => [k, l.bboxSwapped.has(k) ? new PyTuple(b) : b]))], ['legend', l.legend],
      ];
      for (const [key, value] of rest) line(indent, key, value, false);
      if (l.layers.length) {
        line(indent, 'layers', null, false);
        printLayers(l.layers, indent + INDENT);
      }
    }
  };
  printLayers(cap.root.layers, INDENT);
  return lines;
}

export interface FetchResult {
  status: number;
  body: string;
}

/** Reads a capabilities document from a URL (with MapProxy's request parameters) or, for autoconfig, a file. */
export async function fetchCapabilities(url: string, version: string): Promise<FetchResult> {
  const response = await fetch(capabilitiesUrl(url, version), { signal: AbortSignal.timeout(60_000) });
  return { status: response.status, body: await response.text() };
}

/** `mapproxy-util wms-capabilities`: returns the exit code. */
export async function runWmsCapabilities(url: string, version: string, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let doc: FetchResult;
  try {
    doc = await fetchCapabilities(url, version);
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    err(`ERROR: ${capabilitiesUrl(url, version)}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
    return 1;
  }
  if (doc.status >= 400) {
    err(`ERROR: ${capabilitiesUrl(url, version)}: HTTP ${doc.status}`);
    return 1;
  }
  let cap: WmsCapabilitiesInfo;
  try {
    cap = parseWmsCapabilities(doc.body);
  } catch (e) {
    const what = e instanceof NotCapabilitiesError ? 'Not a capabilities document' : 'Could not parse the document';
    err(['Recieved document:', '-'.repeat(80), doc.body, '-'.repeat(80), `${what}: ${(e as Error).message}`].join('\n'));
    return 1;
  }
  for (const l of formatCapabilities(cap, version)) out(l);
  return 0;
}

export function wmsCapabilitiesCommand(program: Command): Command {
  const cmd = program
    .command('wms-capabilities')
    .description('Display WMS capabilites.')
    .usage('[options] URL')
    .argument('[URL]')
    .option('--host <CAPABILITIES_URL>', 'WMS Capabilites URL')
    .option('--version <1.1.1 or 1.3.0>', 'Request GetCapabilities-document in version 1.1.1 or 1.3.0', '1.1.1');
  return cmd.action(async (urlArg: string | undefined, opts: { host?: string; version: string }) => {
    const url = opts.host ?? urlArg;
    if (!url) {
      cmd.outputHelp();
      process.exitCode = 2;
      return;
    }
    if (opts.version !== '1.1.1' && opts.version !== '1.3.0') {
      process.stderr.write(`error: option --version: invalid choice: '${opts.version}' (choose from '1.1.1', '1.3.0')\n`);
      process.exitCode = 2;
      return;
    }
    process.exitCode = await runWmsCapabilities(url, opts.version, (s) => process.stdout.write(`${s}\n`), (s) => process.stderr.write(`${s}\n`));
  });
}
