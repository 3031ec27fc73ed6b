import type { SeedRuntime } from './seed-runtime.js';
import { buildCoverage } from '../runtime/coverage.js';
import { ConfigError } from '../config/errors.js';
import type { CleanupTaskConfig, LevelSelection, SeedConfig, SeedTaskConfig } from '../config/seed-config.js';
import type { ProxyConfig } from '../config/types.js';
import type { Size } from '../geo/bbox.js';
import { MultiCoverage, type Coverage } from '../geo/coverage.js';
import type { TileGrid } from '../geo/grid.js';
import type { TileManager } from '../tiles/tile-manager.js';
import { beforeTimestamp } from './timestamps.js';
import { upstreamCreationLimit } from './upstream-limit.js';

interface PlannedTask {
  readonly name: string;
  readonly cacheName: string;
  readonly gridName: string;
  readonly grid: TileGrid;
  readonly manager: TileManager;
  readonly levels: readonly number[];
  /** In the grid's SRS; null: the whole grid; false: an empty coverage (the task does nothing). */
  readonly coverage: Coverage | null | false;
}

export interface SeedTask extends PlannedTask {
  readonly kind: 'seed';
  /** Tiles at or before this timestamp (s) are created again; null: the cache's own refresh_before, if any. */
  readonly refreshBefore: number | null;
  /** Tiles per work item: the cache's meta size when it uses meta tiles, else one tile. */
  readonly metaSize: Size;
  /** Meta tile creations allowed at once by the upstreams' concurrent_requests; null: unlimited. */
  readonly upstreamLimit: number | null;
}

export interface CleanupTask extends PlannedTask {
  readonly kind: 'cleanup';
  /** Tiles modified before this timestamp (s) are removed; 0 removes all. */
  readonly removeBefore: number;
}

/** Levels of a grid selected by `levels`/`resolutions` (MapProxy's LevelsList/Range, LevelsResolutionList/Range). */
export function levelsForGrid(sel: LevelSelection | undefined, grid: TileGrid): number[] {
  const max = grid.levels - 1;
  const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);
  if (!sel) return range(0, max);
  switch (sel.type) {
    case 'levels':
      return [...new Set(sel.levels.filter((l) => l >= 0 && l <= max))].sort((a, b) => a - b);
    case 'levelRange':
      return range(Math.max(0, sel.from ?? 0), Math.min(sel.to ?? 999, max));
    case 'resolutions':
      return [...new Set(sel.resolutions.map((r) => grid.closestLevel(r)))].sort((a, b) => a - b);
    case 'resolutionRange':
      return range(sel.from === undefined ? 0 : grid.closestLevel(sel.from), sel.to === undefined ? max : grid.closestLevel(sel.to));
  }
}

function checkNames(kind: string, wanted: readonly string[] | undefined, available: string[]): void {
  if (!wanted) return;
  const missing = wanted.filter((n) => !available.includes(n));
  if (missing.length) {
    throw new ConfigError(`unknown ${kind} tasks: ${missing.join(', ')}; available ${kind} tasks: ${available.join(', ') || 'none'}`);
  }
}

class Planner {
  private readonly coverageCache = new Map<string, Coverage | false>();

  constructor(
    private readonly seedConf: SeedConfig,
    private readonly config: ProxyConfig,
    private readonly runtime: Pick<SeedRuntime, 'grids' | 'caches'>,
  ) {}

  /** The task's coverages combined (before transformation), null for none, false when one is empty. */
  coverage(names: readonly string[] | undefined): Coverage | null | false {
    if (!names || !names.length) return null;
    const parts: Coverage[] = [];
    for (const name of names) {
      let cov = this.coverageCache.get(name);
      if (cov === undefined) {
        const conf = this.seedConf.coverages[name]!;
        cov = conf.empty ? false : buildCoverage(conf.coverage);
        this.coverageCache.set(name, cov);
      }
      if (cov === false) return false;
      parts.push(cov);
    }
    return parts.length === 1 ? parts[0]! : new MultiCoverage(parts);
  }

  *units(task: SeedTaskConfig | CleanupTaskConfig, path: string): Generator<PlannedTask> {
    const grids = task.grids ?? this.config.caches[task.caches[0]!]!.grids;
    const coverage = this.coverage(task.coverages);
    for (const gridName of grids) {
      const grid = this.runtime.grids.get(gridName);
      if (!grid) throw new ConfigError(`grid '${gridName}' is not defined`, this.seedConf.seedFile, path);
      for (const cacheName of task.caches) {
        const manager = this.runtime.caches.get(cacheName).managers.find((m) => m.grid === grid);
        if (!manager) throw new ConfigError(`cache '${cacheName}' has no grid '${gridName}'`, this.seedConf.seedFile, path);
        if (this.config.caches[cacheName]!.disableStorage) {
          throw new ConfigError(`can't seed cache '${cacheName}' (disable_storage: true)`, this.seedConf.seedFile, path);
        }
        let cov: Coverage | null | false = coverage;
        if (cov) {
          try {
            cov = cov.transformTo(grid.srs);
            void cov.extent.llbbox;
          } catch (err) {
            throw new ConfigError(`coverage transformation error: ${(err as Error).message}`, this.seedConf.seedFile, path);
          }
        }
        yield { name: task.name, cacheName, gridName, grid, manager, levels: levelsForGrid(task.levels, grid), coverage: cov };
      }
    }
  }
}

/** The seed tasks to run: one per seed × grid × cache, in MapProxy's order. */
export function planSeedTasks(seedConf: SeedConfig, config: ProxyConfig, runtime: Pick<SeedRuntime, 'grids' | 'caches'>, names?: readonly string[], now = Date.now() / 1000): SeedTask[] {
  checkNames('seed', names, seedConf.seeds.map((s) => s.name));
  const planner = new Planner(seedConf, config, runtime);
  const out: SeedTask[] = [];
  for (const task of seedConf.seeds) {
    if (names && !names.includes(task.name)) continue;
    const path = `seeds.${task.name}`;
    const refreshBefore = task.refreshBefore ? beforeTimestamp(task.refreshBefore, now, `${path}.refresh_before`) : null;
    for (const unit of planner.units(task, path)) {
      const metaGrid = unit.manager.options.metaGrid;
      out.push({
        ...unit,
        kind: 'seed',
        refreshBefore,
        metaSize: metaGrid ? metaGrid.metaSize : [1, 1],
        upstreamLimit: upstreamCreationLimit(config, unit.cacheName),
      });
    }
  }
  return out;
}

/** The cleanup tasks to run: one per cleanup × grid × cache. */
export function planCleanupTasks(seedConf: SeedConfig, config: ProxyConfig, runtime: Pick<SeedRuntime, 'grids' | 'caches'>, names?: readonly string[], now = Date.now() / 1000): CleanupTask[] {
  checkNames('cleanup', names, seedConf.cleanups.map((s) => s.name));
  const planner = new Planner(seedConf, config, runtime);
  const out: CleanupTask[] = [];
  for (const task of seedConf.cleanups) {
    if (names && !names.includes(task.name)) continue;
    const path = `cleanups.${task.name}`;
    const removeBefore = task.removeAll ? 0 : task.removeBefore ? beforeTimestamp(task.removeBefore, now, `${path}.remove_before`) : now;
    for (const unit of planner.units(task, path)) {
      if (unit.manager.cache.supportsTimestamps) {
        out.push({ ...unit, kind: 'cleanup', removeBefore });
        continue;
      }
      // A store without times (MBTiles, GeoPackage, compact) cannot tell old tiles from new: as in MapProxy 7, a
      // cleanup without a limit removes them all, and a limit is an error rather than a guess.
      if (task.removeBefore && !task.removeAll) {
        throw new ConfigError(`cleanup does not support remove_before for '${task.name}' because cache '${unit.cacheName}' does not support timestamps`, seedConf.seedFile, `${path}.remove_before`);
      }
      out.push({ ...unit, kind: 'cleanup', removeBefore: 0 });
    }
  }
  return out;
}
