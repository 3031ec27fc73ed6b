import type { BBox, Point, Size } from '../geo/bbox.js';

/**
 * A reprojection in pixel terms: continuous destination pixel positions (x right, y down from the top-left
 * corner) → continuous source pixel positions, through `dstToSrc` (destination SRS → source SRS, batched). Where
 * the projection fails for a point the position is NaN. Positions on the integer grid (pixel corners, where the
 * mesh and the separability test look) are computed once and kept.
 */
export class PixelMapping {
  readonly width: number;
  readonly height: number;
  private readonly known = new Map<number, Point>();

  constructor(
    private readonly srcBBox: BBox,
    private readonly srcSize: Size,
    private readonly dstBBox: BBox,
    dstSize: Size,
    private readonly dstToSrc: (pts: Point[]) => Point[],
  ) {
    [this.width, this.height] = dstSize;
  }

  /** Source positions of destination positions, in one batch. */
  map(pxs: readonly Point[]): Point[] {
    const [dx0, , dx1, dy1] = this.dstBBox;
    const dstResX = (dx1 - dx0) / this.width;
    const dstResY = (dy1 - this.dstBBox[1]) / this.height;
    const [sx0, sy0, sx1, sy1] = this.srcBBox;
    const srcResX = (sx1 - sx0) / this.srcSize[0];
    const srcResY = (sy1 - sy0) / this.srcSize[1];
    const world = pxs.map(([x, y]): Point => [dx0 + x * dstResX, dy1 - y * dstResY]);
    return safeTransform(this.dstToSrc, world).map(([wx, wy]): Point => [(wx - sx0) / srcResX, (sy1 - wy) / srcResY]);
  }

  /** Computes the grid points (integer positions) not known yet. */
  evaluate(grid: readonly Point[]): void {
    const todo = grid.filter(([x, y]) => !this.known.has(this.key(x, y)));
    if (todo.length === 0) return;
    this.map(todo).forEach((p, i) => this.known.set(this.key(todo[i]![0], todo[i]![1]), p));
  }

  /** The source position of grid point (x, y), which evaluate() has computed. */
  at(x: number, y: number): Point {
    return this.known.get(this.key(x, y))!;
  }

  private key(x: number, y: number): number {
    return y * (this.width + 1) + x;
  }
}

/** `fn` of `pts`, with NaN for the points it cannot transform (outside a projection's domain). */
function safeTransform(fn: (pts: Point[]) => Point[], pts: Point[]): Point[] {
  try {
    const res = fn(pts);
    if (res.length === pts.length) return res;
  } catch {
    // fall through: some points are outside the projection's domain; find out which.
  }
  return pts.map((p) => {
    try {
      return fn([p])[0] ?? [NaN, NaN];
    } catch {
      return [NaN, NaN] as Point;
    }
  });
}

export const isFinitePoint = (p: Point): boolean => Number.isFinite(p[0]) && Number.isFinite(p[1]);
