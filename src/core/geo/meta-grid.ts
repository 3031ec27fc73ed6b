import type { BBox, Point, Size } from './bbox.js';
import { GridError, type AffectedTiles, type TileCoord, type TileGrid } from './grid.js';

export interface MetaTile {
  /**
   * The tile that names the meta tile for locking, as MapProxy's main_tile_coord: the first member inside the grid
   * in image order (top-left). Lock file names `<id>-<x>-<y>-<z>.lck` use it.
   */
  mainTile: TileCoord;
  /** The meta tile's anchor (x//mx*mx, y//my*my, z), as returned by MetaGrid.mainTile(). */
  baseTile: TileCoord;
  /** Area to request, in the grid SRS: member tiles plus the buffer, clipped to the grid bbox when buffered. */
  bbox: BBox;
  /** Pixel size of the image to request. */
  size: Size;
  /** Member tiles inside the grid, with the pixel position of each tile's top-left corner in the meta image. */
  tiles: { coord: TileCoord; offset: Point }[];
  /** Columns and rows of tiles in the meta image (including positions outside the grid). */
  gridSize: Size;
}

/** Python's round(): halves go to the even neighbour. */
function pyRound(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Python's round(v, 5). */
const round5 = (v: number) => Number(v.toFixed(5));

/**
 * Groups tiles into meta tiles of `metaSize` tiles plus `metaBuffer` pixels on every side, so that one upstream
 * request fills many tiles (MapProxy's MetaGrid).
 */
export class MetaGrid {
  readonly grid: TileGrid;
  readonly metaSize: Size;
  readonly metaBuffer: number;

  constructor(grid: TileGrid, metaSize: Size, metaBuffer = 0) {
    this.grid = grid;
    this.metaSize = metaSize;
    this.metaBuffer = metaBuffer;
  }

  /** The meta size on a level: never more tiles than the level has. */
  metaSizeAt(level: number): Size {
    const [nx, ny] = this.grid.gridSize(level);
    return [Math.min(this.metaSize[0], nx), Math.min(this.metaSize[1], ny)];
  }

  /** The main tile of the meta tile containing `coord`: (x//mx*mx, y//my*my). */
  mainTile(coord: TileCoord): TileCoord {
    const [x, y, z] = coord;
    const [mx, my] = this.metaSizeAt(z);
    return [Math.floor(x / mx) * mx, Math.floor(y / my) * my, z];
  }

  /** The meta tile containing `coord`. */
  metaTile(coord: TileCoord): MetaTile {
    const main = this.mainTile(coord);
    const [x, y, z] = main;
    const gridSize = this.metaSizeAt(z);
    const unbuffered = this.grid.tilesBBox([main, [x + gridSize[0] - 1, y + gridSize[1] - 1, z]]);
    const { bbox, buffers } = this.bufferedBBox(unbuffered, z);
    const [nx, ny] = this.grid.gridSize(z);
    const tiles = this.pattern(this.rows(x, x + gridSize[0] - 1, y, y + gridSize[1] - 1, z), gridSize, buffers, [nx, ny]);
    return { mainTile: tiles[0]?.coord ?? main, baseTile: main, bbox, size: this.pixelSize(bbox, z), tiles, gridSize };
  }

  /**
   * A meta tile spanning exactly the given tiles of one level (plus buffer), for `minimize_meta_requests`.
   */
  minimalMetaTile(coords: readonly TileCoord[]): MetaTile {
    if (!coords.length) throw new GridError('no tiles for a meta tile');
    const z = coords[0]![2];
    let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
    for (const [x, y] of coords) {
      minx = Math.min(minx, x); maxx = Math.max(maxx, x);
      miny = Math.min(miny, y); maxy = Math.max(maxy, y);
    }
    const gridSize: Size = [1 + maxx - minx, 1 + maxy - miny];
    const { bbox, buffers } = this.bufferedBBox(this.grid.tilesBBox([[minx, miny, z], [maxx, maxy, z]]), z);
    const tiles = this.pattern(this.rows(minx, maxx, miny, maxy, z), gridSize, buffers, [maxx + 1, maxy + 1]);
    return { mainTile: tiles[0]?.coord ?? [minx, miny, z], baseTile: [minx, miny, z], bbox, size: this.pixelSize(bbox, z), tiles, gridSize };
  }

  /** The distinct meta tiles that contain `coords`, in first-seen order. */
  metaTilesFor(coords: Iterable<TileCoord>): MetaTile[] {
    const seen = new Map<string, MetaTile>();
    for (const c of coords) {
      const main = this.mainTile(c);
      const key = main.join('/');
      if (!seen.has(key)) seen.set(key, this.metaTile(main));
    }
    return [...seen.values()];
  }

  /**
   * Main tiles of the meta tiles covering `bbox` (grid SRS) on `level`, top row first; null where the meta tile
   * lies outside the grid. The bbox is that of all listed meta tiles (unbuffered). Used by the seeder.
   */
  affectedLevelTiles(bbox: BBox, level: number): AffectedTiles {
    const delta = this.grid.resolution(level) / 10;
    const [x0, y0] = this.grid.tile(bbox[0] + delta, bbox[1] + delta, level);
    const [x1, y1] = this.grid.tile(bbox[2] - delta, bbox[3] - delta, level);
    const [mx, my] = this.metaSizeAt(level);
    const snap = (v: number, m: number) => Math.floor(v / m) * m;
    return this.grid.tileRange(snap(x0, mx), snap(y0, my), snap(x1, mx), snap(y1, my), level, mx, my);
  }

  /** Every meta tile of `level` that covers part of `bbox` (grid SRS), top row first. */
  *metaTilesInBBox(bbox: BBox, level: number): Generator<MetaTile> {
    for (const main of this.affectedLevelTiles(bbox, level).tiles) {
      if (main) yield this.metaTile(main);
    }
  }

  /** Member coords from (x0,y0) to (x1,y1), in meta image order: top row first. */
  private rows(x0: number, x1: number, y0: number, y1: number, z: number): TileCoord[] {
    const ys: number[] = [];
    if (this.grid.origin === 'nw') for (let y = y0; y <= y1; y++) ys.push(y);
    else for (let y = y1; y >= y0; y--) ys.push(y);
    const out: TileCoord[] = [];
    for (const y of ys) for (let x = x0; x <= x1; x++) out.push([x, y, z]);
    return out;
  }

  private pattern(coords: TileCoord[], gridSize: Size, buffers: readonly number[], limit: Size): MetaTile['tiles'] {
    const [tw, th] = this.grid.tileSize;
    const out: MetaTile['tiles'] = [];
    for (let row = 0; row < gridSize[1]; row++) {
      for (let col = 0; col < gridSize[0]; col++) {
        const c = coords[col + row * gridSize[0]]!;
        if (c[0] < 0 || c[1] < 0 || c[0] >= limit[0] || c[1] >= limit[1]) continue;
        out.push({ coord: c, offset: [col * tw + buffers[0]!, row * th + buffers[3]!] });
      }
    }
    return out;
  }

  /** Adds the buffer; with a buffer the result is clipped to the grid bbox and the clipped buffers reported. */
  private bufferedBBox(bbox: BBox, level: number): { bbox: BBox; buffers: number[] } {
    let [minx, miny, maxx, maxy] = bbox;
    const buffers = [0, 0, 0, 0];
    if (this.metaBuffer > 0) {
      const res = this.grid.resolution(level);
      const b = this.metaBuffer * res;
      minx -= b; miny -= b; maxx += b; maxy += b;
      buffers.fill(this.metaBuffer);
      const g = this.grid.bbox;
      const cut = (delta: number) => Math.trunc(round5(delta / res));
      if (g[0] > minx) { buffers[0] -= cut(g[0] - minx); minx = g[0]; }
      if (g[1] > miny) { buffers[1] -= cut(g[1] - miny); miny = g[1]; }
      if (g[2] < maxx) { buffers[2] -= cut(maxx - g[2]); maxx = g[2]; }
      if (g[3] < maxy) { buffers[3] -= cut(maxy - g[3]); maxy = g[3]; }
    }
    return { bbox: [minx, miny, maxx, maxy], buffers };
  }

  /** round(w/res) × round(h/res): the buffer may have been cut at the grid edge, so it is measured, not summed. */
  private pixelSize(bbox: BBox, level: number): Size {
    const res = this.grid.resolution(level);
    return [pyRound((bbox[2] - bbox[0]) / res), pyRound((bbox[3] - bbox[1]) / res)];
  }
}
