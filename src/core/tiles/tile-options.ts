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
}

