import type { DimensionConfig } from './layer-dimensions.js';
import type { ServerConfig } from './server.js';
import type { ServiceMetadata } from '../service/service-metadata.js';
import type { TileLockConfig } from './tile-lock-config.js';
import type { InspireMetadata } from './inspire-md.js';
/**
 * The validated, typed form of a MapProxy `mapproxy.yaml`. Nothing downstream reads raw YAML: runtime objects
 * (grids, sources, caches, layers, services) are built from these records.
 *
 * Conventions:
 * - every option is already resolved with MapProxy's lookup order: the local key, then `globals`, then the
 *   built-in defaults of `mapproxy/config/defaults.py`;
 * - paths are absolute. Relative paths resolve against the directory of the MAIN config file. Directory strings
 *   that MapProxy builds with `os.path.join` keep its exact (unnormalised) form, since lock-file names are md5 hashes
 *   of them (e.g. `/srv/mp/./cache_data/osm_EPSG900913`);
 * - names stay as configured (`'EPSG:900913'` is not rewritten to 3857; the geo layer knows the aliases);
 * - `BBox` is `[minx, miny, maxx, maxy]`.
 */

export type BBox4 = [minx: number, miny: number, maxx: number, maxy: number];
export type Size2 = [width: number, height: number];

export interface LoadedConfig {
  config: ProxyConfig;
  /** Every YAML file read (main and `base:` files) with its mtime, to detect changes for reloads. */
  files: { path: string; mtimeMs: number }[];
  /** Non-fatal findings: unknown keys (with key path), unset environment variables, deprecated forms. */
  warnings: string[];
  /** Absolute directory of the main config file. */
  configDir: string;
  /** Absolute path of the main config file. */
  configFile: string;
}

export interface ProxyConfig {
  globals: GlobalsConfig;
  /** mapproxy-ts' own `server:` section (daemon settings); absent in MapProxy configurations. */
  server?: ServerConfig;
  /** All grids by name, including the built-ins GLOBAL_GEODETIC, GLOBAL_MERCATOR, GLOBAL_WEBMERCATOR. */
  grids: Record<string, GridConfig>;
  sources: Record<string, SourceConfig>;
  caches: Record<string, CacheConfig>;
  /**
   * The WMS layer tree (MapProxy's unified form): a single top-level layer is the root; several top-level layers
   * are wrapped in an unnamed root whose title is null (the WMS service then uses its md.title).
   * null when the configuration has no `layers`.
   */
  rootLayer: LayerConfig | null;
  /**
   * Layers with a name and `sources`/`tile_sources`, flattened in MapProxy's order (children before their parent,
   * first occurrence of a name keeps its position, a later one with the same name replaces it). These become the
   * tile layers of TMS/WMTS/KML and the layers of the demo.
   */
  namedLayers: LayerConfig[];
  services: ServicesConfig;
}

// ---------------------------------------------------------------------------------------------------- globals

export interface GlobalsConfig {
  cache: {
    /** Absolute `globals.cache.base_dir` (default `./cache_data`). */
    baseDir: string;
    /** Absolute `globals.cache.lock_dir` (default `./cache_data/tile_locks`): upstream concurrency semaphores. */
    lockDir: string;
    /** Absolute `globals.cache.tile_lock_dir`, when set (otherwise each cache uses `<cache_dir>/tile_locks`). */
    tileLockDir?: string;
    /** `globals.cache.tile_lock`: the cross-host stage of the meta tile guard (absent: lock files only). */
    tileLock?: TileLockConfig;
    /** `globals.cache.request_lock`: `concurrent_requests` across hosts (absent: per host, lock files in `lock_dir`). */
    requestLock?: TileLockConfig;
    metaSize: Size2;
    metaBuffer: number;
    bulkMetaTiles: boolean;
    maxTileLimit: number;
    minimizeMetaRequests: boolean;
    concurrentTileCreators: number;
    linkSingleColorImages: LinkSingleColorImages;
    sqliteTimeout: number;
    /** `globals.cache` as configured: backends read their own defaults from it (`s3.bucket_name`, ...). */
    options: Readonly<Record<string, unknown>>;
    /** Octal permission strings as configured, e.g. '775'. */
    directoryPermissions?: string;
    filePermissions?: string;
  };
  image: {
    resamplingMethod: ResamplingMethod;
    paletted: boolean;
    jpegQuality: number;
    stretchFactor: number;
    maxShrinkFactor: number;
    transparentColorTolerance: number;
    fontDir?: string;
    /**
     * Custom named formats of `globals.image.formats` (MapProxy has no built-in names: `png8` etc. exist only when
     * configured). Keys are the names as used in `format:`/`image_formats:`; a key that starts with `image/`
     * without its own `format` gets the key as format.
     */
    formats: Record<string, ImageFormatConfig>;
  };
  grid: { tileSize: Size2 };
  srs: {
    /** Built-in NE codes (4326, 4258, 31466-8) minus the user's EN list, plus the user's NE list. */
    axisOrderNE: string[];
    /** Built-in EN codes (CRS:84, 900913, 25831-3) minus the user's NE list, plus the user's EN list. */
    axisOrderEN: string[];
    projDataDir?: string;
    /** target SRS → preferred source SRS, in order (`globals.srs.preferred_src_proj`). */
    preferredSrcProj: Record<string, string[]>;
  };
  http: HttpGlobalsConfig;
  tiles: { expiresHours: number };
  mapserver: { binary?: string; workingDir?: string };
  /** Tile URL template for the demo's background map. */
  background: { url: string };
}

export interface HttpGlobalsConfig extends HttpConfig {
  concurrentRequests: number;
  /** `Access-Control-Allow-Origin` value for responses; '' disables the header. Default '*'. */
  accessControlAllowOrigin: string;
}

/** HTTP client options of one source (or the globals), each resolved local → globals.http → default. */
export interface HttpConfig {
  method: 'AUTO' | 'GET' | 'POST';
  clientTimeout: number;
  /** Absolute path. */
  sslCaCerts?: string;
  sslNoCertChecks: boolean;
  /** Extra request headers. A source's `http.headers` replaces the global ones (no merge), like MapProxy. */
  headers: Record<string, string>;
  hideErrorDetails: boolean;
  manageCookies: boolean;
}

export type ResamplingMethod = 'nearest' | 'bilinear' | 'bicubic';
export type LinkSingleColorImages = false | true | 'symlink' | 'hardlink';

/** One entry of `globals.image.formats` (or an `image:` block), as configured. */
export interface ImageFormatConfig {
  format?: string;
  mode?: string;
  colors?: number;
  transparent?: boolean;
  opacity?: number;
  resampling?: ResamplingMethod;
  encodingOptions?: EncodingOptions;
}

export interface EncodingOptions {
  jpegQuality?: number;
  quantizer?: 'fastoctree' | 'mediancut';
  tiffCompression?: 'raw' | 'tiff_lzw' | 'jpeg';
}

/**
 * Image options resolved the way MapProxy's `ImageOptionsConfiguration.image_opts` does: a named format's
 * options, overridden by the local `image:` keys, `colors: 256` forced for PNG when `globals.image.paletted`.
 * `format` is a MIME type, possibly with options (`image/png; mode=8bit`), or `mixed`; undefined when neither the
 * configuration nor the request format names an `image/` format.
 */
export interface ImageOptionsConfig {
  format?: string;
  mode?: string;
  colors?: number;
  transparent?: boolean;
  opacity?: number;
  resampling: ResamplingMethod;
  encodingOptions: EncodingOptions;
}

// ---------------------------------------------------------------------------------------------------- grids

/** Matches `TileGridOptions` of `geo/grid.ts` (CONTRACTS.md), with `base` applied and names for references. */
export interface GridConfig {
  /** The grid's name (the `name` option, default the key): WMTS TileMatrixSet id, `use_grid_names` paths. */
  name: string;
  /** Default EPSG:900913, as in MapProxy's tile_grid(). */
  srs: string;
  bbox?: BBox4;
  bboxSrs?: string;
  tileSize: Size2;
  /** Normalised from ll/sw/ul/nw (any case); default 'sw'. */
  origin: 'sw' | 'nw';
  /** Whether the configuration named an origin (MapProxy warns when it did not). */
  originConfigured: boolean;
  /** Whether the grid (or its base) named a tile_size; `grids` marks a default with `*`. */
  tileSizeConfigured?: boolean;
  res?: number[];
  resFactor: number | 'sqrt2';
  minRes?: number;
  maxRes?: number;
  numLevels?: number;
  thresholdRes?: number[];
  stretchFactor: number;
  maxShrinkFactor: number;
  /** Name of the grid whose resolutions this one aligns with. */
  alignResolutionsWith?: string;
  /** The grid this one inherited from (already applied). */
  base?: string;
}

// ---------------------------------------------------------------------------------------------------- coverages

/** A polygon as GeoJSON coordinates: rings of [x, y], outer ring first. */
export type PolygonCoords = [number, number][][];

export type CoverageConfig =
  | { type: 'bbox'; bbox: BBox4; srs: string; clip: boolean }
  | {
      type: 'polygons';
      /** All polygons of the datasource (MultiPolygons split). */
      polygons: PolygonCoords[];
      /** Bounding box of all polygons, in `srs`. */
      bbox: BBox4;
      srs: string;
      clip: boolean;
      /** The absolute file they were read from. */
      file: string;
    }
  | { type: 'union' | 'intersection' | 'difference'; parts: CoverageConfig[]; clip: boolean };

// ---------------------------------------------------------------------------------------------------- sources

/** `min_res`/`max_res`, or `min_scale`/`max_scale` converted with 0.28 mm pixels (min_res = max_scale·0.00028). */
export interface ResolutionRangeConfig {
  /** The coarsest resolution shown (a larger number than maxRes). */
  minRes?: number;
  /** The finest resolution shown. */
  maxRes?: number;
}

interface SourceCommon {
  name: string;
  coverage?: CoverageConfig;
  /** Only used while seeding; a normal request gets nothing from it. */
  seedOnly: boolean;
  resRange?: ResolutionRangeConfig;
  /** `concurrent_requests` → `globals.http.concurrent_requests` → 0 (unlimited). */
  concurrentRequests: number;
  /** Absolute `globals.cache.lock_dir`: where the request semaphores live. */
  lockDir: string;
}

export interface OnErrorConfig {
  /** HTTP status code, or 'other'. */
  status: number | 'other';
  /** RGBA; 'transparent' is [255, 255, 255, 0]. */
  color: [number, number, number, number] | [number, number, number];
  cache: boolean;
  authorizeStale: boolean;
}

export interface WmsRequestConfig {
  url: string;
  layers?: string;
  transparent?: boolean;
  styles?: string;
  format?: string;
  /** `sld` with `file://` relative paths made absolute. */
  sld?: string;
  sldBody?: string;
  /** Every other `req:` key, stringified like Python's str() of YAML values (bools as 'True'/'False'). */
  extra: Record<string, string>;
}

export interface WmsOptsConfig {
  version: '1.0.0' | '1.1.0' | '1.1.1' | '1.3.0';
  map: boolean;
  featureinfo: boolean;
  legendgraphic: boolean;
  legendurl?: string;
  featureinfoFormat?: string;
  /** Absolute path. */
  featureinfoXslt?: string;
  featureinfoOutFormat?: string;
  queryLayers?: string;
}

export interface WmsSourceConfig extends SourceCommon {
  type: 'wms';
  req: WmsRequestConfig;
  wmsOpts: WmsOptsConfig;
  supportedSrs: string[];
  supportedFormats: string[];
  /** Raw `image:` block; resolve with `resolveImageOptions(globals, image, requestFormat)` per requesting cache. */
  image: ImageFormatConfig;
  /** Image options as MapProxy resolves them when nothing else decides the format (req.format or none). */
  imageOptions: ImageOptionsConfig;
  transparentColor?: [number, number, number] | [number, number, number, number];
  transparentColorTolerance: number;
  forwardReqParams: string[];
  http: HttpConfig;
  onError: OnErrorConfig[];
}

export interface MapServerSourceConfig extends Omit<WmsSourceConfig, 'type' | 'http' | 'onError'> {
  type: 'mapserver';
  /** `req.map`, absolute. */
  mapfile: string;
  /** Absolute path of the mapserv binary: local → globals.mapserver.binary → `mapserv` in PATH (undefined if none). */
  binary?: string;
  /** Absolute working directory for the CGI process. */
  workingDir?: string;
}

export interface TileSourceConfig extends SourceCommon {
  type: 'tile';
  /** URL template with Python %-placeholders: %(x)s %(y)s %(z)s %(quadkey)s %(tc_path)s %(tms_path)s %(arcgiscache_path)s %(bbox)s %(format)s. */
  url: string;
  /** Grid name; default GLOBAL_MERCATOR (with a warning). */
  grid: string;
  transparent?: boolean;
  requestFormat?: string;
  image: ImageFormatConfig;
  imageOptions: ImageOptionsConfig;
  http: HttpConfig;
  onError: OnErrorConfig[];
}

export interface DebugSourceConfig extends SourceCommon {
  type: 'debug';
}

/**
 * `type: arcgis`: an ArcGIS REST MapServer (`export`) or ImageServer (`exportImage`), feature info through `identify`
 * (MapProxy's ArcGISSourceConfiguration).
 */
export interface ArcGisSourceConfig extends SourceCommon {
  type: 'arcgis';
  /** `req.url` as configured: the service, its export or its identify URL (credentials are taken out by the HTTP client). */
  url: string;
  /** Every other `req:` key in configuration order, as Python's str() writes it (lists joined by ','). */
  reqParams: [string, string][];
  /** `opts`: `map: false` makes the source answer feature info only. */
  opts: { map: boolean; featureinfo: boolean; featureinfoTolerance: number; featureinfoReturnGeometries: boolean };
  supportedSrs: string[];
  supportedFormats: string[];
  /** Top-level `transparent` (MapProxy's SourceConfiguration.image_opts); `req.transparent` only goes upstream. */
  transparent?: boolean;
  image: ImageFormatConfig;
  imageOptions: ImageOptionsConfig;
  http: HttpConfig;
  onError: OnErrorConfig[];
}

/** `type: ogcapitiles` (MapProxy 7): map tiles of an OGC API – Tiles server, its tile matrix set discovered. */
export interface OgcApiTilesSourceConfig extends SourceCommon {
  type: 'ogcapitiles';
  /** `landingpage_url`, without a trailing '/'. */
  landingpageUrl: string;
  /** `collection`: its tilesets; none: the dataset's. */
  collection?: string;
  /** `tile_matrix_set_id`: only tilesets whose links end with this id. */
  tileMatrixSetId?: string;
  image: ImageFormatConfig;
  imageOptions: ImageOptionsConfig;
  http: HttpConfig;
  onError: OnErrorConfig[];
}

/** `type: ogcapimaps` (MapProxy 7): maps of an OGC API – Maps server, its CRS list discovered. */
export interface OgcApiMapsSourceConfig extends SourceCommon {
  type: 'ogcapimaps';
  landingpageUrl: string;
  collection?: string;
  /** `supported_srs`; empty: the collection's `crs` and `storageCrs`. */
  supportedSrs: string[];
  /** `transparent`: sends transparent=true. */
  transparent?: boolean;
  image: ImageFormatConfig;
  imageOptions: ImageOptionsConfig;
  transparentColor?: [number, number, number] | [number, number, number, number];
  transparentColorTolerance: number;
  /** `bgcolor`, sent as 0xRRGGBB (0xAARRGGBB with alpha). */
  bgcolor?: [number, number, number] | [number, number, number, number];
  http: HttpConfig;
  onError: OnErrorConfig[];
}

export type SourceConfig =
  | WmsSourceConfig
  | MapServerSourceConfig
  | TileSourceConfig
  | DebugSourceConfig
  | ArcGisSourceConfig
  | OgcApiTilesSourceConfig
  | OgcApiMapsSourceConfig;

// ---------------------------------------------------------------------------------------------------- caches

export type DirectoryLayout = 'tc' | 'mp' | 'tms' | 'reverse_tms' | 'quadkey' | 'arcgis';

/** `caches.<name>.cache`: the backend's `type` and its options as its registry entry read them (plain data). */
export interface StoreBackendConfig {
  type: string;
  options: unknown;
}

/** `disable_storage: true`: tiles are created for every request and never stored, no tile locks. */
export interface DisabledCacheBackendConfig {
  type: 'disabled';
}

export type RefreshBeforeConfig =
  /** Absolute time (epoch seconds; an ISO time without zone is local time, like MapProxy's mktime). */
  | { type: 'time'; timestamp: number }
  /** Tiles older than this file's mtime are stale (absolute path, read at runtime). */
  | { type: 'mtime'; file: string }
  /** Tiles older than `now - seconds` are stale. */
  | { type: 'age'; seconds: number };

export interface CacheConfig {
  name: string;
  /** Names of sources and/or caches, bottom to top; may be empty; may be tagged ('wms:l1,l2'). */
  sources: string[];
  /** Grid names; default ['GLOBAL_MERCATOR'] (with a warning). */
  grids: string[];
  /** `format` as configured (default 'image/png'); may be a custom format name or 'mixed'. */
  format: string;
  /** `request_format` or else `format`: what is asked from the sources. */
  requestFormat: string;
  /** MapProxy's resolved cache image options; `format` always set ('image/png' for unknown names). */
  image: ImageOptionsConfig;
  /** File extension of stored tiles (ext of image.format: 'png', 'jpeg', 'mixed', ...). */
  fileExt: string;
  metaSize: Size2;
  metaBuffer: number;
  bulkMetaTiles: boolean;
  minimizeMetaRequests: boolean;
  concurrentTileCreators: number;
  maxTileLimit: number;
  linkSingleColorImages: LinkSingleColorImages;
  disableStorage: boolean;
  /** Base directory of this cache: cache.directory | cache_dir | globals.cache.base_dir (absolute). */
  cacheDir: string;
  /** cache.tile_lock_dir | globals.cache.tile_lock_dir | <cacheDir>/tile_locks. */
  tileLockDir: string;
  backend: StoreBackendConfig | DisabledCacheBackendConfig;
  /** `cache.coverage`: limits what the cache stores and serves. */
  coverage?: CoverageConfig;
  refreshBefore?: RefreshBeforeConfig;
  useDirectFromLevel?: number;
  useDirectFromRes?: number;
  cacheRescaledTiles: boolean;
  /**
   * Levels a missing tile may be rescaled from (MapProxy's rescale_tiles): negative for `upscale_tiles` (from
   * coarser levels), positive for `downscale_tiles` (from finer levels), 0 for neither.
   */
  rescaleTiles: number;
  /** `watermark` with a non-empty text: drawn on every tile as it is created, before it is stored. */
  watermark?: WatermarkConfig;
}

export interface WatermarkConfig {
  text: string;
  /** 0..255, MapProxy's default 30. */
  opacity: number;
  /** Pixels, MapProxy's default 24. */
  fontSize: number;
  /** MapProxy's default (128, 128, 128). */
  color: readonly [r: number, g: number, b: number];
  /** 'wide': the text on every other tile of every other row; default: centred on even rows, on both edges of odd ones. */
  spacing: 'wide' | 'default';
}

// ---------------------------------------------------------------------------------------------------- layers

export interface LayerConfig {
  /** Optional for pure group layers. */
  name?: string;
  /** Required in the YAML; null only for the implicit root of several top-level layers. */
  title: string | null;
  /** Sources/caches drawn for WMS, bottom to top (tagged names allowed). undefined = none configured. */
  sources?: string[];
  /** Caches published through TMS/WMTS/KML instead of `sources`. */
  tileSources?: string[];
  layers: LayerConfig[];
  resRange?: ResolutionRangeConfig;
  /** Static legend URL; relative `file://` URLs made absolute. */
  legendurl?: string;
  /** WMS 1.3.0 layer metadata as configured (abstract, keyword_list, attribution, identifier, metadata, ...). */
  md: Record<string, unknown>;
  wmtsRestLegendurl?: string;
  wmtsKvpLegendurl?: string;
  /** `dimensions`: TIME, ELEVATION and other dimensions with their values and default, in configured order. */
  dimensions?: DimensionConfig[];
  /** `nominal_scale` (or `nominal_res` / 0.28 mm): the scale OGC API Maps draws this layer at when asked none. */
  nominalScale?: number;
}

// ---------------------------------------------------------------------------------------------------- services

/** OWS service metadata (`md:`): the keys the capabilities documents read, checked by the config reader. */
export type { ServiceMetadata };

export interface ServicesConfig {
  wms?: WmsServiceConfig;
  wmts?: WmtsServiceConfig;
  tms?: TmsServiceConfig;
  kml?: KmlServiceConfig;
  demo?: DemoServiceConfig;
  ogcapi?: OgcapiServiceConfig;
}

export interface WmsServiceConfig {
  /** local → globals.wms.srs → default ['EPSG:4326','EPSG:4258','CRS:84','EPSG:900913','EPSG:3857']. */
  srs: string[];
  /** SRS with bbox advertised in capabilities; a bare string uses the layer's extent transformed. */
  bboxSrs: { srs: string; bbox?: BBox4 }[];
  /** Names as configured (MIME types or custom format names). */
  imageFormats: string[];
  featureinfoTypes?: string[];
  /** info type → absolute XSLT path. */
  featureinfoXslt: Record<string, string>;
  attribution?: { text?: string };
  onSourceErrors: 'notify' | 'raise';
  /** Pixels per request limit; MapProxy turns [w, h] into w·h. Default 4000·4000. */
  maxOutputPixels: number;
  strict: boolean;
  /** Configured versions (MapProxy sorts them); undefined = all of 1.0.0, 1.1.0, 1.1.1, 1.3.0. */
  versions?: string[];
  /** Default {title: 'MapProxy WMS'} when no md is configured. */
  md: ServiceMetadata;
  /** INSPIRE view service metadata (`inspire_md`), for the 1.3.0 capabilities. */
  inspireMd?: InspireMetadata;
  concurrentLayerRenderer: number;
}

export interface WmtsServiceConfig {
  kvp: boolean;
  restful: boolean;
  restfulTemplate: string;
  restfulFeatureinfoTemplate: string;
  /** suffix → MIME type, in configured order. */
  featureinfoFormats: { mimetype: string; suffix: string }[];
  /** wms md updated (shallow) with wmts md. */
  md: ServiceMetadata;
  /** `inspire_md` (our extension: MapProxy has it for WMS only), for the KVP capabilities. */
  inspireMd?: InspireMetadata;
}

export interface TmsServiceConfig {
  useGridNames: boolean;
  /** Default origin of `/tiles` requests; the /tms endpoint is always 'sw'. */
  origin?: 'sw' | 'nw';
  /** wms md updated (shallow) with tms md. */
  md: ServiceMetadata;
}

export interface KmlServiceConfig {
  /** URLs use the grid name instead of EPSGnnnn: `/kml/<layer>/<grid>/…`. */
  useGridNames: boolean;
}

/** `services.ogcapi` (MapProxy 7's OGC API Maps and Tiles): defaults as MapProxy's `ogcapi` globals. */
export interface OgcapiServiceConfig {
  enableTiles: boolean;
  enableMaps: boolean;
  /** CRS the maps may be requested in; the first is the default. */
  mapSrs: string[];
  /** Names as configured (MIME types or custom format names): png and jpeg are what the API serves. */
  imageFormats: string[];
  attribution?: { text?: string };
  onSourceErrors: 'notify' | 'raise';
  maxOutputPixels: number;
  concurrentLayerRenderer: number;
  /** identification, contact, license, provider: as configured. */
  md: Record<string, unknown>;
  /** Layers of the dataset map and tiles (`/map`, `/map/tiles`); absent: those need `collections=`. */
  defaultDatasetLayers?: string[];
}

export interface DemoServiceConfig {
  /** wms md updated (shallow) with demo md. */
  md: ServiceMetadata;
  /** `services.demo.background.url`: the viewers' background map, in place of `globals.background.url`. */
  backgroundUrl?: string;
}
