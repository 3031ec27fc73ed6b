import type { TileCoord } from '../geo/grid.js';
import { TileManager } from '../tiles/tile-manager.js';

/**
 * A tile manager for seeding: the cache's own, with the seed task's `refresh_before` in place of the cache's and
 * without minimal meta requests (every meta tile is requested whole). It shares the cache, sources and locks.
 */
export function seedingManager(manager: TileManager, refreshBefore: number | null): TileManager {
  return new TileManager({
    ...manager.options,
    expireTimestamp: refreshBefore !== null ? () => refreshBefore : manager.options.expireTimestamp,
    minimizeMetaRequests: false,
  });
}

/**
 * Creates the missing or stale tiles among `tiles` (one meta tile) through the tile manager, so locking and the
 * re-check under the lock are the same as for requests. `skipUncached` refreshes only tiles already in the cache.
 * Returns how many tiles had to be created.
 */
export async function seedTiles(manager: TileManager, tiles: readonly TileCoord[], opts: { skipUncached: boolean }): Promise<number> {
  const checkAge = manager.options.expireTimestamp !== undefined;
  const needed: TileCoord[] = [];
  await Promise.all(
    tiles.map(async (coord) => {
      if (!checkAge) {
        if (!opts.skipUncached && !(await manager.cache.isCached(coord))) needed.push(coord);
        return;
      }
      const cached = await manager.cache.load(coord);
      if (!cached) {
        if (!opts.skipUncached) needed.push(coord);
      } else if (manager.isStale(cached.timestamp)) needed.push(coord);
    }),
  );
  if (needed.length) await manager.loadTiles(needed);
  return needed.length;
}
