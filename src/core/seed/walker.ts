import type { BBox, Size } from '../geo/bbox.js';
import type { Coverage } from '../geo/coverage.js';
import type { TileCoord, TileGrid } from '../geo/grid.js';
import { MetaGrid } from '../geo/meta-grid.js';

/** One unit of seeding work: a meta tile (or a single tile without meta tiling) of one level. */
export interface WalkItem {
  readonly level: number;
  /** The meta tile's anchor, x//mx*mx, y//my*my. */
  readonly main: TileCoord;
  /** Its tiles inside the grid. */
  readonly tiles: readonly TileCoord[];
}

export interface WalkOptions {
  /** Levels to yield, ascending. */
  readonly levels: readonly number[];
  /** null: the whole grid. Must be in the grid's SRS for speed (it is transformed per test otherwise). */
  readonly coverage: Coverage | null;
  /** Tiles per work item: the cache's meta size, or [1, 1]. */
  readonly metaSize: Size;
  /** Do not test tiles against the coverage on the last N levels (MapProxy's -l). */
  readonly skipGeomsForLastLevels?: number;
}

const enum Overlap { None, Intersects, Contains }

/** How many recently yielded items per level are remembered to skip duplicates of irregular (non-factor-2) grids. */
const RECENT_PER_LEVEL = 256;

/**
 * Walks the tile pyramid depth-first by meta tiles, as MapProxy's TileWalker: a meta tile outside the coverage
 * prunes its whole subtree; one inside the coverage (CONTAINS) takes all its descendants without further geometry
 * tests. Children are yielded before their parent. The order is deterministic, which resuming relies on.
 */
export function* walkMetaTiles(grid: TileGrid, opts: WalkOptions): Generator<WalkItem> {
  const levels = [...opts.levels].sort((a, b) => a - b);
  if (!levels.length) return;
  const metaGrid = new MetaGrid(grid, opts.metaSize, 0);
  const coverage = opts.coverage;
  const skipGeoms = opts.skipGeomsForLastLevels ?? 0;
  const recent = new Map<number, string[]>();
  const start = coverage ? coverage.extent.bboxFor(grid.srs) : grid.bbox;

  const overlap = (bbox: BBox): Overlap => {
    if (!coverage) return Overlap.Contains;
    if (coverage.contains(bbox, grid.srs)) return Overlap.Contains;
    if (coverage.intersects(bbox, grid.srs)) return Overlap.Intersects;
    return Overlap.None;
  };

  function* walk(bbox: BBox, remaining: readonly number[], level: number, all: boolean): Generator<WalkItem> {
    if (remaining.length < skipGeoms) all = true;
    const process = remaining[0] === level;
    const rest = process ? remaining.slice(1) : remaining;
    const affected = metaGrid.affectedLevelTiles(atLeastInset(bbox, grid.resolution(level) / 10), level);
    for (const main of affected.tiles) {
      if (!main) continue;
      const meta = metaGrid.metaTile(main);
      const o = all ? Overlap.Contains : overlap(meta.bbox);
      if (o === Overlap.None) continue;
      if (rest.length) yield* walk(limitBBox(bbox, meta.bbox), rest, level + 1, o === Overlap.Contains);
      if (!process) continue;
      const key = `${main[0]},${main[1]}`;
      let seen = recent.get(level);
      if (!seen) recent.set(level, (seen = []));
      if (seen.includes(key)) continue;
      seen.push(key);
      if (seen.length > RECENT_PER_LEVEL) seen.shift();
      yield { level, main: meta.baseTile, tiles: meta.tiles.map((t) => t.coord) };
    }
  }
  yield* walk(start, levels, 0, false);
}

/**
 * The level's tile lookup insets the bbox by a tenth of a pixel (so touching tiles are left out); a bbox smaller
 * than that would select nothing, so it is widened around its centre to keep the tile it lies in.
 */
function atLeastInset(bbox: BBox, inset: number): BBox {
  let [minx, miny, maxx, maxy] = bbox;
  const min = inset * 2.02;
  if (maxx - minx < min) {
    const c = (minx + maxx) / 2;
    minx = c - min / 2;
    maxx = c + min / 2;
  }
  if (maxy - miny < min) {
    const c = (miny + maxy) / 2;
    miny = c - min / 2;
    maxy = c + min / 2;
  }
  return [minx, miny, maxx, maxy];
}

function limitBBox(outer: BBox, inner: BBox): BBox {
  return [Math.max(outer[0], inner[0]), Math.max(outer[1], inner[1]), Math.min(outer[2], inner[2]), Math.min(outer[3], inner[3])];
}

/** Number of items and tiles per level a walk yields (the totals of a progress display). */
export function countWalk(grid: TileGrid, opts: WalkOptions): Map<number, { items: number; tiles: number }> {
  const counts = new Map<number, { items: number; tiles: number }>();
  for (const item of walkMetaTiles(grid, opts)) {
    const c = counts.get(item.level) ?? { items: 0, tiles: 0 };
    c.items++;
    c.tiles += item.tiles.length;
    counts.set(item.level, c);
  }
  return counts;
}
