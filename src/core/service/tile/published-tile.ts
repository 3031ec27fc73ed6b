import type { Dimensions } from '../../cache/cache.js';
import type { Origin, TileCoord } from '../../geo/grid.js';
import type { ImageFormat } from '../../image/format.js';
import type { TileLayer, TileResponse } from '../../layer/tile-layer.js';
import { isSourceError, RequestError } from '../request-error.js';
import type { TileServiceGrid } from './service-grid.js';
import { tileDimensions } from './tile-dimensions.js';
import type { BBox } from '../../geo/bbox.js';
import { loadAccessibleTile } from '../../auth/accessible-tile.js';
import type { TileAccess } from '../../auth/limited-tile.js';

/** The extension a tile URL must use: the format's ext; mixed caches are requested as png. */
export function tileExtension(format: ImageFormat): string {
  return format.kind === 'mixed' ? 'png' : format.ext;
}

/** The mime type a tile layer advertises (mixed: image/png). */
export function tileMimeType(format: ImageFormat): string {
  return format.kind === 'mixed' ? 'image/png' : format.mimeType;
}

export interface PublishedTileRequest {
  /** x, y, z as the client addressed them. */
  coord: TileCoord;
  /** Requested extension ('png'); undefined accepts the layer's format (WMTS KVP without FORMAT). */
  format?: string;
  /** The client's origin; null means the grid's own. */
  origin: Origin | null;
  useProfiles: boolean;
  dimensions?: Dimensions;
}

/**
 * Loads a tile addressed through a tile service: checks the format, maps the public coord to
 * the grid (profiles, √2 levels, range, origin flip) and turns source failures into internal
 * request errors. Shared by TMS, /tiles, WMTS and KML, which only differ in how they render errors.
 */
export async function loadPublishedTile(
  layer: TileLayer,
  grid: TileServiceGrid,
  req: PublishedTileRequest,
  /** The authorization and image hooks, asked with the grid's tile before anything is loaded. */
  access?: (coord: TileCoord, bbox: BBox) => Promise<TileAccess>,
): Promise<TileResponse> {
  const ext = tileExtension(layer.format);
  if (req.format !== undefined && req.format !== ext) {
    throw new RequestError(`invalid format (${req.format}). this tile set only supports (${ext})`, { code: 'InvalidParameterValue' });
  }
  let coord = grid.internalTileCoord(req.coord, req.useProfiles);
  if (!coord) {
    throw new RequestError('The requested tile is outside the bounding box of the tile map.', { code: 'TileOutOfRange' });
  }
  if (req.origin !== null && req.origin !== layer.grid.origin) coord = layer.grid.flipTileCoord(coord);
  req = { ...req, dimensions: tileDimensions(layer, req.dimensions) };
  try {
    if (access) return await loadAccessibleTile(layer, coord, req.dimensions, await access(coord, layer.grid.tileBBox(coord)));
    return await layer.getTile(coord, req.dimensions ? { dimensions: req.dimensions } : undefined);
  } catch (err) {
    if (isSourceError(err)) throw new RequestError(err.message, { internal: true });
    throw err;
  }
}
