import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Document, isScalar, visit } from 'yaml';
import { ConfigError } from '../../core/config/errors.js';
import { loadConfig } from '../../core/config/load-config.js';
import { buildGrids } from '../../core/runtime/grids.js';
import { parseYaml } from '../../core/config/yaml-file.js';
import { autoCaches, autoLayers, autoSeeds, autoSources, updateConfig } from './autoconfig.js';
import { fetchCapabilities } from './wms-capabilities-command.js';
import { parseWmsCapabilities, type WmsCapabilitiesInfo } from './wms-capabilities-parse.js';
import { schemaComment } from './templates.js';
import { SCHEMA_FILE } from './package-dir.js';

export interface AutoconfigOptions {
  capabilities?: string;
  output?: string;
  outputSeed?: string;
  base?: string;
  overwrite?: string;
  overwriteSeed?: string;
  force?: boolean;
}

interface IO {
  out: (s: string) => void;
  err: (s: string) => void;
  /** The command line, for the header (MapProxy writes sys.argv). */
  argv: string[];
  now?: Date;
}

/** MapProxy's header: where the file came from, a warning, when and with which command line (wrapped at 70). */
function header(capabilities: string, io: IO): string {
  const now = io.now ?? new Date();
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds() * 1000, 6)}`;
  const lines: string[] = [];
  let current = '# ';
  for (const word of io.argv.join(' ').split(/\s+/).filter(Boolean)) {
    if (current.length > 2 && current.length + 1 + word.length > 70 && current !== '#    ') {
      lines.push(current);
      current = '#    ';
    }
    current += current === '# ' || current === '#    ' ? word : ` ${word}`;
  }
  lines.push(current);
  return [
    '# MapProxy configuration automatically generated from:',
    `#   ${capabilities}`,
    '#',
    '# NOTE: The generated configuration can be highly inefficient,',
    '#       especially when multiple layers and caches are requested at once.',
    '#       Make sure you understand the generated configuration!',
    '#',
    `# Created on ${stamp} with:`,
    lines.join(' \\\n'),
    '',
    '',
  ].join('\n');
}

/** YAML as MapProxy's dumper writes it: keys sorted, lists of plain values in flow style, null as nothing. */
export function dumpYaml(value: unknown): string {
  const doc = new Document(value, { sortMapEntries: true });
  visit(doc, {
    Seq(_key, node) {
      if (node.items.every((i) => isScalar(i))) node.flow = true;
    },
    Scalar(_key, node) {
      // YAML 1.1 readers (PyYAML, MapProxy) take an unquoted ISO time as a timestamp: keep it a string
      if (typeof node.value === 'string' && /^\d{4}-\d\d-\d\d([Tt ]|$)/.test(node.value)) node.type = 'QUOTE_SINGLE';
    },
  });
  return doc.toString({ indentSeq: false, nullStr: '', lineWidth: 0, flowCollectionPadding: false });
}

function readYamlMapping(file: string): Record<string, unknown> {
  const data = parseYaml(readFileSync(file, 'utf8'), file);
  return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

/** `mapproxy-util autoconfig`: returns the exit code (2: usage, 3: not a capabilities document, as MapProxy). */
export async function runAutoconfig(opts: AutoconfigOptions, io: IO, help: () => void): Promise<number> {
  const output = opts.output ?? '-';
  if (!opts.capabilities) {
    help();
    io.err('\nERROR: --capabilities required');
    return 2;
  }
  if (!opts.force) {
    for (const f of [output, opts.outputSeed]) {
      if (f && f !== '-' && existsSync(f)) {
        io.err(`\nERROR: ${f} already exists, use --force to overwrite`);
        return 2;
      }
    }
  }
  const srsGrids = new Map<string, string>();
  if (opts.base) {
    try {
      const loaded = loadConfig(opts.base);
      const grids = buildGrids(loaded.config);
      for (const [name, grid] of grids) if (!name.startsWith('GLOBAL_') && name in loaded.config.grids) srsGrids.set(grid.srs.code, name);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      io.err(`ERROR: ${e.message}`);
      return 2;
    }
  }
  let text: string;
  const capDoc = opts.capabilities;
  if (/^https?:\/\//.test(capDoc)) {
    const url = new URL(capDoc);
    const version = [...url.searchParams].find(([k]) => k.toLowerCase() === 'version')?.[1] ?? '1.1.1';
    try {
      text = (await fetchCapabilities(capDoc, version)).body;
    } catch (e) {
      io.err(`ERROR: ${capDoc}: ${(e as Error).message}`);
      return 3;
    }
  } else text = readFileSync(capDoc, 'utf8');
  let cap: WmsCapabilitiesInfo;
  try {
    cap = parseWmsCapabilities(text);
  } catch (e) {
    io.err((e as Error).message);
    io.err(text.slice(0, 1000) + (text.length > 1000 ? '...' : ''));
    return 3;
  }
  const overwrite = opts.overwrite ? readYamlMapping(opts.overwrite) : null;
  const overwriteSeed = opts.overwriteSeed ? readYamlMapping(opts.overwriteSeed) : null;
  const take = (key: string): Record<string, unknown> => {
    if (!overwrite || !(key in overwrite)) return {};
    const v = overwrite[key] as Record<string, unknown>;
    delete overwrite[key];
    return v;
  };

  let conf: Record<string, unknown> = {};
  if (opts.base) conf.base = resolve(opts.base);
  // MapProxy pops `service` (singular) from the overwrites for the services section
  conf.services = updateConfig({ wms: { md: { title: cap.title } } }, take('service'));
  conf.sources = updateConfig(autoSources(cap), take('sources'));
  conf.caches = updateConfig(autoCaches(conf.sources as Record<string, unknown>, srsGrids), take('caches'));
  conf.layers = autoLayers(cap, conf.caches as Record<string, unknown>);
  const layerOverwrite = take('layers');
  if (Object.keys(layerOverwrite).length) conf.layers = updateConfig(conf.layers as unknown as Record<string, unknown>, layerOverwrite);
  if (overwrite) conf = updateConfig(conf, overwrite);
  let seedConf: Record<string, unknown> = autoSeeds(conf.caches as Record<string, unknown>);
  if (overwriteSeed) seedConf = updateConfig(seedConf, overwriteSeed);

  const write = (file: string, data: Record<string, unknown>, schema: boolean) => {
    const body = header(opts.capabilities!, io) + dumpYaml(data);
    if (file === '-') io.out(body.replace(/\n$/, ''));
    else writeFileSync(file, (schema ? schemaComment(SCHEMA_FILE) : '') + body);
  };
  if (output) write(output, conf, true);
  if (opts.outputSeed) write(opts.outputSeed, seedConf, false);
  return 0;
}

export function autoconfigCommand(program: Command): Command {
  const cmd = program
    .command('autoconfig')
    .description('Create config from WMS capabilities.')
    .usage('[options]')
    .option('--capabilities <CAPABILITIES>', 'URL or filename of WMS 1.1.1/1.3.0 capabilities document')
    .option('--output <OUTPUT>', 'filename for created MapProxy config [default: -]')
    .option('--output-seed <OUTPUT_SEED>', 'filename for created seeding config')
    .option('--base <BASE>', 'base config to include in created MapProxy config')
    .option('--overwrite <OVERWRITE>', 'YAML file with overwrites for the created MapProxy config')
    .option('--overwrite-seed <OVERWRITE_SEED>', 'YAML file with overwrites for the created seeding config')
    .option('--force', 'overwrite existing files');
  return cmd.action(async (opts: AutoconfigOptions) => {
    process.exitCode = await runAutoconfig(opts, {
      out: (s) => process.stdout.write(`${s}\n`),
      err: (s) => process.stderr.write(`${s}\n`),
      argv: ['mapproxy-util', ...process.argv.slice(2)],
    }, () => cmd.outputHelp());
  });
}
