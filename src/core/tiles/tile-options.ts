import type { TileCache } from '../cache/cache.js';
import type { Coverage } from '../geo/coverage.js';
import type { TileGrid } from '../geo/grid.js';
import type { MetaGrid } from '../geo/meta-grid.js';
import type { ImageFormat } from '../image/format.js';
import type { CoreMetrics } from '../metrics.js';
import type { Logger } from '../log/logger.js';
import type { MapSource } from '../source/source.js';
import type { CreationQueue } from './creation-queue.js';
import type { SingleFlight } from './single-flight.js';
import type { TileLock } from './tile-lock.js';
import type { TileWatermark } from '../image/watermark.js';
import type { Resampling } from '../image/raw-image.js';

/** How the tiles of one cache and grid are looked up and created: shared by the tile manager and its creator. */
export interface TileManagerOptions {
  /** Identifies the cache in logs and lock keys. */
  readonly name: string;
  readonly grid: TileGrid;
  readonly cache: TileCache;
  readonly sources: readonly MapSource[];
  readonly format: ImageFormat;
  /** Mime type asked from the sources. */
  readonly requestFormat: string;
  readonly metaGrid: MetaGrid | null;
  readonly minimizeMetaRequests: boolean;
  readonly concurrentTileCreators: number;
  /** Tiles with an mtime at or before this timestamp (seconds) are stale (refresh_before). */
  readonly expireTimestamp?: () => number | null;
  /** In-process single flight of creations (shared by the caches of a process). */
  readonly locks: SingleFlight;
  /** Cross-process (lock files) and cross-host (Redis lease) tile lock; absent for caches without storage (`disable_storage`). */
  readonly tileLocker?: TileLock;
  /** Bounds the creations of the process; absent: unbounded. */
  readonly creationQueue?: CreationQueue;
  readonly transparent: boolean;
  readonly metrics?: CoreMetrics;
  /** Where failed cache writes are reported (throttled); default console. */
  readonly log?: Pick<Logger, 'warn' | 'error'>;
  /**
   * A tile that cannot be stored (full disk, read-only mount): 'serve' it anyway, counted and logged (requests,
   * the default); or 'fail' the creation with the CacheWriteError (seeding, whose only product is the stored tile).
   */
  readonly storeFailures?: 'serve' | 'fail';
  /** `caches.X.cache.coverage`: nothing is created outside it; with `clip`, tiles are masked to it. */
  readonly coverage?: Coverage;
  /** `watermark`: drawn on each tile as it is created, before it is stored (MapProxy's pre_store_filter). */
  readonly watermark?: TileWatermark;
  /** `upscale_tiles` / `downscale_tiles`: missing tiles drawn from other levels of this cache (tile-rescaler.ts). */
  readonly rescale?: RescaleOptions;
  /**
   * `bulk_meta_tiles` for sources without meta tiles (tile sources): the meta tile's tiles are requested one by one,
   * under one lock (metaGrid is then the meta size without buffer).
   */
  readonly bulkMetaTiles?: boolean;
}

/** MapProxy's rescale_tiles and cache_rescaled_tiles. */
export interface RescaleOptions {
  /** Levels to go: negative up to coarser levels (upscale_tiles), positive down to finer ones (downscale_tiles). */
  readonly levels: number;
  /** Store the rescaled tiles in the cache (cache_rescaled_tiles). */
  readonly store: boolean;
  /** The cache's resampling method (image.resampling_method). */
  readonly resampling: Resampling;
}
