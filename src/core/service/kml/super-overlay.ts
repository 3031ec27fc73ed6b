import type { BBox } from '../../geo/bbox.js';
import type { TileCoord } from '../../geo/grid.js';
import { getSRS } from '../../geo/srs.js';
import { RequestError } from '../request-error.js';
import type { TileServiceGrid } from '../tile/service-grid.js';

/** A tile of a KML document: its public coord (sw origin) and its bbox in EPSG:4326. */
export interface KmlTile {
  readonly coord: TileCoord;
  readonly wgsBBox: BBox;
}

/** One super-overlay document: the region of the requested tile and the tiles of the next level inside it. */
export interface KmlDocumentTiles {
  readonly region: BBox;
  readonly subtiles: readonly KmlTile[];
}

const MERCATOR_EDGE = 20037508.342789244;
/** MapProxy's tolerance for "the sub tile's lower left corner lies in the parent tile". */
const CORNER_DELTA = -1e-7;

/**
 * The tile bbox in EPSG:4326 (4 points per edge). Mercator tiles touching the world's top or
 * bottom edge are stretched to ±90° so that Google Earth covers the poles.
 */
export function tileBBoxToWgs(grid: TileServiceGrid, bbox: BBox): BBox {
  const wgs84 = getSRS('EPSG:4326');
  const out: [number, number, number, number] = [...grid.grid.srs.transformBBoxTo(wgs84, bbox, 4)];
  if (grid.grid.srs.equals(getSRS('EPSG:900913'))) {
    if (Math.abs(bbox[1] + MERCATOR_EDGE) < 0.1) out[1] = -90;
    if (Math.abs(bbox[3] - MERCATOR_EDGE) < 0.1) out[3] = 90;
  }
  return out;
}

/** The requested public coord (sw origin) in the grid's own origin, or a 404 outside the grid. */
function internalCoord(grid: TileServiceGrid, coord: TileCoord): TileCoord {
  const internal = grid.internalTileCoord(coord, false);
  if (!internal) throw new RequestError('The requested tile is outside the bounding box of the tile map.', { code: 'TileOutOfRange' });
  return grid.grid.origin === 'nw' ? grid.grid.flipTileCoord(internal) : internal;
}

/**
 * The tiles of a super-overlay document for the public tile `coord` (MapProxy's KMLServer):
 * the tile's region, and the tiles of the next published level whose lower left corner lies
 * inside the tile — so each sub tile is linked from exactly one document.
 */
export function kmlDocumentTiles(grid: TileServiceGrid, coord: TileCoord): KmlDocumentTiles {
  const tg = grid.grid;
  const bbox = tg.tileBBox(internalCoord(grid, coord), true);
  const region = tileBBoxToWgs(grid, bbox);
  const [x, y, z] = coord;
  const next = grid.internalTileCoord([x, y, z + 1], false);
  // The last level has no children. (MapProxy 1.15 fails with an internal error here.)
  if (!next) return { region, subtiles: [] };
  const subtiles: KmlTile[] = [];
  for (const sub of tg.affectedLevelTiles(bbox, next[2]).tiles) {
    if (!sub) continue;
    const subBBox = tg.tileBBox(sub);
    if (!(subBBox[0] - bbox[0] > CORNER_DELTA && subBBox[1] - bbox[1] > CORNER_DELTA)) continue;
    let pub: TileCoord = [sub[0], sub[1], grid.skipOddLevel ? Math.floor(sub[2] / 2) : sub[2]];
    // As in MapProxy, the flip uses the public level's grid size (they differ only for √2 grids).
    if (tg.origin === 'nw') pub = tg.flipTileCoord(pub);
    subtiles.push({ coord: pub, wgsBBox: tileBBoxToWgs(grid, subBBox) });
  }
  return { region, subtiles };
}
