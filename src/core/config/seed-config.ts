import { resolve } from 'node:path';
import { readRefreshBefore } from './caches.js';
import { MapReader, ReadContext, joinPath } from './config-reader.js';
import { readCoverage } from './coverage.js';
import { expandEnv } from './env-expand.js';
import { ConfigError, describeValue } from './errors.js';
import type { CoverageConfig, LoadedConfig, RefreshBeforeConfig } from './types.js';
import { readYamlFile } from './yaml-file.js';

/** Which levels a seed or cleanup covers: `levels: [..]`, `levels: {from, to}`, or the same with `resolutions`. */
export type LevelSelection =
  | { type: 'levels'; levels: number[] }
  | { type: 'levelRange'; from?: number; to?: number }
  | { type: 'resolutions'; resolutions: number[] }
  | { type: 'resolutionRange'; from?: number; to?: number };

/** A named coverage of seed.yaml; `empty` when its datasource holds no polygons (MapProxy skips such tasks). */
export type SeedCoverageConfig = { empty: false; coverage: CoverageConfig } | { empty: true; reason: string };

interface TaskCommon {
  name: string;
  caches: string[];
  /** Default: the grids all caches have in common (they must then have the same grids). */
  grids?: string[];
  /** Names from `coverages:`; none means the whole grid. */
  coverages?: string[];
  levels?: LevelSelection;
}

export interface SeedTaskConfig extends TaskCommon {
  /** Tiles at or before this time are created again; absent: only missing tiles are created. */
  refreshBefore?: RefreshBeforeConfig;
}

export interface CleanupTaskConfig extends TaskCommon {
  /** Default (when neither this nor removeAll is set): the start of the run. */
  removeBefore?: RefreshBeforeConfig;
  removeAll: boolean;
}

export interface SeedConfig {
  seedFile: string;
  seeds: SeedTaskConfig[];
  cleanups: CleanupTaskConfig[];
  coverages: Record<string, SeedCoverageConfig>;
  warnings: string[];
}

export interface LoadSeedConfigOptions {
  env?: Record<string, string | undefined>;
}

/**
 * Reads a MapProxy `seed.yaml` (seeds, cleanups, coverages) against a loaded mapproxy.yaml: every cache, grid and
 * coverage named must exist. Same YAML dialect and `$VAR` expansion as mapproxy.yaml; relative file names resolve
 * against the mapproxy.yaml directory, as in MapProxy.
 */
export function loadSeedConfig(file: string, proxy: LoadedConfig, opts: LoadSeedConfigOptions = {}): SeedConfig {
  const seedFile = resolve(file);
  const env = opts.env ?? process.env;
  const ctx = new ReadContext(seedFile, proxy.configDir);
  const raw = expandEnv(readYamlFile(seedFile), env, (name) => ctx.warn('', `environment variable $${name} is not set; left as is`));
  const top = MapReader.of(ctx, '', raw);
  if (top.has('views')) throw top.error('views', 'the pre-1.0 seed configuration (seeds with views) is not supported; use seeds/cleanups/coverages');

  const coverages: Record<string, SeedCoverageConfig> = {};
  const covReader = top.mapOrEmpty('coverages');
  for (const name of covReader.keys()) coverages[name] = readSeedCoverage(ctx, covReader.keyPath(name), covReader.get(name));
  covReader.finish();

  const seeds: SeedTaskConfig[] = [];
  const seedsReader = top.mapOrEmpty('seeds');
  for (const name of seedsReader.keys()) {
    const r = MapReader.of(ctx, seedsReader.keyPath(name), seedsReader.get(name));
    const task: SeedTaskConfig = readCommon(r, name, proxy, coverages);
    const refresh = readRefreshBefore(r, 'refresh_before');
    if (refresh) task.refreshBefore = refresh;
    r.finish();
    seeds.push(task);
  }

  const cleanups: CleanupTaskConfig[] = [];
  const cleanupsReader = top.mapOrEmpty('cleanups');
  for (const name of cleanupsReader.keys()) {
    const r = MapReader.of(ctx, cleanupsReader.keyPath(name), cleanupsReader.get(name));
    const common = readCommon(r, name, proxy, coverages);
    const task: CleanupTaskConfig = { ...common, removeAll: r.bool('remove_all') ?? false };
    const before = readRefreshBefore(r, 'remove_before');
    if (before) task.removeBefore = before;
    r.finish();
    cleanups.push(task);
  }
  top.finish();
  return { seedFile, seeds, cleanups, coverages, warnings: ctx.warnings };
}

function readSeedCoverage(ctx: ReadContext, path: string, raw: unknown): SeedCoverageConfig {
  try {
    const coverage = readCoverage(ctx, path, raw);
    if (!coverage) throw ctx.error(path, 'expected a coverage (bbox, datasource, polygons, union, intersection or difference)');
    return { empty: false, coverage };
  } catch (err) {
    // A datasource without polygons makes the tasks using it no-ops (MapProxy's EmptyCoverageError), not an error.
    if (err instanceof ConfigError && /no polygons found/.test(err.message)) return { empty: true, reason: err.message };
    throw err;
  }
}

function readCommon(r: MapReader, name: string, proxy: LoadedConfig, coverages: Record<string, SeedCoverageConfig>): TaskCommon {
  const caches = r.strList('caches');
  if (!caches || caches.length === 0) throw r.error('caches', 'missing required value: a list of cache names');
  const config = proxy.config;
  caches.forEach((c, i) => {
    if (!config.caches[c]) {
      throw r.ctx.error(joinPath(r.keyPath('caches'), i), `cache '${c}' not found; available caches: ${Object.keys(config.caches).join(', ')}`);
    }
  });
  const task: TaskCommon = { name, caches };
  const grids = r.strList('grids');
  const cacheGrids = caches.map((c) => config.caches[c]!.grids);
  if (grids) {
    grids.forEach((g, i) => {
      if (!cacheGrids.every((list) => list.includes(g))) {
        throw r.ctx.error(joinPath(r.keyPath('grids'), i), `grid '${g}' is not a grid of every cache of this task (${caches.join(', ')})`);
      }
    });
    task.grids = grids;
  } else {
    const first = [...cacheGrids[0]!].sort().join(',');
    if (!cacheGrids.every((g) => [...g].sort().join(',') === first)) {
      throw r.error('caches', 'caches in one task must have identical grids, or the task must name its grids');
    }
  }
  const covNames = r.strList('coverages');
  if (covNames) {
    covNames.forEach((c, i) => {
      if (!coverages[c]) {
        throw r.ctx.error(joinPath(r.keyPath('coverages'), i), `coverage '${c}' not found; available coverages: ${Object.keys(coverages).join(', ') || 'none'}`);
      }
    });
    task.coverages = covNames;
  }
  const levels = readLevels(r);
  if (levels) task.levels = levels;
  return task;
}

function readLevels(r: MapReader): LevelSelection | undefined {
  r.accept('levels', 'resolutions'); // `levels` wins when both are given, as in MapProxy
  for (const key of ['levels', 'resolutions'] as const) {
    if (!r.isSet(key)) {
      r.accept(key);
      continue;
    }
    const v = r.get(key);
    if (Array.isArray(v)) {
      const nums = r.numList(key)!;
      if (key === 'levels') {
        nums.forEach((n, i) => {
          if (!Number.isInteger(n)) throw r.ctx.error(joinPath(r.keyPath(key), i), `expected a level number, got ${n}`);
        });
        return { type: 'levels', levels: nums };
      }
      return { type: 'resolutions', resolutions: nums };
    }
    if (v !== null && typeof v === 'object') {
      const range = r.map(key)!;
      const from = range.num('from');
      const to = range.num('to');
      range.finish();
      if (key === 'levels') {
        for (const [k, n] of [['from', from], ['to', to]] as const) {
          if (n !== undefined && !Number.isInteger(n)) throw range.error(k, `expected a level number, got ${n}`);
        }
      }
      const out = key === 'levels' ? { type: 'levelRange' as const } : { type: 'resolutionRange' as const };
      return { ...out, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
    }
    throw r.error(key, `expected a list or {from: .., to: ..}, got ${describeValue(v)}`);
  }
  return undefined;
}
