import type { MapReader } from '../config/config-reader.js';
import type { GlobalsConfig, LinkSingleColorImages } from '../config/types.js';
import type { TileGrid } from '../geo/grid.js';
import type { Logger } from '../log/logger.js';
import type { TileCache } from './cache.js';
import type { CoreMetrics } from '../metrics.js';

/** What a backend knows of its cache while it reads the `cache:` options. */
export interface CacheReadContext {
  /** The key of the cache in `caches:`. */
  readonly cacheName: string;
  /** MapProxy's cache_dir(): `cache.directory`, else `cache_dir`, else `globals.cache.base_dir`; absolute. */
  readonly cacheDir: string;
  /** The main configuration file's directory: where MapProxy's `./relative` file names resolve. */
  readonly configDir: string;
  /** The cache's grids that exist, in configured order: the key in `grids:`, the grid's name and its SRS. */
  readonly grids: readonly { readonly key: string; readonly name: string; readonly srs: string }[];
  readonly globals: GlobalsConfig;
  /** `globals.cache` as configured, for backend defaults such as `globals.cache.s3.bucket_name`. */
  readonly globalCache: MapReader;
  /** Extension of the cache's image format ('png', 'jpeg', 'mixed'). */
  readonly fileExt: string;
  /** `link_single_color_images` of the cache or of `globals.cache`. */
  readonly linkSingleColorImages: LinkSingleColorImages;
}

/** What a backend is opened for: one grid of one cache. */
export interface CacheTarget {
  readonly cacheName: string;
  /** The key in the cache's `grids:`. */
  readonly gridKey: string;
  readonly grid: TileGrid;
  readonly fileExt: string;
  /** Mime type of the stored tiles ('image/png'; 'mixed' caches store PNG and JPEG). */
  readonly mimeType: string;
  /** The cache's images have alpha (its `transparent`, or that of a source): MapProxy's images are RGBA then. */
  readonly transparent?: boolean;
  /** Where a store counts failures it handles itself, without a caller to report to (cache_write_errors). */
  readonly metrics?: CoreMetrics;
  /** Where a store logs what it handles itself (damaged files, lost connections); default the console. */
  readonly log?: Pick<Logger, 'warn' | 'error'>;
}

/**
 * One `cache.type`: how its options are read and checked, and how a store is opened from them. Options are plain
 * data (they are part of the typed configuration); everything live (connections, file handles) is made by open.
 * A backend that needs a heavy client library loads it on first use, so configurations without it do not pay.
 */
export interface CacheBackend<Options = unknown> {
  /** The `cache.type` value. */
  readonly type: string;
  /** Its stores keep the tiles of each dimension value apart (MapProxy's supports_dimensions: the file cache only). */
  readonly supportsDimensions?: boolean;
  /**
   * Reads the backend's keys of `caches.<name>.cache` (`type`, `coverage` and `tile_lock_dir` are read by the
   * caller); unknown keys are reported by the caller's finish(). Throws a ConfigError for a wrong value.
   */
  readOptions(r: MapReader, ctx: CacheReadContext): Options;
  /** The store of one grid. Must not block or fail on an unreachable server: that is a load/store error. */
  open(options: Options, target: CacheTarget): TileCache;
}
