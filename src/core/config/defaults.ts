import type { ResamplingMethod } from './types.js';

/** MapProxy's built-in defaults (`mapproxy/config/defaults.py`), the last step of every option lookup. */
export const DEFAULTS = {
  wms: {
    imageFormats: ['image/png', 'image/jpeg', 'image/gif', 'image/GeoTIFF', 'image/tiff'],
    srs: ['EPSG:4326', 'EPSG:4258', 'CRS:84', 'EPSG:900913', 'EPSG:3857'],
    strict: false,
    concurrentLayerRenderer: 1,
    maxOutputPixels: 4000 * 4000,
    md: { title: 'MapProxy WMS' },
  },
  srs: {
    axisOrderNE: ['EPSG:4326', 'EPSG:4258', 'EPSG:31466', 'EPSG:31467', 'EPSG:31468'],
    axisOrderEN: ['CRS:84', 'EPSG:900913', 'EPSG:25831', 'EPSG:25832', 'EPSG:25833'],
  },
  image: {
    resamplingMethod: 'bicubic' as ResamplingMethod,
    jpegQuality: 90,
    stretchFactor: 1.15,
    maxShrinkFactor: 4.0,
    paletted: true,
    transparentColorTolerance: 5,
  },
  cache: {
    baseDir: './cache_data',
    lockDir: './cache_data/tile_locks',
    maxTileLimit: 500,
    concurrentTileCreators: 2,
    metaSize: [4, 4] as [number, number],
    metaBuffer: 80,
    bulkMetaTiles: false,
    minimizeMetaRequests: false,
    linkSingleColorImages: false,
    sqliteTimeout: 30,
    format: 'image/png',
  },
  grid: { tileSize: [256, 256] as [number, number] },
  grids: {
    GLOBAL_GEODETIC: { srs: 'EPSG:4326', origin: 'sw', name: 'GLOBAL_GEODETIC' },
    GLOBAL_MERCATOR: { srs: 'EPSG:900913', origin: 'sw', name: 'GLOBAL_MERCATOR' },
    GLOBAL_WEBMERCATOR: { srs: 'EPSG:3857', origin: 'nw', name: 'GLOBAL_WEBMERCATOR' },
  } as Record<string, { srs: string; origin: string; name: string }>,
  /** The grid of caches without `grids` and tile sources without `grid` (MapProxy warns). */
  defaultGrid: 'GLOBAL_MERCATOR',
  tiles: { expiresHours: 72 },
  http: {
    sslNoCertChecks: false,
    clientTimeout: 60,
    concurrentRequests: 0,
    method: 'AUTO' as const,
    accessControlAllowOrigin: '*',
    hideErrorDetails: true,
    manageCookies: false,
  },
  wmts: {
    restfulTemplate: '/{Layer}/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}.{Format}',
    restfulFeatureinfoTemplate: '/{Layer}/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}/{I}/{J}.{InfoFormat}',
  },
  background: { url: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png' },
  /** OGC standardized rendering pixel size in metres, for scale ↔ resolution. */
  ogcPixelSize: 0.00028,
} as const;
