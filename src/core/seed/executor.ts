import type { SeedRuntime } from './seed-runtime.js';
import type { TileCoord } from '../geo/grid.js';
import type { TileManager } from '../tiles/tile-manager.js';
import { seedingManager, seedTiles } from './seed-tiles.js';

/** What a worker needs to know about a seed task to work on its items. */
export interface SeedUnitSpec {
  readonly cache: string;
  readonly grid: string;
  readonly refreshBefore: number | null;
  readonly skipUncached: boolean;
}

export interface SeedWorkItem {
  /** Index into the units given to `start`. */
  readonly unit: number;
  readonly tiles: readonly TileCoord[];
}

/** Runs seed work items somewhere: in this process, or in worker processes. */
export interface SeedExecutor {
  /** Work items that can usefully run at once. */
  readonly capacity: number;
  /** Announces the units items will refer to (called before any `run`, possibly more than once). */
  prepare(units: readonly SeedUnitSpec[]): Promise<void>;
  /**
   * Creates what is missing; resolves with the number of tiles created, rejects with the upstream's error, or
   * with a CacheWriteError when the tiles cannot be stored (also when they were created in another process).
   */
  run(item: SeedWorkItem): Promise<number>;
  close(): Promise<void>;
}

/** Finds the tile manager of a cache for a grid, by the runtime's grid object. */
export function managerFor(runtime: Pick<SeedRuntime, 'grids' | 'caches'>, cache: string, grid: string): TileManager {
  const g = runtime.grids.get(grid);
  const manager = runtime.caches.get(cache).managers.find((m) => m.grid === g);
  if (!manager) throw new Error(`cache '${cache}' has no grid '${grid}'`);
  return manager;
}

/** Seeds in this process, with a runtime built for seeding. Used by the worker processes and by tests. */
export class InProcessExecutor implements SeedExecutor {
  private units: { spec: SeedUnitSpec; manager: TileManager }[] = [];

  constructor(
    private readonly runtime: Pick<SeedRuntime, 'grids' | 'caches'>,
    readonly capacity = 2,
  ) {}

  async prepare(units: readonly SeedUnitSpec[]): Promise<void> {
    this.units = units.map((spec) => ({
      spec,
      manager: seedingManager(managerFor(this.runtime, spec.cache, spec.grid), spec.refreshBefore),
    }));
  }

  run(item: SeedWorkItem): Promise<number> {
    const unit = this.units[item.unit];
    if (!unit) return Promise.reject(new Error(`unknown seed unit ${item.unit}`));
    return seedTiles(unit.manager, item.tiles, { skipUncached: unit.spec.skipUncached });
  }

  async close(): Promise<void> {}
}
