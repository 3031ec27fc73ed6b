import type { Point } from './bbox.js';

/**
 * Makes x continuous along a closed ring of points in an SRS whose x wraps around the earth every `width`
 * units (lon/lat, web mercator): a bbox across the antimeridian comes out as one narrow box reaching past the
 * world's edge, instead of the whole world's width between its two halves (which costs a world's worth of
 * tiles at the bbox's resolution). Null when the ring does not close on itself (it winds around a pole): the
 * points are then used as they are.
 */
export function unwrapRing(pts: readonly Point[], width: number): Point[] | null {
  const out: Point[] = [];
  let prev = NaN;
  for (const [x, y] of pts) {
    const ux = Number.isNaN(prev) ? x : x + Math.round((prev - x) / width) * width;
    out.push([ux, y]);
    prev = ux;
  }
  if (out.length && Math.abs(out[out.length - 1]![0] - out[0]![0]) > width / 2) return null;
  return out;
}
