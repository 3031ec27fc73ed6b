import type { TileCoord } from '../geo/grid.js';
import type { KmlLayer } from '../service/kml/layer-index.js';
import type { QueryExtent } from './authorize.js';

/** The extent of a KML tile (public coord, sw origin) in its grid's SRS, as the hook sees it; null off the grid. */
export function kmlQueryExtent(layer: KmlLayer, coord: TileCoord): QueryExtent | null {
  const internal = layer.grid.internalTileCoord(coord, false);
  if (!internal) return null;
  const grid = layer.layer.grid;
  return [grid.srs.code, grid.tileBBox(grid.origin === 'sw' ? internal : grid.flipTileCoord(internal))];
}
