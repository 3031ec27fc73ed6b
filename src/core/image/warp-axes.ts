import type { Point } from '../geo/bbox.js';
import type { PixelMapping } from './pixel-mapping.js';
import { divideQuad, probePoints, type Quad } from './warp-mesh.js';

/**
 * Source positions closer than this (in source pixels) count as equal: a thousandth of a pixel moves no sample
 * by a visible amount, where the mesh itself is allowed half a pixel.
 */
const SAME_PX = 1e-3;

/** A separable mapping's source positions: xs[i] for destination column i, ys[j] for row j (pixel centres). */
export interface Axes {
  xs: Float64Array;
  ys: Float64Array;
}

/**
 * The axes of `mapping` when it is separable — the source x depends on the destination x alone and the source y
 * on the destination y alone, as between EPSG:4326 and EPSG:3857 (longitude ↔ x, latitude ↔ y) — else null.
 * Then every pixel is sampled at its exact position (no mesh error) and the kernel filters rows and columns
 * apart. Tested on the lattices the mesh looks at first (its first two levels of probe points), so a map that
 * is not separable pays for no point the mesh would not have computed anyway; any point outside the
 * projection's domain leaves the map to the mesh, which knows how to draw such edges.
 */
export function separableAxes(mapping: PixelMapping): Axes | null {
  const { width, height } = mapping;
  if (width < 1 || height < 1) return null;
  const whole: Quad = [0, 0, width, height];
  const first = probePoints(whole);
  if (!separableAt(mapping, first)) return null;
  if (!separableAt(mapping, [...first, ...divideQuad(whole).flatMap(probePoints)])) return null;

  // The axes through the map's middle row and column (all in one batch).
  const yRef = Math.floor(height / 2) + 0.5;
  const xRef = Math.floor(width / 2) + 0.5;
  const pts: Point[] = [];
  for (let i = 0; i < width; i++) pts.push([i + 0.5, yRef]);
  for (let j = 0; j < height; j++) pts.push([xRef, j + 0.5]);
  const res = mapping.map(pts);
  const xs = new Float64Array(width);
  const ys = new Float64Array(height);
  for (let i = 0; i < width; i++) xs[i] = res[i]![0];
  for (let j = 0; j < height; j++) ys[j] = res[width + j]![1];
  return { xs, ys };
}

/** Whether, over `grid`, every point maps and the source x is one per destination column, the source y one per row. */
function separableAt(mapping: PixelMapping, grid: readonly Point[]): boolean {
  mapping.evaluate(grid);
  const column = new Map<number, number>();
  const row = new Map<number, number>();
  for (const [x, y] of grid) {
    const [sx, sy] = mapping.at(x, y);
    if (!Number.isFinite(sx) || !Number.isFinite(sy)) return false;
    const cx = column.get(x);
    if (cx === undefined) column.set(x, sx);
    else if (!(Math.abs(cx - sx) <= SAME_PX)) return false;
    const ry = row.get(y);
    if (ry === undefined) row.set(y, sy);
    else if (!(Math.abs(ry - sy) <= SAME_PX)) return false;
  }
  return true;
}
