import type { BBox } from '../geo/bbox.js';
import { TileGrid, type Origin } from '../geo/grid.js';
import { getSRS, isAxisOrderNE, type SRS } from '../geo/srs.js';
import { crsUriToCode } from '../geo/ogc-crs-uri.js';
import { normalizeSrsCode } from './ogcapi-crs.js';
import { SourceError } from './source.js';

/** Why a tile matrix set cannot be read as one of our grids. */
export class UnsupportedTileMatrixSet extends SourceError {
  constructor(id: string, reason: string) {
    super(`tile matrix set ${id}: ${reason}`);
    this.name = 'UnsupportedTileMatrixSet';
  }
}

interface TileMatrix {
  id?: unknown;
  cellSize?: unknown;
  matrixWidth?: unknown;
  matrixHeight?: unknown;
  tileWidth?: unknown;
  tileHeight?: unknown;
  pointOfOrigin?: unknown;
  cornerOfOrigin?: unknown;
  variableMatrixWidths?: unknown;
}

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/**
 * The grid of an OGC Two Dimensional Tile Matrix Set 2.0 document, as MapProxy 7's
 * tile_grid_from_ogc_tile_matrix_set: the CRS from its URI, one level per tile matrix with its cell size, the
 * bbox from the first matrix's origin and extent. Every matrix must share tile size, origin and corner.
 *
 * One check of ours on top: the tile URL template gets the level number as `{tileMatrix}` (as MapProxy does), so
 * a set whose matrix ids are not 0, 1, 2, … is refused rather than asked for the wrong tiles.
 */
export function tileGridFromTileMatrixSet(doc: unknown): TileGrid {
  const d = (doc ?? {}) as { id?: unknown; crs?: unknown; tileMatrices?: unknown };
  const id = typeof d.id === 'string' ? d.id : '(no id)';
  const crsUri = typeof d.crs === 'string' ? d.crs : (d.crs as { uri?: unknown } | undefined)?.uri;
  const code = typeof crsUri === 'string' ? crsUriToCode(crsUri) : null;
  if (!code) throw new UnsupportedTileMatrixSet(id, `CRS ${JSON.stringify(d.crs)} is not an OGC CRS URI`);
  let srs: SRS;
  try {
    srs = getSRS(normalizeSrsCode(code));
  } catch {
    throw new UnsupportedTileMatrixSet(id, `CRS ${code} is not supported`);
  }
  // the URI's own axis order decides how pointOfOrigin reads: CRS84 east first, EPSG:4326 north first
  const northFirst = code.toUpperCase() !== 'OGC:CRS84' && isAxisOrderNE(code);
  const matrices = d.tileMatrices;
  if (!Array.isArray(matrices) || matrices.length === 0) throw new UnsupportedTileMatrixSet(id, 'no tileMatrices');

  const first = matrices[0] as TileMatrix;
  const tileWidth = first.tileWidth;
  const tileHeight = first.tileHeight;
  const point = first.pointOfOrigin;
  const corner = first.cornerOfOrigin ?? 'topLeft';
  if (!positive(tileWidth) || !positive(tileHeight)) throw new UnsupportedTileMatrixSet(id, 'invalid tile size');
  if (!Array.isArray(point) || point.length !== 2 || !point.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new UnsupportedTileMatrixSet(id, 'invalid pointOfOrigin');
  }
  if (corner !== 'topLeft' && corner !== 'bottomLeft') throw new UnsupportedTileMatrixSet(id, `invalid cornerOfOrigin=${String(corner)}`);

  const resolutions: number[] = [];
  matrices.forEach((raw, level) => {
    const m = raw as TileMatrix;
    if (m.variableMatrixWidths !== undefined) throw new UnsupportedTileMatrixSet(id, 'tile matrices with variableMatrixWidths are not supported');
    if (!positive(m.cellSize) || !positive(m.matrixWidth) || !positive(m.matrixHeight)) {
      throw new UnsupportedTileMatrixSet(id, `tile matrix ${level} has no valid cellSize, matrixWidth and matrixHeight`);
    }
    if (m.tileWidth !== tileWidth || m.tileHeight !== tileHeight) throw new UnsupportedTileMatrixSet(id, 'tile size varies between tile matrices');
    const p = m.pointOfOrigin as unknown[] | undefined;
    if (!Array.isArray(p) || p[0] !== point[0] || p[1] !== point[1]) throw new UnsupportedTileMatrixSet(id, 'pointOfOrigin varies between tile matrices');
    if ((m.cornerOfOrigin ?? 'topLeft') !== corner) throw new UnsupportedTileMatrixSet(id, 'cornerOfOrigin varies between tile matrices');
    if (m.id !== undefined && String(m.id) !== String(level)) {
      throw new UnsupportedTileMatrixSet(id, `tile matrix ids other than level numbers (${String(m.id)} at level ${level}) are not supported`);
    }
    resolutions.push(m.cellSize);
  });

  const [x, y] = northFirst ? [point[1] as number, point[0] as number] : [point[0] as number, point[1] as number];
  const m0 = first as { matrixWidth: number; matrixHeight: number; cellSize: number };
  const width = tileWidth * m0.matrixWidth * m0.cellSize;
  const height = tileHeight * m0.matrixHeight * m0.cellSize;
  const origin: Origin = corner === 'topLeft' ? 'nw' : 'sw';
  const bbox: BBox = origin === 'nw' ? [x, y - height, x + width, y] : [x, y, x + width, y + height];
  return new TileGrid({ name: id, srs, bbox, tileSize: [tileWidth, tileHeight], origin, resolutions });
}
