import type { BBox, Point, Size } from '../geo/bbox.js';
import { composeMosaicImage, type MosaicWindow } from './compose.js';
import { resampleExtent } from '../native/resample.js';
import { POINT_DOUBLES, QUAD_DOUBLES, warpMesh } from '../native/warp.js';
import type { RawImage, Resampling } from './raw-image.js';
import { cropImage } from './split.js';

/**
 * Cut `dstBBox` out of `src` (covering `srcBBox`, same SRS) and scale it to `dstSize` (MapProxy's
 * ImageTransformer._transform_simple, Pillow's EXTENT transform in the native kernels): every destination pixel
 * centre is mapped linearly into the source, so fractional offsets of unaligned tiles are honoured. Outside the
 * source the result is transparent. `src` may be a mosaic window, which the kernel composes itself. The pixels
 * of big maps are computed on the libuv pool (native/pool.ts).
 */
export async function resample(src: RawImage | MosaicWindow, srcBBox: BBox, dstBBox: BBox, dstSize: Size, method: Resampling = 'bicubic'): Promise<RawImage> {
  const [dw, dh] = dstSize;
  const srcResX = (srcBBox[2] - srcBBox[0]) / src.width;
  const srcResY = (srcBBox[3] - srcBBox[1]) / src.height;
  const dstResX = (dstBBox[2] - dstBBox[0]) / dw;
  const dstResY = (dstBBox[3] - dstBBox[1]) / dh;

  // Same resolution (to a tenth of a pixel over the whole image): a plain crop, as MapProxy rounds it.
  if (Math.abs(srcResX - dstResX) * dw < 0.1 * Math.abs(dstResX) && Math.abs(srcResY - dstResY) * dh < 0.1 * Math.abs(dstResY)) {
    const x = Math.round((dstBBox[0] - srcBBox[0]) / srcResX);
    const y = Math.round((srcBBox[3] - dstBBox[3]) / srcResY);
    return cropImage('geometry' in src ? await composeMosaicImage(src) : src, [x, y], dstSize, { transparent: true });
  }
  const out: RawImage = { data: Buffer.allocUnsafeSlow(dw * dh * 4), width: dw, height: dh };
  if (dw === 0 || dh === 0) return out;
  // The extent in source pixels exactly as MapProxy's make_lin_transf computes it (same operations, same order).
  const toPx = ([x, y]: Point): Point => [
    ((x - srcBBox[0]) * src.width) / (srcBBox[2] - srcBBox[0]),
    ((srcBBox[3] - y) * src.height) / (srcBBox[3] - srcBBox[1]),
  ];
  const [minx, miny] = toPx([dstBBox[0], dstBBox[3]]);
  const [maxx, maxy] = toPx([dstBBox[2], dstBBox[1]]);
  await resampleExtent(src, out, [minx, miny, maxx, maxy], method);
  return out;
}

export interface WarpOptions {
  /** Largest tolerated error of the piecewise-bilinear mesh, in destination pixels (default 0.5). */
  maxErrorPx?: number;
  /** Quads at or below this size (px) are not divided further (default 4). */
  minQuadPx?: number;
}

type Quad = readonly [x0: number, y0: number, x1: number, y1: number];

/**
 * Reproject `src` (covering `srcBBox` in the source SRS) to `dstBBox`/`dstSize` (MapProxy's mesh transform):
 * the target is divided into quads until a bilinear interpolation of `dstToSrc` (destination SRS coordinates →
 * source SRS coordinates, batched) is accurate to `maxErrorPx`; each quad is then filled by sampling the source.
 * Destination pixels that fall outside the source, or where `dstToSrc` fails, are transparent.
 * The mesh is computed here (it needs the projection); the native kernel fills it as Pillow's MESH transform does
 * (on the libuv pool for big maps), from `src` or a mosaic window it composes itself. The mesh is finer than MapProxy's (0.5 px, tested at 25 points per quad, not 1 px at the
 * centre), so edges sit where the projection puts them.
 */
export async function warp(
  src: RawImage | MosaicWindow,
  srcBBox: BBox,
  dstBBox: BBox,
  dstSize: Size,
  dstToSrc: (pts: Point[]) => Point[],
  method: Resampling = 'bicubic',
  opts: WarpOptions = {},
): Promise<RawImage> {
  const [dw, dh] = dstSize;
  const maxErr = opts.maxErrorPx ?? 0.5;
  const minQuad = Math.max(1, opts.minQuadPx ?? 4);
  const dstResX = (dstBBox[2] - dstBBox[0]) / dw;
  const dstResY = (dstBBox[3] - dstBBox[1]) / dh;
  const srcResX = (srcBBox[2] - srcBBox[0]) / src.width;
  const srcResY = (srcBBox[3] - srcBBox[1]) / src.height;

  // Continuous destination pixel position → continuous source pixel position, memoised per grid point.
  const known = new Map<number, Point>();
  const keyOf = (x: number, y: number) => y * (dw + 1) + x;
  const evaluate = (pxs: Point[]): void => {
    const todo = pxs.filter(([x, y]) => !known.has(keyOf(x, y)));
    if (todo.length === 0) return;
    const world = todo.map(([x, y]): Point => [dstBBox[0] + x * dstResX, dstBBox[3] - y * dstResY]);
    const res = safeTransform(dstToSrc, world);
    todo.forEach(([x, y], i) => {
      const [wx, wy] = res[i]!;
      known.set(keyOf(x, y), [(wx - srcBBox[0]) / srcResX, (srcBBox[3] - wy) / srcResY]);
    });
  };
  const at = (x: number, y: number): Point => known.get(keyOf(x, y))!;

  const accepted: Quad[] = [];
  const exact: Quad[] = [];
  let level: Quad[] = dw > 0 && dh > 0 ? [[0, 0, dw, dh]] : [];
  while (level.length > 0) {
    const pts: Point[] = [];
    for (const q of level) pts.push(...probePoints(q));
    evaluate(pts);
    const next: Quad[] = [];
    for (const q of level) {
      const verdict = quadError(q, at);
      if (Number.isNaN(verdict)) continue; // wholly outside the domain: transparent, not divided down to pixels
      const small = q[2] - q[0] <= minQuad && q[3] - q[1] <= minQuad;
      if (verdict <= maxErr) accepted.push(q);
      else if (small) (Number.isFinite(verdict) ? accepted : exact).push(q);
      else next.push(...divideQuad(q));
    }
    level = next;
  }

  const quads = new Float64Array(accepted.length * QUAD_DOUBLES);
  accepted.forEach((q, i) => {
    const [x0, y0, x1, y1] = q;
    // Pillow's QUAD order: NW, SW, SE, NE.
    quads.set([x0, y0, x1, y1, ...at(x0, y0), ...at(x0, y1), ...at(x1, y1), ...at(x1, y0)], i * QUAD_DOUBLES);
  });
  const points = exactPoints(exact, src, srcBBox, dstBBox, dstSize, dstToSrc);
  const out: RawImage = { data: Buffer.allocUnsafeSlow(dw * dh * 4), width: dw, height: dh };
  if (dw > 0 && dh > 0) await warpMesh(src, out, quads, points, method);
  return out;
}

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

/**
 * Corners plus a 5x5 lattice of test points (quarters of each side). More than MapProxy's single centre test:
 * mappings symmetric about the quad centre (e.g. mercator around the equator) are exact at the centre and the
 * edge midpoints yet far off in between. The points are corners of the next two subdivisions, so none is wasted.
 */
function probePoints([x0, y0, x1, y1]: Quad): Point[] {
  const pts: Point[] = [];
  for (let b = 0; b <= 4; b++) {
    const y = b === 4 ? y1 : y0 + Math.floor(((y1 - y0) * b) / 4);
    for (let a = 0; a <= 4; a++) pts.push([a === 4 ? x1 : x0 + Math.floor(((x1 - x0) * a) / 4), y]);
  }
  return pts;
}

/**
 * Largest deviation (in destination px) of the bilinear mesh from the true mapping at the probe points; NaN
 * when no probe point maps at all (the quad lies outside the projection's domain and stays transparent).
 */
function quadError(q: Quad, at: (x: number, y: number) => Point): number {
  const [x0, y0, x1, y1] = q;
  const probes = probePoints(q);
  if (probes.every(([x, y]) => !isFiniteAt(at(x, y)))) return NaN;
  const a = at(x0, y0), b = at(x1, y0), c = at(x0, y1), d = at(x1, y1);
  if (![a, b, c, d].every(isFiniteAt)) return Infinity;
  const w = x1 - x0;
  const h = y1 - y0;
  if (w <= 1 && h <= 1) return 0;
  // The quad's mean Jacobian (source px per destination px along each destination axis); its inverse turns a
  // source-px error into destination px per axis, so a strongly stretched axis (mercator near the poles) is
  // not judged by the other axis' scale.
  const jxx = (b[0] - a[0]) / w, jyx = (b[1] - a[1]) / w;
  const jxy = (c[0] - a[0]) / h, jyy = (c[1] - a[1]) / h;
  const det = jxx * jyy - jxy * jyx;
  if (!(Math.abs(det) > 0)) return Infinity;
  let err = 0;
  for (const [x, y] of probes) {
    const t = at(x, y);
    if (!isFiniteAt(t)) return Infinity;
    const s = (x - x0) / w;
    const u = (y - y0) / h;
    const ex = (1 - s) * (1 - u) * a[0] + s * (1 - u) * b[0] + (1 - s) * u * c[0] + s * u * d[0] - t[0];
    const ey = (1 - s) * (1 - u) * a[1] + s * (1 - u) * b[1] + (1 - s) * u * c[1] + s * u * d[1] - t[1];
    err = Math.max(err, Math.abs((jyy * ex - jxy * ey) / det), Math.abs((-jyx * ex + jxx * ey) / det));
  }
  return err;
}

const isFiniteAt = (p: Point) => Number.isFinite(p[0]) && Number.isFinite(p[1]);

/** MapProxy's divide_quad: halve only the long side of elongated quads, else quarter. */
function divideQuad([x0, y0, x1, y1]: Quad): Quad[] {
  const w = x1 - x0;
  const h = y1 - y0;
  const xc = Math.floor(x0 + w / 2);
  const yc = Math.floor(y0 + h / 2);
  if (w > 2 * h || h <= 1) return [[x0, y0, xc, y1], [xc, y0, x1, y1]];
  if (h > 2 * w || w <= 1) return [[x0, y0, x1, yc], [x0, yc, x1, y1]];
  return [[x0, y0, xc, yc], [xc, y0, x1, yc], [x0, yc, xc, y1], [xc, yc, x1, y1]];
}

/**
 * Per-pixel exact source positions for the small quads at the edge of the projection's domain, where no mesh
 * is accurate (POINT_DOUBLES per pixel; NaN where the mapping fails).
 */
function exactPoints(
  quads: readonly Quad[], src: { width: number; height: number }, srcBBox: BBox, dstBBox: BBox, dstSize: Size, dstToSrc: (pts: Point[]) => Point[],
): Float64Array {
  const dstResX = (dstBBox[2] - dstBBox[0]) / dstSize[0];
  const dstResY = (dstBBox[3] - dstBBox[1]) / dstSize[1];
  const srcResX = (srcBBox[2] - srcBBox[0]) / src.width;
  const srcResY = (srcBBox[3] - srcBBox[1]) / src.height;
  const pixels: Point[] = [];
  const world: Point[] = [];
  for (const [x0, y0, x1, y1] of quads) {
    for (let j = y0; j < y1; j++) {
      for (let i = x0; i < x1; i++) {
        pixels.push([i, j]);
        world.push([dstBBox[0] + (i + 0.5) * dstResX, dstBBox[3] - (j + 0.5) * dstResY]);
      }
    }
  }
  const res = world.length ? safeTransform(dstToSrc, world) : [];
  const out = new Float64Array(pixels.length * POINT_DOUBLES);
  pixels.forEach(([i, j], k) => {
    const [wx, wy] = res[k]!;
    out.set([i, j, (wx - srcBBox[0]) / srcResX, (srcBBox[3] - wy) / srcResY], k * POINT_DOUBLES);
  });
  return out;
}
