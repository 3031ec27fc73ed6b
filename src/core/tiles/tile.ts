import type { TileCoord } from '../geo/grid.js';

/**
 * Where a served tile came from, for the X-Cache header and the access log: `hit` from the cache, `miss` created
 * now (or blank: no source has data there), `stale` an expired cached tile served because the source failed.
 */
export type CacheStatus = 'hit' | 'miss' | 'stale';

/** A tile as the services see it: encoded in the cache's format, or blank (no source had data for it). */
export interface Tile {
  readonly coord: TileCoord;
  /** Encoded in the cache format; null for a blank tile (outside every source's coverage). */
  readonly data: Buffer | null;
  /** Seconds since the epoch: the stored file's mtime, or the creation time; null from stores without times. */
  readonly timestamp: number | null;
  readonly cacheable: boolean;
  /** Absent: created now (a miss). */
  readonly cacheStatus?: CacheStatus;
}

export const coordKey = (c: TileCoord): string => `${c[0]},${c[1]},${c[2]}`;

export const blankTile = (coord: TileCoord): Tile => ({ coord, data: null, timestamp: Date.now() / 1000, cacheable: false });
