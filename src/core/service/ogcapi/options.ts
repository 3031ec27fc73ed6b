import type { TileGrid } from '../../geo/grid.js';
import type { ImageFormat } from '../../image/format.js';
import type { TileLayer } from '../../layer/tile-layer.js';
import type { WmsLayer } from '../../layer/wms-layer.js';

/** What the OGC API service is built from: the WMS layer tree and the tile layers WMTS publishes. */
export interface OgcapiServiceOptions {
  /** The WMS root: every named layer below it is a collection. */
  rootLayer: WmsLayer;
  /** The tile layers (caches) of WMTS/TMS: a tile in one of their grids comes from the same cache. */
  tileLayers: readonly TileLayer[];
  /** Every grid by its configured name (built-ins included): the tile matrix sets. */
  grids: ReadonlyMap<string, TileGrid>;
  enableTiles: boolean;
  enableMaps: boolean;
  mapSrs: readonly string[];
  /** The PNG and JPEG options of `image_formats` (with the globals); a format not configured is not served. */
  imageFormats: ReadonlyMap<'png' | 'jpeg', ImageFormat>;
  attribution?: { text: string };
  onSourceErrors: 'notify' | 'raise';
  maxOutputPixels: number;
  /** identification, contact, license, provider. */
  md: Record<string, unknown>;
  defaultDatasetLayers?: readonly string[];
  /** `nominal_scale` (or `nominal_res` as a scale) of the named layers that set one; groups: their largest. */
  nominalScales: ReadonlyMap<string, number>;
  /** Seconds of max-age for tiles served from a cache (globals.tiles.expires_hours). */
  maxTileAge: number;
}
