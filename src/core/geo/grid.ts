import { bboxIntersects, bboxUnion, type BBox, type Size } from './bbox.js';
import { alignedResolutions, calcResolutions, getResolution, type ResFactor } from './resolutions.js';
import { getSRS, type SRS } from './srs.js';

export type Origin = 'sw' | 'nw';
export type TileCoord = readonly [x: number, y: number, z: number];

/** A grid definition that cannot be built (bad origin, missing bbox, conflicting resolution options, …). */
export class GridError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GridError';
  }
}

/** The request does not touch the grid (outside its bbox, or far coarser than level 0): the answer is blank. */
export class NoTilesError extends GridError {
  constructor(message = 'no tiles for this request') {
    super(message);
    this.name = 'NoTilesError';
  }
}

export interface TileGridOptions {
  name?: string;
  srs?: string;
  bbox?: BBox | string | readonly (number | string)[];
  bboxSrs?: string;
  tileSize?: Size;
  origin?: string;
  res?: number[];
  resFactor?: number | 'sqrt2';
  minRes?: number;
  maxRes?: number;
  numLevels?: number;
  thresholdRes?: number[];
  stretchFactor?: number;
  maxShrinkFactor?: number;
  alignResolutionsWith?: TileGrid;
}

export const DEFAULT_GRIDS: Record<'GLOBAL_GEODETIC' | 'GLOBAL_MERCATOR' | 'GLOBAL_WEBMERCATOR', TileGridOptions> = {
  GLOBAL_GEODETIC: { name: 'GLOBAL_GEODETIC', srs: 'EPSG:4326', origin: 'sw' },
  GLOBAL_MERCATOR: { name: 'GLOBAL_MERCATOR', srs: 'EPSG:900913', origin: 'sw' },
  GLOBAL_WEBMERCATOR: { name: 'GLOBAL_WEBMERCATOR', srs: 'EPSG:3857', origin: 'nw' },
};

const MERCATOR_BBOX: BBox = [-20037508.342789244, -20037508.342789244, 20037508.342789244, 20037508.342789244];
const GEODETIC_BBOX: BBox = [-180, -90, 180, 90];

/** The bbox a grid gets when none is configured: only known for WGS84 and web mercator. */
export function defaultGridBBox(srs: SRS): BBox | null {
  if (srs.equals(getSRS('EPSG:4326'))) return GEODETIC_BBOX;
  if (srs.equals(getSRS('EPSG:3857'))) return MERCATOR_BBOX;
  return null;
}

/** `ll`/`sw` → 'sw', `ul`/`nw` → 'nw' (default 'sw'). */
export function parseOrigin(origin: string | null | undefined): Origin {
  if (origin == null) return 'sw';
  const o = origin.toLowerCase();
  if (o === 'll' || o === 'sw') return 'sw';
  if (o === 'ul' || o === 'nw') return 'nw';
  throw new GridError(`unknown origin value '${origin}'`);
}

/** Accepts `[a,b,c,d]` or `"a,b,c,d"` (always minx, miny, maxx, maxy). */
export function parseBBox(bbox: BBox | string | readonly (number | string)[]): BBox {
  const parts = typeof bbox === 'string' ? bbox.split(',') : bbox;
  const nums = parts.map((v) => Number(typeof v === 'string' ? v.trim() : v));
  if (nums.length !== 4 || nums.some((v) => !Number.isFinite(v))) {
    throw new GridError(`invalid bbox ${JSON.stringify(bbox)}: expected minx,miny,maxx,maxy`);
  }
  return [nums[0]!, nums[1]!, nums[2]!, nums[3]!];
}

/** Builds a grid from MapProxy grid options with all of MapProxy's tile_grid() resolution rules. */
export function tileGrid(opts: TileGridOptions): TileGrid {
  const srs = getSRS(opts.srs ?? 'EPSG:900913');
  const tileSize = opts.tileSize ?? [256, 256];
  let bbox: BBox;
  if (opts.bbox) bbox = parseBBox(opts.bbox);
  else {
    const def = defaultGridBBox(srs);
    if (!def) throw new GridError(`need a bbox for grid with ${srs.code}`);
    bbox = def;
  }
  if (opts.bboxSrs) bbox = getSRS(opts.bboxSrs).transformBBoxTo(srs, bbox);

  let res: number[];
  if (opts.res && opts.res.length) {
    if (opts.minRes != null || opts.maxRes != null || opts.alignResolutionsWith) {
      throw new GridError('res cannot be combined with min_res, max_res or align_resolutions_with');
    }
    res = [...opts.res].map(Number).sort((a, b) => b - a);
  } else {
    const common = {
      minRes: opts.minRes, maxRes: opts.maxRes, resFactor: (opts.resFactor ?? 2) as ResFactor,
      numLevels: opts.numLevels, bbox, tileSize,
    };
    res = opts.alignResolutionsWith
      ? alignedResolutions({ ...common, alignWith: opts.alignResolutionsWith.resolutions })
      : calcResolutions(common);
  }
  if (res.length === 0 || res.some((r) => !(r > 0))) throw new GridError(`grid has invalid resolutions ${res.join(',')}`);

  return new TileGrid({
    name: opts.name, srs, bbox, tileSize, origin: parseOrigin(opts.origin), resolutions: res,
    thresholdRes: opts.thresholdRes, stretchFactor: opts.stretchFactor, maxShrinkFactor: opts.maxShrinkFactor,
  });
}

/** Python's float floor division (`a // b`), which differs from Math.floor(a / b) near integers. */
export function pyFloorDiv(a: number, b: number): number {
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) return 0 * (a / b);
  let floordiv = Math.floor(div);
  if (div - floordiv > 0.5) floordiv += 1;
  return floordiv;
}

/** Python's round(v, 12), used by MapProxy to keep tile edges free of float noise. */
function round12(v: number): number {
  return Math.abs(v) >= 1e21 ? v : Number(v.toFixed(12));
}

export interface AffectedTiles {
  level: number;
  /** Tile-aligned bbox of all listed tiles, in the grid's SRS. */
  bbox: BBox;
  /** Columns, rows. */
  gridSize: Size;
  /** Row-major, TOP row first whatever the origin; null = outside the grid. */
  tiles: (TileCoord | null)[];
}

export interface TileGridInit {
  name?: string; srs: SRS; bbox: BBox; tileSize: Size; origin: Origin; resolutions: readonly number[];
  thresholdRes?: readonly number[]; stretchFactor?: number; maxShrinkFactor?: number;
}

/** A regular tile pyramid: level 0 is the coarsest; tile (0,0) sits at the grid's origin corner. */
export class TileGrid {
  readonly name: string;
  readonly srs: SRS;
  readonly bbox: BBox;
  readonly tileSize: Size;
  readonly origin: Origin;
  readonly resolutions: readonly number[];
  readonly thresholdRes: readonly number[] | null;
  readonly stretchFactor: number;
  readonly maxShrinkFactor: number;
  private readonly gridSizes: readonly Size[];

  constructor(init: TileGridInit) {
    this.name = init.name ?? '';
    this.srs = init.srs;
    this.bbox = init.bbox;
    this.tileSize = init.tileSize;
    this.origin = init.origin;
    this.resolutions = [...init.resolutions];
    this.thresholdRes = init.thresholdRes && init.thresholdRes.length ? [...init.thresholdRes].sort((a, b) => a - b) : null;
    this.stretchFactor = init.stretchFactor ?? 1.15;
    this.maxShrinkFactor = init.maxShrinkFactor ?? 4.0;
    const width = this.bbox[2] - this.bbox[0];
    const height = this.bbox[3] - this.bbox[1];
    this.gridSizes = this.resolutions.map((res) => [
      Math.max(Math.ceil(pyFloorDiv(width, res) / this.tileSize[0]), 1),
      Math.max(Math.ceil(pyFloorDiv(height, res) / this.tileSize[1]), 1),
    ]);
  }

  get levels(): number {
    return this.resolutions.length;
  }

  resolution(level: number): number {
    const r = this.resolutions[level];
    if (r === undefined) throw new GridError(`level ${level} outside grid ${this.name} (0..${this.levels - 1})`);
    return r;
  }

  /** Number of tiles [nx, ny] on a level. */
  gridSize(level: number): Size {
    const s = this.gridSizes[level];
    if (!s) throw new GridError(`level ${level} outside grid ${this.name} (0..${this.levels - 1})`);
    return s;
  }

  /**
   * The level for a resolution: the coarsest level that needs at most `stretchFactor` up-scaling, preferring the
   * finest of several within that band; `thresholdRes` values force the switch points (MapProxy's closest_level).
   */
  closestLevel(res: number): number {
    let prevRes = this.resolutions[0]!;
    let threshold: number | undefined;
    let thresholds: number[] = [];
    if (this.thresholdRes) {
      thresholds = [...this.thresholdRes];
      threshold = thresholds.pop();
      while (threshold !== undefined && threshold > prevRes && thresholds.length) threshold = thresholds.pop();
    }
    let withinStretch: number | null = null;
    let level = 0;
    for (; level < this.resolutions.length; level++) {
      const lRes = this.resolutions[level]!;
      if (threshold && prevRes > threshold && threshold >= lRes) {
        if (res > threshold) return level - 1;
        if (res >= lRes) return level;
        threshold = thresholds.length ? thresholds.pop() : undefined;
      }
      if (withinStretch !== null && lRes < res) return withinStretch;
      if (lRes <= res * this.stretchFactor) withinStretch = level;
      prevRes = lRes;
    }
    return level - 1;
  }

  /** The tile that contains the point (may lie outside the grid). */
  tile(x: number, y: number, level: number): TileCoord {
    const res = this.resolution(level);
    const dx = x - this.bbox[0];
    const dy = this.origin === 'nw' ? this.bbox[3] - y : y - this.bbox[1];
    return [Math.floor(dx / (res * this.tileSize[0])), Math.floor(dy / (res * this.tileSize[1])), level];
  }

  /** The bbox of a tile, coord in this grid's origin; `limit` clips it to the grid bbox. */
  tileBBox(coord: TileCoord, limit = false): BBox {
    const [x, y, z] = coord;
    const res = this.resolution(z);
    const tw = round12(res * this.tileSize[0]);
    const th = round12(res * this.tileSize[1]);
    const x0 = this.bbox[0] + round12(x * res * this.tileSize[0]);
    const x1 = x0 + tw;
    let y0: number, y1: number;
    if (this.origin === 'nw') {
      y1 = this.bbox[3] - round12(y * res * this.tileSize[1]);
      y0 = y1 - th;
    } else {
      y0 = this.bbox[1] + round12(y * res * this.tileSize[1]);
      y1 = y0 + th;
    }
    if (limit) {
      return [Math.max(x0, this.bbox[0]), Math.max(y0, this.bbox[1]), Math.min(x1, this.bbox[2]), Math.min(y1, this.bbox[3])];
    }
    return [x0, y0, x1, y1];
  }

  /** The bbox covering the first and the last of `tiles` (and all between them). */
  tilesBBox(tiles: readonly TileCoord[]): BBox {
    return bboxUnion(this.tileBBox(tiles[0]!), this.tileBBox(tiles[tiles.length - 1]!));
  }

  /** The coord if it lies inside the grid (0 ≤ x < nx, 0 ≤ y < ny, 0 ≤ z < levels), else null. */
  limitTile(coord: TileCoord): TileCoord | null {
    const [x, y, z] = coord;
    if (!Number.isInteger(z) || z < 0 || z >= this.levels) return null;
    const [nx, ny] = this.gridSizes[z]!;
    if (x < 0 || y < 0 || x >= nx || y >= ny) return null;
    return coord;
  }

  /** Switches a coord between sw and nw origin: y' = ny(z) - 1 - y. */
  flipTileCoord(coord: TileCoord): TileCoord {
    const [x, y, z] = coord;
    return [x, this.gridSize(z)[1] - 1 - y, z];
  }

  /**
   * Whether tiles can be addressed from the other corner too: only when, on every level, the tile rows end exactly
   * at the grid's top and bottom edges (otherwise flipped rows would be shifted).
   */
  supportsAccessWithOrigin(origin: Origin | string): boolean {
    if (parseOrigin(origin) === this.origin) return true;
    const delta = Math.max(Math.abs(this.bbox[1]), Math.abs(this.bbox[3])) / 1e12;
    for (let level = 0; level < this.levels; level++) {
      const [nx, ny] = this.gridSizes[level]!;
      const lb = this.tilesBBox([[0, 0, level], [nx - 1, ny - 1, level]]);
      if (Math.abs(this.bbox[1] - lb[1]) > delta || Math.abs(this.bbox[3] - lb[3]) > delta) return false;
    }
    return true;
  }

  /** Tile (0,0) of a level as seen from `origin`. */
  originTile(level: number, origin: Origin | string): TileCoord {
    if (!this.supportsAccessWithOrigin(origin)) throw new GridError('tile origins are incompatible');
    const tile: TileCoord = [0, 0, level];
    return parseOrigin(origin) === this.origin ? tile : this.flipTileCoord(tile);
  }

  /**
   * The TMS profile of the default global grids, whose /tms level 0 is our level 1 (MapProxy's
   * TileServiceGrid): web mercator or WGS84 with exactly the default world bbox.
   */
  tmsProfile(): 'global-mercator' | 'global-geodetic' | null {
    const same = (a: BBox, b: BBox) => a.every((v, i) => v === b[i]);
    if (this.srs.equals(getSRS('EPSG:900913')) && same(this.bbox, MERCATOR_BBOX)) return 'global-mercator';
    if (this.srs.equals(getSRS('EPSG:4326')) && same(this.bbox, GEODETIC_BBOX)) return 'global-geodetic';
    return null;
  }

  /** True when consecutive levels differ by exactly √2 (tile services then publish only even levels). */
  isSqrt2(): boolean {
    return this.levels > 1 && this.resolutions[0]! / this.resolutions[1]! === Math.SQRT2;
  }

  /** The query bbox in the grid SRS and the level to serve it from; throws NoTilesError when nothing applies. */
  affectedBBoxAndLevel(bbox: BBox, size: Size, reqSrs?: SRS): { bbox: BBox; level: number } {
    const src = reqSrs && !reqSrs.equals(this.srs) ? reqSrs.transformBBoxTo(this.srs, bbox) : bbox;
    if (!bboxIntersects(this.bbox, src)) throw new NoTilesError();
    const res = getResolution(src, size);
    const level = this.closestLevel(res);
    if (res > this.resolutions[0]! * this.maxShrinkFactor) throw new NoTilesError();
    // A query that meets the grid only in a sliver (beyond mercator's ±85.05°, clamped onto the edge) has no
    // pixel to draw; the tile inset (a tenth of a pixel on each side) would leave an empty, inverted range.
    const inset = this.resolution(level) / 5;
    if (!(src[2] - src[0] > inset && src[3] - src[1] > inset)) throw new NoTilesError();
    return { bbox: src, level };
  }

  /** The tiles needed to render `bbox` at `size` (bbox in `reqSrs`, default the grid's SRS). */
  affectedTiles(bbox: BBox, size: Size, reqSrs?: SRS): AffectedTiles {
    const { bbox: src, level } = this.affectedBBoxAndLevel(bbox, size, reqSrs);
    return this.affectedLevelTiles(src, level);
  }

  /** The tiles of `level` covering `bbox` (grid SRS). Tiles the bbox only touches are left out (1/10 px inset). */
  affectedLevelTiles(bbox: BBox, level: number): AffectedTiles {
    const delta = this.resolution(level) / 10;
    const [x0, y0] = this.tile(bbox[0] + delta, bbox[1] + delta, level);
    const [x1, y1] = this.tile(bbox[2] - delta, bbox[3] - delta, level);
    return this.tileRange(x0, y0, x1, y1, level, 1, 1);
  }

  /**
   * Tiles from (x0,y0) (the bbox's min corner) to (x1,y1) (max corner) stepping by (sx,sy), top row first.
   * Shared with MetaGrid, which steps by the meta size.
   */
  tileRange(x0: number, y0: number, x1: number, y1: number, level: number, sx: number, sy: number): AffectedTiles {
    const xs: number[] = [];
    for (let x = x0; x <= x1; x += sx) xs.push(x);
    const ys: number[] = [];
    if (this.origin === 'nw') for (let y = y1; y <= y0; y += sy) ys.push(y);
    else for (let y = y1; y >= y0; y -= sy) ys.push(y);
    if (!xs.length || !ys.length || xs.length * ys.length > 1e7) throw new GridError('Invalid BBOX');
    // Opposite corner tiles of the whole range (a step of sx/sy covers sx/sy tiles).
    const yTop = ys[0]!, yBottom = ys[ys.length - 1]!;
    const first: TileCoord = [xs[0]!, Math.min(yTop, yBottom), level];
    const last: TileCoord = [xs[xs.length - 1]! + sx - 1, Math.max(yTop, yBottom) + sy - 1, level];
    const abbox = bboxUnion(this.tileBBox(first), this.tileBBox(last));
    const [nx, ny] = this.gridSize(level);
    const tiles: (TileCoord | null)[] = [];
    for (const y of ys) {
      for (const x of xs) tiles.push(x < 0 || y < 0 || x >= nx || y >= ny ? null : [x, y, level]);
    }
    return { level, bbox: abbox, gridSize: [xs.length, ys.length], tiles };
  }

  /** True when every tile of this grid is also a tile of `other` (same SRS, tile size, aligned resolutions). */
  isSubsetOf(other: TileGrid): boolean {
    if (!this.srs.equals(other.srs)) return false;
    if (this.tileSize[0] !== other.tileSize[0] || this.tileSize[1] !== other.tileSize[1]) return false;
    for (let level = 0; level < this.levels; level++) {
      const [nx, ny] = this.gridSizes[level]!;
      const levelSize: Size = [nx * this.tileSize[0], ny * this.tileSize[1]];
      const levelBBox = this.tilesBBox([[0, 0, level], [nx - 1, ny - 1, level]]);
      let otherLevel: number;
      let affected: AffectedTiles;
      try {
        otherLevel = other.affectedBBoxAndLevel(levelBBox, levelSize).level;
        affected = other.affectedLevelTiles(levelBBox, otherLevel);
      } catch (e) {
        if (e instanceof GridError) return false;
        throw e;
      }
      if (other.resolution(otherLevel) !== this.resolutions[level]) return false;
      if (!mapproxyBBoxEquals(affected.bbox, levelBBox)) return false;
    }
    return true;
  }

  toString(): string {
    return `TileGrid(${this.name || this.srs.code}, ${this.bbox.map((v) => v.toFixed(4)).join(', ')})`;
  }
}

/** MapProxy's bbox_equals default: within 1/1,000,000 of the width on every edge. */
function mapproxyBBoxEquals(a: BBox, b: BBox): boolean {
  const d = Math.abs(a[0] - a[2]) / 1e6;
  return Math.abs(a[0] - b[0]) < d && Math.abs(a[1] - b[1]) < d && Math.abs(a[2] - b[2]) < d && Math.abs(a[3] - b[3]) < d;
}


