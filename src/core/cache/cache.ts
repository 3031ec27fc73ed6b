import type { TileCoord } from '../geo/grid.js';

/** Dimension values of a tile (e.g. TIME, ELEVATION, dim_*), as forwarded from the request. */
export type Dimensions = Readonly<Record<string, string>>;

/** One stored tile: the encoded bytes, the modification time and the byte size. */
export interface CachedTile {
  data: Buffer;
  /**
   * Seconds since the epoch (float) when the tile was stored; null for stores that keep no times (MBTiles,
   * GeoPackage, compact bundles): such tiles get no Last-Modified and MapProxy's ETag of "None".
   */
  timestamp: number | null;
  size: number;
}

/** A tile to store: its coordinate and its encoded bytes. */
export interface TileToStore {
  readonly coord: TileCoord;
  readonly data: Buffer;
}

/** What a cleanup reports of each tile it removes (or would remove in a dry run): where it was. */
export interface RemoveOptions {
  readonly dryRun?: boolean;
  readonly onRemove?: (tileName: string) => void;
}

/**
 * What every storage backend implements. Coordinates are in the grid's own origin; backends never flip or
 * otherwise interpret them beyond building their storage key. Extend `BasicTileCache` to get the batch
 * operations as loops over the single ones, and override those the store can do better.
 */
export interface TileCache {
  /** Identifies the storage in tile lock file names (MapProxy's lock_cache_id). */
  readonly lockId: string;
  /** False when the store keeps no modification times: refresh_before and remove_before cannot tell old from new. */
  readonly supportsTimestamps: boolean;
  load(coord: TileCoord, dims?: Dimensions): Promise<CachedTile | null>;
  /** The tiles in the order asked (one query, one pipeline or parallel GETs); null where missing. */
  loadMany(coords: readonly TileCoord[], dims?: Dimensions): Promise<(CachedTile | null)[]>;
  isCached(coord: TileCoord, dims?: Dimensions): Promise<boolean>;
  /**
   * When the tile was stored (seconds), without reading its bytes; null when it is not stored. A store without
   * timestamps answers -1 for a stored tile (MapProxy's load_tile_metadata): it is older than any limit.
   */
  timestamp(coord: TileCoord, dims?: Dimensions): Promise<number | null>;
  /** Atomic: readers see either the old tile or the new one, never a partial write. */
  store(coord: TileCoord, data: Buffer, dims?: Dimensions): Promise<void>;
  /**
   * All tiles of a meta tile at once (one transaction, one pipeline, parallel PUTs). Each tile is atomic. Rejects
   * with an AggregateError of the failed tiles' errors when only some failed, with one error when all did.
   */
  storeMany(tiles: readonly TileToStore[], dims?: Dimensions): Promise<void>;
  remove(coord: TileCoord, dims?: Dimensions): Promise<void>;
  /** Removes these tiles (a cleanup batch); a file cache also removes the directories this leaves empty. */
  removeMany(coords: readonly TileCoord[], dims?: Dimensions): Promise<void>;
  /**
   * Removes every tile of a level stored before `before` (seconds; 0: every tile) the quick way: a level
   * directory, a level database, one DELETE. Returns the number of tiles removed, or null when this store has no
   * quick way for this level; the cleanup then walks the level tile by tile.
   */
  removeLevel(level: number, before: number, opts?: RemoveOptions): Promise<number | null>;
  /** Where a tile lives, for messages and dry runs: a file path, a key, a URL. */
  tileName(coord: TileCoord, dims?: Dimensions): string;
  /** Releases connections and file handles (at reload or exit). Loads and stores after close fail. */
  close(): Promise<void>;
}

/**
 * A TileCache whose batch operations are the single ones, run concurrently, and that has no quick level
 * removal. Backends extend it and override what their store does better.
 */
export abstract class BasicTileCache implements TileCache {
  abstract readonly lockId: string;
  readonly supportsTimestamps: boolean = true;
  abstract load(coord: TileCoord, dims?: Dimensions): Promise<CachedTile | null>;
  abstract isCached(coord: TileCoord, dims?: Dimensions): Promise<boolean>;
  abstract store(coord: TileCoord, data: Buffer, dims?: Dimensions): Promise<void>;
  abstract remove(coord: TileCoord, dims?: Dimensions): Promise<void>;
  abstract tileName(coord: TileCoord, dims?: Dimensions): string;

  loadMany(coords: readonly TileCoord[], dims?: Dimensions): Promise<(CachedTile | null)[]> {
    return Promise.all(coords.map((c) => this.load(c, dims)));
  }

  async timestamp(coord: TileCoord, dims?: Dimensions): Promise<number | null> {
    const tile = await this.load(coord, dims);
    if (!tile) return null;
    return tile.timestamp ?? -1;
  }

  /** Every tile is tried; the failures are reported once all have settled. */
  async storeMany(tiles: readonly TileToStore[], dims?: Dimensions): Promise<void> {
    const results = await Promise.allSettled(tiles.map((t) => this.store(t.coord, t.data, dims)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
    if (failed.length === tiles.length && failed.length > 0) throw failed[0];
    if (failed.length > 0) throw new AggregateError(failed, `${failed.length} of ${tiles.length} tiles not stored`);
  }

  async removeMany(coords: readonly TileCoord[], dims?: Dimensions): Promise<void> {
    await Promise.all(coords.map((c) => this.remove(c, dims)));
  }

  async removeLevel(_level: number, _before: number, _opts?: RemoveOptions): Promise<number | null> {
    return null;
  }

  async close(): Promise<void> {}
}
