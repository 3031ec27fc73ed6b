import type { TileCoord } from '../geo/grid.js';

/** Dimension values of a tile (e.g. TIME, ELEVATION, dim_*), as forwarded from the request. */
export type Dimensions = Readonly<Record<string, string>>;

/** One stored tile: the encoded bytes, the modification time (seconds, float) and the byte size. */
export interface CachedTile {
  data: Buffer;
  timestamp: number;
  size: number;
}

/**
 * What every storage backend implements. Coordinates are in the grid's own origin; backends
 * never flip or otherwise interpret them beyond building their storage key.
 */
export interface TileCache {
  /** Identifies the storage in tile lock file names (MapProxy's lock_cache_id). */
  readonly lockId: string;
  load(coord: TileCoord, dims?: Dimensions): Promise<CachedTile | null>;
  isCached(coord: TileCoord, dims?: Dimensions): Promise<boolean>;
  /** Atomic: readers see either the old tile or the new one, never a partial write. */
  store(coord: TileCoord, data: Buffer, dims?: Dimensions): Promise<void>;
  remove(coord: TileCoord, dims?: Dimensions): Promise<void>;
}
