import type { TileCoord } from '../geo/grid.js';
import { TileManager } from '../tiles/tile-manager.js';

/**
 * A tile manager for seeding: the cache's own, with the seed task's `refresh_before` in place of the cache's,
 * without minimal meta requests (every meta tile is requested whole), and failing when a tile cannot be stored.
 * It shares the cache, sources and locks.
 */
export function seedingManager(manager: TileManager, refreshBefore: number | null): TileManager {
  return new TileManager({
    ...manager.options,
    expireTimestamp: refreshBefore !== null ? () => refreshBefore : manager.options.expireTimestamp,
    minimizeMetaRequests: false,
    // a seeded tile that is not stored is work lost: fail, so the run stops instead of seeding into nothing
    storeFailures: 'fail',
  });
}

/**
 * The tiles among `tiles` that are missing or stale; with `skipUncached` only the stale ones (a refresh of what
 * the cache already holds).
 */
export async function tilesToCreate(manager: TileManager, tiles: readonly TileCoord[], opts: { skipUncached: boolean }): Promise<TileCoord[]> {
  const checkAge = manager.options.expireTimestamp !== undefined;
  const needed = await Promise.all(
    tiles.map(async (coord): Promise<boolean> => {
      if (!checkAge) return !opts.skipUncached && !(await manager.cache.isCached(coord));
      const timestamp = await manager.cache.timestamp(coord);
      if (timestamp === null) return !opts.skipUncached;
      return manager.isStale(timestamp);
    }),
  );
  return tiles.filter((_, i) => needed[i]);
}

/**
 * Creates the missing or stale tiles among `tiles` (one meta tile) through the tile manager, so locking and the
 * re-check under the lock are the same as for requests. Returns how many tiles had to be created.
 *
 * The manager looks each tile up itself (missing or stale, by the same expiry) before it creates any, so only a
 * refresh of cached tiles (`skipUncached`) asks the cache first. A look-up of our own before the manager's cost
 * 16 asynchronous stats per meta tile, each a hand-off to the thread pool that the meta tile's image work waits
 * behind, to learn what the manager's synchronous look-up finds again right after.
 */
export async function seedTiles(manager: TileManager, tiles: readonly TileCoord[], opts: { skipUncached: boolean }): Promise<number> {
  if (opts.skipUncached) {
    const needed = await tilesToCreate(manager, tiles, opts);
    if (needed.length) await manager.loadTiles(needed);
    return needed.length;
  }
  const loaded = await manager.loadTiles(tiles);
  return loaded.reduce((n, t) => (t?.cacheStatus === 'hit' ? n : n + 1), 0);
}
