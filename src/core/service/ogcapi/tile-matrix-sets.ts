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
 * OGC Two Dimensional Tile Matrix Set 2.0 JSON of a grid (MapProxy 7's tile_grid_to_ogc_tile_matrix_set): one
 * tile matrix per level with its cell size, scale denominator (cell size / 0.28 mm, as MapProxy computes it also
 * for degrees), corner and point of origin (north first for lat/lon CRS), matrix and tile sizes.
 */
export function tileMatrixSetDocument(tms: TileMatrixSet): Record<string, unknown> {
  const grid = tms.grid;
  const doc: Record<string, unknown> = { id: tms.id, title: tms.id, crs: gridCrsUri(grid.srs) };
  if (tms.uri) doc['uri'] = tms.uri;
  if (tms.wellKnownScaleSet) doc['wellKnownScaleSet'] = tms.wellKnownScaleSet;
  const corner = cornerOfOrigin(grid);
  let origin = grid.origin === 'nw' ? [grid.bbox[0], grid.bbox[3]] : [grid.bbox[0], grid.bbox[1]];
  // the advertised CRS is CRS84 for EPSG:4326 grids: east first; other lat/lon CRS are north first
  if (grid.srs.code !== 'EPSG:4326' && northFirst(grid.srs)) origin = [origin[1]!, origin[0]!];
  doc['tileMatrices'] = grid.resolutions.map((cellSize, level) => {
    const [matrixWidth, matrixHeight] = grid.gridSize(level);
    return {
      id: String(level),
      cellSize,
      scaleDenominator: resToOgcScale(cellSize),
      cornerOfOrigin: corner,
      pointOfOrigin: origin,
      matrixWidth,
      matrixHeight,
      tileWidth: grid.tileSize[0],
      tileHeight: grid.tileSize[1],
    };
  });
  return doc;
}
