import { existsSync } from 'node:fs';
import { Command } from 'commander';
import type { TileCache } from '../../core/cache/cache.js';
import { ConfigError } from '../../core/config/errors.js';
import { ReadContext } from '../../core/config/config-reader.js';
import { readCoverage } from '../../core/config/coverage.js';
import { loadConfig } from '../../core/config/load-config.js';
import type { BBox } from '../../core/geo/bbox.js';
import type { Coverage } from '../../core/geo/coverage.js';
import { MapExtent } from '../../core/geo/extent.js';
import { buildCoverage } from '../../core/runtime/coverage.js';
import { buildRuntime, type Runtime } from '../../core/runtime/runtime.js';
import { formatBBox } from '../../core/seed/summary.js';
import { countWalk, walkMetaTiles } from '../../core/seed/walker.js';
import { parseYaml } from '../../core/config/yaml-file.js';
import { absoluteDest, destinationCacheOptions, openDestination } from './export-destination.js';

export interface ExportOptions {
  mapproxyConf: string;
  source: string;
  grid: string;
  dest: string;
  levels: string;
  type?: string;
  /** YAML mapping of further `cache:` options of the destination (our addition, for network stores). */
  cacheOptions?: string;
  fetchMissingTiles?: boolean;
  force?: boolean;
  dryRun?: boolean;
  coverage?: string;
  srs?: string;
  where?: string;
  quiet?: number;
}

export interface ExportIO {
  out: (line: string) => void;
  err: (line: string) => void;
  signal?: AbortSignal;
}

/** MapProxy's level lists: `1,2,3`, `1..10`, `1..6, 8, 13..14`; sorted, each once. */
export function parseLevels(text: string): number[] {
  const levels = new Set<number>();
  for (const raw of text.split(',')) {
    const part = raw.trim();
    const range = /^(\d+)\.\.(\d+)$/.exec(part);
    if (range) {
      for (let l = Number(range[1]); l <= Number(range[2]); l++) levels.add(l);
    } else if (/^\d+$/.test(part)) levels.add(Number(part));
    else throw new Error(`invalid level '${part}' (expected e.g. 1,2,3 or 1..10)`);
  }
  return [...levels].sort((a, b) => a - b);
}

/** --coverage: a BBOX string in --srs (default: the grid's), else a file (WKT, GeoJSON, OGR) read like a `coverages:` entry. */
function exportCoverage(opts: ExportOptions, gridSrs: string): Coverage {
  const srs = opts.srs ?? gridSrs;
  const parts = opts.coverage!.split(/[ ,]+/).filter(Boolean);
  const raw = parts.length === 4 && parts.every((p) => Number.isFinite(Number(p)))
    ? { bbox: parts.map(Number), srs }
    : { datasource: opts.coverage, srs, ...(opts.where ? { where: opts.where } : {}) };
  const conf = readCoverage(new ReadContext('--coverage', process.cwd()), '', raw);
  if (!conf) throw new ConfigError(`--coverage ${opts.coverage}: no geometries`);
  return buildCoverage(conf);
}

/** MapProxy's progress line: `[12:00:00]  3  42.00% <bbox> (1234 tiles)`. */
function progressLine(level: number, fraction: number, bbox: BBox, tiles: number): string {
  const clock = new Date().toTimeString().slice(0, 8);
  return `[${clock}] ${String(level).padStart(2)} ${(fraction * 100).toFixed(2).padStart(6)}% ${formatBBox(bbox)} (${tiles} tiles)`;
}

/**
 * `mapproxy-util export`: copies the tiles of a cache (one grid) into a new store of any type, through the cache
 * registry and the TileCache interface, tiles byte for byte. Missing tiles are left out unless
 * --fetch-missing-tiles, which creates them through the cache as a request would. Returns the exit code.
 */
export async function runExport(opts: ExportOptions, io: ExportIO): Promise<number> {
  let levels: number[];
  try {
    levels = parseLevels(opts.levels);
  } catch (e) {
    io.err(`ERROR: ${(e as Error).message}`);
    return 1;
  }
  let loaded;
  try {
    loaded = loadConfig(opts.mapproxyConf);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.err(e.message);
    io.err('ERROR: invalid configuration (see above)');
    return 2;
  }
  const config = loaded.config;
  if (opts.grid.includes('=')) {
    io.err('ERROR: custom grid definitions (--grid "res=… srs=…") are not supported: name a grid of the configuration');
    return 2;
  }
  const source = config.caches[opts.source];
  if (!source) {
    const what = config.sources[opts.source] ? `'${opts.source}' is a source: export reads caches` : `no cache '${opts.source}'`;
    io.err(`ERROR: ${what} (caches: ${Object.keys(config.caches).join(', ') || 'none'})`);
    return 2;
  }
  if (!source.grids.includes(opts.grid)) {
    io.err(`ERROR: cache '${opts.source}' has no grid '${opts.grid}' (its grids: ${source.grids.join(', ')}); export copies tiles and does not reproject`);
    return 2;
  }
  const dest = absoluteDest(opts.dest);
  const extra = opts.cacheOptions ? parseYaml(opts.cacheOptions, '--cache-options') : {};
  if (extra === null || typeof extra !== 'object' || Array.isArray(extra)) {
    io.err('ERROR: --cache-options must be a YAML mapping, e.g. "{bucket_name: tiles}"');
    return 2;
  }
  const raw = destinationCacheOptions(opts.type, dest, extra as Record<string, unknown>);
  if (typeof raw === 'string') {
    io.err(`ERROR: ${raw}`);
    return 2;
  }
  const destIsPath = 'filename' in raw || 'directory' in raw;
  if (destIsPath && existsSync(dest) && !opts.force) {
    io.err('ERROR: destination exists, remove first or use --force');
    return 2;
  }

  let runtime: Runtime | null = null;
  let store: TileCache | null = null;
  try {
    runtime = await buildRuntime(loaded, { seeding: true });
    const grid = runtime.grids.get(opts.grid)!;
    const last = levels[levels.length - 1]!;
    if (last >= grid.levels) {
      io.err(`ERROR: destination grid only has ${grid.levels} levels`);
      return 2;
    }
    const coverage = opts.coverage ? exportCoverage(opts, grid.srs.code) : null;
    const manager = runtime.caches.get(opts.source).managers.find((m) => m.grid === grid)!;
    store = openDestination(raw, { source, gridName: opts.grid, grid, globals: config.globals, baseDir: process.cwd() });

    const extent = coverage ? coverage.extent : new MapExtent(grid.bbox, grid.srs);
    io.out(`Exporting cache '${opts.source}' to '${opts.dest}' with grid '${opts.grid}' in ${grid.srs.code}`);
    io.out(`  Limited to: ${formatBBox(extent.llbbox)} (EPSG:4326)`);
    io.out(`  Levels: [${levels.join(', ')}]`);

    // batches of 8×8 tiles: one loadMany and one storeMany each (with --fetch-missing-tiles the cache's meta size)
    const metaSize = opts.fetchMissingTiles ? source.metaSize : ([8, 8] as [number, number]);
    const walk = { levels, coverage, metaSize };
    const total = [...countWalk(grid, walk).values()].reduce((s, c) => s + c.tiles, 0);
    const start = coverage ? coverage.extent.bboxFor(grid.srs) : grid.bbox;
    const verbose = (opts.quiet ?? 0) < 2;
    if (verbose) io.out(progressLine(levels[0]!, 0, start, 0));
    let done = 0, copied = 0, missing = 0, lastLine = Date.now();
    for (const item of walkMetaTiles(grid, walk)) {
      if (io.signal?.aborted) {
        io.err('stopping...');
        return 2;
      }
      const tiles = [...item.tiles];
      if (!opts.dryRun) {
        const found = opts.fetchMissingTiles
          ? (await manager.loadTiles(tiles)).map((t) => (t && t.cacheable !== false ? t.data : null))
          : (await manager.cache.loadMany(tiles)).map((t) => t?.data ?? null);
        const toStore = tiles.flatMap((coord, i) => (found[i] ? [{ coord, data: found[i]! }] : []));
        if (toStore.length) await store.storeMany(toStore);
        copied += toStore.length;
        missing += tiles.length - toStore.length;
      }
      done += tiles.length;
      if (verbose && (opts.quiet ?? 0) === 0 && Date.now() - lastLine > 1000) {
        lastLine = Date.now();
        io.out(progressLine(item.level, total ? done / total : 1, grid.tilesBBox(tiles), done));
      }
    }
    if (verbose) io.out(progressLine(levels[0]!, 1, start, done));
    if (!opts.dryRun && verbose) io.out(`${copied} tiles exported, ${missing} not in the cache${opts.fetchMissingTiles ? ' and not created' : ''}`);
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.err(`ERROR: ${e.message}`);
    return 2;
  } finally {
    if (store) await store.close();
    if (runtime) await runtime.close();
  }
}

/** Registers `export` with MapProxy's options. */
export function exportCommand(program: Command): Command {
  return program
    .command('export')
    .description('Export existing caches.')
    .usage('[options] mapproxy_conf')
    .argument('[mapproxy_conf]')
    .option('-f, --mapproxy-conf <MAPPROXY_CONF>', 'MapProxy configuration')
    .option('-q, --quiet', 'reduce number of messages to stdout, repeat to disable progress output', (_v: string, prev: number) => prev + 1, 0)
    .option('--source <SOURCE>', 'source to export (a cache)')
    .option('--grid <GRID>', 'grid for export: the name of a grid of the cache')
    .option('--dest <DEST>', 'destination of the export (directory or filename)')
    .option('--type <TYPE>', 'type of the export format: tms (default), tc, mapproxy, arcgis, mbtile, sqlite, geopackage, compact-v1, compact-v2, or a cache type (mbtiles, s3, redis, …)')
    .option('--cache-options <YAML>', 'further cache: options of the destination as a YAML mapping (for network stores: bucket_name, host, …)')
    .option('--levels <LEVELS>', 'levels to export: e.g 1,2,3 or 1..10')
    .option('--fetch-missing-tiles', 'if missing tiles should be fetched from the sources')
    .option('--force', 'overwrite/append to existing --dest files/directories')
    .option('-n, --dry-run', 'do not export, just print output')
    .option('-c, --concurrency <CONCURRENCY>', 'accepted for MapProxy compatibility; the copy runs in one process')
    .option('--coverage <COVERAGE>', 'the coverage for the export as a BBOX string, WKT file or OGR datasource')
    .option('--srs <SRS>', 'the SRS of the coverage')
    .option('--where <WHERE>', 'filter for OGR coverages')
    .action(async (confArg: string | undefined, o: Partial<ExportOptions>, cmd: Command) => {
      const mapproxyConf = o.mapproxyConf ?? confArg;
      for (const [key, value] of [['mapproxy-conf', mapproxyConf], ['grid', o.grid], ['source', o.source], ['dest', o.dest], ['levels', o.levels]] as const) {
        if (!value) {
          process.stderr.write(`ERROR: missing required option --${key}\n`);
          cmd.outputHelp();
          process.exitCode = 1;
          return;
        }
      }
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.on('SIGINT', onSigint);
      try {
        process.exitCode = await runExport({ ...(o as ExportOptions), mapproxyConf: mapproxyConf! }, {
          out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`), signal: abort.signal,
        });
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
