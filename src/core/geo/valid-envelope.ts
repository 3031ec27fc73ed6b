import type { BBox, Point } from './bbox.js';

/** Points per side of the lattice laid over a bbox whose edges do not all transform. */
const LATTICE = 17;
/** Halvings that place the domain's edge between a point that transforms and one that does not. */
const BISECTIONS = 12;

const finite = (p: Point) => Number.isFinite(p[0]) && Number.isFinite(p[1]);

/**
 * The envelope of the image of the part of `bbox` that `transform` (NaN where it fails) can carry, or null
 * when no part can. Where a bbox leaves a projection's domain, its edge points alone would miss the domain's
 * edge inside the bbox and shrink the result, so a lattice covers the bbox and every lattice segment that
 * crosses the domain's edge is bisected to it. Costs at most a few thousand points.
 */
export function envelopeOfValidPart(bbox: BBox, transform: (pts: Point[]) => Point[]): BBox | null {
  const [minx, miny, maxx, maxy] = bbox;
  const n = LATTICE;
  const grid: Point[] = [];
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) grid.push([minx + ((maxx - minx) * i) / (n - 1), miny + ((maxy - miny) * j) / (n - 1)]);
  }
  const img = transform(grid);
  const found: Point[] = img.filter(finite);
  // Segments with one end inside the domain and one outside, as [inside, outside] source points.
  let edges: [Point, Point][] = [];
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const k = j * n + i;
      for (const m of [i + 1 < n ? k + 1 : -1, j + 1 < n ? k + n : -1]) {
        if (m < 0 || finite(img[k]!) === finite(img[m]!)) continue;
        edges.push(finite(img[k]!) ? [grid[k]!, grid[m]!] : [grid[m]!, grid[k]!]);
      }
    }
  }
  // All segments are halved together, so each round is one batch through `transform`.
  for (let round = 0; round < BISECTIONS && edges.length; round++) {
    const mids = edges.map(([a, b]): Point => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]);
    const res = transform(mids);
    edges = edges.map(([a, b], i): [Point, Point] => {
      if (!finite(res[i]!)) return [a, mids[i]!];
      found.push(res[i]!);
      return [mids[i]!, b];
    });
  }
  if (!found.length) return null;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [x, y] of found) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return [x0, y0, x1, y1];
}
