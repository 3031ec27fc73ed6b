import type { TileGrid } from '../../geo/grid.js';
import { resToOgcScale } from '../../geo/resolution-range.js';
import { gridCrsUri, northFirst } from './crs.js';

/** The well-known tile matrix set of a MapProxy built-in grid: GLOBAL_WEBMERCATOR is OGC's WebMercatorQuad. */
const WELL_KNOWN: Record<string, { id: string; uri: string; wellKnownScaleSet: string }> = {
  GLOBAL_WEBMERCATOR: {
    id: 'WebMercatorQuad',
    uri: 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad',
    wellKnownScaleSet: 'http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible',
  },
};

/** A grid published as a tile matrix set, under the id clients use in URLs. */
export interface TileMatrixSet {
  readonly id: string;
  /** The grid's configured name (the WMTS TileMatrixSet). */
  readonly gridName: string;
  readonly grid: TileGrid;
  readonly uri?: string;
  readonly wellKnownScaleSet?: string;
}

/** Every grid as a tile matrix set, in configuration order, with MapProxy 7's renaming of the built-ins. */
export function tileMatrixSets(grids: ReadonlyMap<string, TileGrid>): Map<string, TileMatrixSet> {
  const out = new Map<string, TileMatrixSet>();
  for (const [gridName, grid] of grids) {
    const known = WELL_KNOWN[gridName];
    const id = known?.id ?? gridName;
    out.set(id, { id, gridName, grid, ...(known ? { uri: known.uri, wellKnownScaleSet: known.wellKnownScaleSet } : {}) });
  }
  return out;
}

/** The row and column range of a level, and the corner rows count from (the grid's origin). */
export function cornerOfOrigin(grid: TileGrid): 'topLeft' | 'bottomLeft' {
  return grid.origin === 'nw' ? 'topLeft' : 'bottomLeft';
}

/**
 * OGC Two Dimensional Tile Matrix Set 2.0 JSON of a grid (as MapProxy 7's tile_grid_to_ogc_tile_matrix_set): one
 * tile matrix per level with its cell size, scale denominator, corner and point of origin (north first for
 * lat/lon CRS other than CRS84), matrix and tile sizes.
 *
 * Two additions to MapProxy 7's document, both for clients: the scale denominator of a lat/lon grid counts the
 * degrees in metres (cell size × metres per degree / 0.28 mm, as the standard defines it and as GDAL reads it back;
 * MapProxy 7 divides the cell size in degrees), and a grid counted from the top left also carries the members of
 * TMS 1.0 (identifier, supportedCRS, boundingBox, topLeftCorner), which GDAL before 3.7 and the QGIS built on it
 * read instead of the 2.0 names.
 */
export function tileMatrixSetDocument(tms: TileMatrixSet): Record<string, unknown> {
  const grid = tms.grid;
  const crs = gridCrsUri(grid.srs);
  const doc: Record<string, unknown> = { id: tms.id, title: tms.id, crs };
  if (tms.uri) doc['uri'] = tms.uri;
  if (tms.wellKnownScaleSet) doc['wellKnownScaleSet'] = tms.wellKnownScaleSet;
  const corner = cornerOfOrigin(grid);
  // the advertised CRS is CRS84 for EPSG:4326 grids: east first; other lat/lon CRS are north first
  const swap = grid.srs.code !== 'EPSG:4326' && northFirst(grid.srs);
  const ordered = (x: number, y: number): [number, number] => (swap ? [y, x] : [x, y]);
  const origin = grid.origin === 'nw' ? ordered(grid.bbox[0], grid.bbox[3]) : ordered(grid.bbox[0], grid.bbox[1]);
  const v1 = grid.origin === 'nw';
  if (v1) {
    doc['identifier'] = tms.id;
    doc['supportedCRS'] = crs;
    // both spellings of the corners: 2.0's lowerLeft/upperRight and 1.0's lowerCorner/upperCorner
    const lower = ordered(grid.bbox[0], grid.bbox[1]);
    const upper = ordered(grid.bbox[2], grid.bbox[3]);
    doc['boundingBox'] = { crs, lowerLeft: lower, upperRight: upper, lowerCorner: lower, upperCorner: upper };
  }
  const metersPerUnit = grid.srs.isLatLong ? grid.srs.metersPerUnit : 1;
  doc['tileMatrices'] = grid.resolutions.map((cellSize, level) => {
    const [matrixWidth, matrixHeight] = grid.gridSize(level);
    const tm: Record<string, unknown> = {
      id: String(level),
      cellSize,
      scaleDenominator: resToOgcScale(cellSize * metersPerUnit),
      cornerOfOrigin: corner,
      pointOfOrigin: origin,
      matrixWidth,
      matrixHeight,
      tileWidth: grid.tileSize[0],
      tileHeight: grid.tileSize[1],
    };
    if (v1) Object.assign(tm, { identifier: String(level), topLeftCorner: origin });
    return tm;
  });
  return doc;
}
