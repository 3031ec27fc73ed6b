import type { BBox, Point, Size } from '../geo/bbox.js';
import { LITTLE_ENDIAN, wordView } from './pixel-words.js';
import { emptyRaw, type RawImage, type Resampling } from './raw-image.js';
import { bilerpOpaque, cubicWeight, makeSampler, makeSpanSampler, type SpanSampler, W_ONE as SPAN_W_ONE, writePremultiplied } from './sample.js';
import { cropImage } from './split.js';

/**
 * Cut `dstBBox` out of `src` (covering `srcBBox`, same SRS) and scale it to `dstSize` (MapProxy's
 * ImageTransformer._transform_simple): every destination pixel centre is mapped linearly into the source, so
 * fractional offsets of unaligned tiles are honoured. Outside the source the result is transparent.
 */
export function resample(src: RawImage, srcBBox: BBox, dstBBox: BBox, dstSize: Size, method: Resampling = 'bicubic'): RawImage {
  const [dw, dh] = dstSize;
  const srcResX = (srcBBox[2] - srcBBox[0]) / src.width;
  const srcResY = (srcBBox[3] - srcBBox[1]) / src.height;
  const dstResX = (dstBBox[2] - dstBBox[0]) / dw;
  const dstResY = (dstBBox[3] - dstBBox[1]) / dh;

  // Same resolution (to a tenth of a pixel over the whole image): a plain crop, as MapProxy rounds it.
  if (Math.abs(srcResX - dstResX) * dw < 0.1 * Math.abs(dstResX) && Math.abs(srcResY - dstResY) * dh < 0.1 * Math.abs(dstResY)) {
    const x = Math.round((dstBBox[0] - srcBBox[0]) / srcResX);
    const y = Math.round((srcBBox[3] - dstBBox[3]) / srcResY);
    return cropImage(src, [x, y], dstSize, { transparent: true });
  }

  // Source pixel coordinate of each destination column/row centre.
  const xs = new Float64Array(dw);
  const ys = new Float64Array(dh);
  for (let i = 0; i < dw; i++) xs[i] = (dstBBox[0] + (i + 0.5) * dstResX - srcBBox[0]) / srcResX;
  for (let j = 0; j < dh; j++) ys[j] = (srcBBox[3] - (dstBBox[3] - (j + 0.5) * dstResY)) / srcResY;

  return method === 'nearest' ? resampleNearest(src, xs, ys) : resampleSeparable(src, xs, ys, method === 'bilinear' ? 2 : 4);
}

function resampleNearest(src: RawImage, xs: Float64Array, ys: Float64Array): RawImage {
  const dw = xs.length;
  const dh = ys.length;
  const out = emptyRaw(dw, dh);
  const col = new Int32Array(dw);
  for (let i = 0; i < dw; i++) col[i] = xs[i]! >= 0 && xs[i]! < src.width ? Math.floor(xs[i]!) : -1;
  const s = src.data;
  const d = out.data;
  const s32 = wordView(s);
  const d32 = wordView(d);
  for (let j = 0; j < dh; j++) {
    const sy = ys[j]!;
    if (!(sy >= 0 && sy < src.height)) continue;
    const srow = Math.floor(sy) * src.width;
    const drow = j * dw;
    if (s32 && d32) {
      for (let i = 0; i < dw; i++) if (col[i]! >= 0) d32[drow + i] = s32[srow + col[i]!]!;
    } else {
      for (let i = 0; i < dw; i++) {
        if (col[i]! < 0) continue;
        const si = (srow + col[i]!) * 4;
        s.copy(d, (drow + i) * 4, si, si + 4);
      }
    }
  }
  return out;
}

function taps1D(pos: Float64Array, n: number, taps: number): { idx: Int32Array; w: Float64Array; valid: Uint8Array } {
  const len = pos.length;
  const idx = new Int32Array(len * taps);
  const w = new Float64Array(len * taps);
  const valid = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    const p = pos[i]!;
    valid[i] = p >= 0 && p < n ? 1 : 0;
    const u = p - 0.5;
    const f = Math.floor(u);
    for (let k = 0; k < taps; k++) {
      const si = taps === 2 ? f + k : f - 1 + k;
      idx[i * taps + k] = si < 0 ? 0 : si >= n ? n - 1 : si;
      w[i * taps + k] = taps === 2 ? (k === 0 ? 1 - (u - f) : u - f) : cubicWeight(u - si);
    }
  }
  return { idx, w, valid };
}

/**
 * Two passes (rows, then columns): taps·(rows + cols) work instead of taps². Horizontally filtered source rows
 * live in a ring of `taps` rows, filled on demand as the destination rows move down the source, so memory stays
 * O(taps·width) however large the image, and source rows no destination row needs are never filtered.
 */
function resampleSeparable(src: RawImage, xs: Float64Array, ys: Float64Array, taps: number): RawImage {
  const dw = xs.length;
  const dh = ys.length;
  const X = taps1D(xs, src.width, taps);
  const Y = taps1D(ys, src.height, taps);
  const out = emptyRaw(dw, dh);
  let rmin = Infinity;
  let rmax = -Infinity;
  for (let j = 0; j < dh; j++) {
    if (!Y.valid[j]) continue;
    for (let k = j * taps; k < (j + 1) * taps; k++) {
      rmin = Math.min(rmin, Y.idx[k]!);
      rmax = Math.max(rmax, Y.idx[k]!);
    }
  }
  if (rmin > rmax) return out;
  const s32 = wordView(src.data);
  const d32 = wordView(out.data);
  if (s32 && d32 && LITTLE_ENDIAN) {
    const done = taps === 2 ? bilinearOpaque(s32, src.width, X, Y, d32) : bicubicOpaque(s32, src.width, X, Y, d32);
    if (done) return out;
  }
  out.data.fill(0);
  resamplePremultiplied(src, X, Y, taps, out);
  return out;
}

type Taps = ReturnType<typeof taps1D>;

/** Fixed-point weights as 1.14 integers (as PIL does): integer arithmetic is several times faster here. */
const W_BITS = 14;
const W_ONE = 1 << W_BITS;
/** Horizontally filtered values keep 8 fractional bits, so the vertical sum still fits in 31 bits. */
const H_SHIFT = W_BITS - 8;
const V_SHIFT = W_BITS + 8;

/** Integer weights per destination position, each group corrected to sum exactly to W_ONE (flat areas stay exact). */
function fixedWeights(w: Float64Array, taps: number): Int32Array {
  const out = new Int32Array(w.length);
  for (let t = 0; t < w.length; t += taps) {
    let sum = 0;
    let big = t;
    for (let k = t; k < t + taps; k++) {
      out[k] = Math.round(w[k]! * W_ONE);
      sum += out[k]!;
      if (w[k]! > w[big]!) big = k;
    }
    out[big] += W_ONE - sum;
  }
  return out;
}

/**
 * Bicubic on opaque sources (most cached tiles), in two passes: three channels from one 32-bit load per tap, fixed-point weights, no
 * premultiplication. Returns false, leaving `d32` partly written, as soon as a source pixel it reads is not
 * opaque: checking only the pixels read is cheaper than scanning the source first.
 * Destination pixels outside the source stay transparent, as in the general path.
 */
function bicubicOpaque(s32: Uint32Array, sw: number, X: Taps, Y: Taps, d32: Uint32Array): boolean {
  const taps = 4;
  const dw = X.valid.length;
  const dh = Y.valid.length;
  const xIdx = X.idx;
  const xW = fixedWeights(X.w, taps);
  const xValid = X.valid;
  const yIdx = Y.idx;
  const yW = fixedWeights(Y.w, taps);
  const rowLen = dw * 3;
  const ring = new Int32Array(taps * rowLen);
  const ringRow = new Int32Array(taps).fill(-1);
  const vhalf = 1 << (V_SHIFT - 1);
  const bases = new Int32Array(taps);
  for (let j = 0; j < dh; j++) {
    if (Y.valid[j] === 0) continue;
    for (let k = 0; k < taps; k++) {
      const r = yIdx[j * taps + k]!;
      const slot = r % taps;
      if (ringRow[slot] !== r) {
        // Columns outside the source get filtered too (clamped taps) and are simply never written out.
        if (!filterRow4(s32, r * sw, xIdx, xW, dw, ring, slot * rowLen)) return false;
        ringRow[slot] = r;
      }
      bases[k] = slot * rowLen;
    }
    const o = j * dw;
    const w0 = yW[j * taps]!, w1 = yW[j * taps + 1]!;
    const b0 = bases[0]!, b1 = bases[1]!;
    const w2 = yW[j * taps + 2]!, w3 = yW[j * taps + 3]!;
    const b2 = bases[2]!, b3 = bases[3]!;
    for (let i = 0, c = 0; i < dw; i++, c += 3) {
      if (xValid[i] === 0) continue;
      const r = (w0 * ring[b0 + c]! + w1 * ring[b1 + c]! + w2 * ring[b2 + c]! + w3 * ring[b3 + c]! + vhalf) >> V_SHIFT;
      const g = (w0 * ring[b0 + c + 1]! + w1 * ring[b1 + c + 1]! + w2 * ring[b2 + c + 1]! + w3 * ring[b3 + c + 1]! + vhalf) >> V_SHIFT;
      const b = (w0 * ring[b0 + c + 2]! + w1 * ring[b1 + c + 2]! + w2 * ring[b2 + c + 2]! + w3 * ring[b3 + c + 2]! + vhalf) >> V_SHIFT;
      d32[o + i] = packOpaque(r, g, b);
    }
  }
  return true;
}

const H_HALF = 1 << (H_SHIFT - 1);

/**
 * Bilinear on opaque sources, per destination pixel rather than in two passes: map images are mostly flat, and a
 * pixel whose four taps are one colour is copied without arithmetic. Returns false, leaving `d32` partly written,
 * as soon as a tap is not opaque (the general path then redoes the image).
 */
function bilinearOpaque(s32: Uint32Array, sw: number, X: Taps, Y: Taps, d32: Uint32Array): boolean {
  const dw = X.valid.length;
  const dh = Y.valid.length;
  const xIdx = X.idx;
  const xValid = X.valid;
  const xw1 = new Int32Array(dw);
  for (let i = 0; i < dw; i++) xw1[i] = Math.round(X.w[i * 2 + 1]! * SPAN_W_ONE);
  for (let j = 0; j < dh; j++) {
    if (Y.valid[j] === 0) continue;
    const r0 = Y.idx[j * 2]! * sw;
    const r1 = Y.idx[j * 2 + 1]! * sw;
    const y1 = Math.round(Y.w[j * 2 + 1]! * SPAN_W_ONE);
    const y0 = SPAN_W_ONE - y1;
    const o = j * dw;
    for (let i = 0; i < dw; i++) {
      if (xValid[i] === 0) continue;
      const c0 = xIdx[i * 2]!;
      const c1 = xIdx[i * 2 + 1]!;
      const a0 = s32[r0 + c0]! | 0, a1 = s32[r0 + c1]! | 0, b0 = s32[r1 + c0]! | 0, b1 = s32[r1 + c1]! | 0;
      if ((a0 & a1 & b0 & b1) >>> 24 !== 0xff) return false;
      if (a0 === a1 && a0 === b0 && a0 === b1) {
        d32[o + i] = a0;
        continue;
      }
      const x1 = xw1[i]!;
      const x0 = SPAN_W_ONE - x1;
      d32[o + i] = bilerpOpaque(a0, a1, b0, b1, x0, x1, y0, y1);
    }
  }
  return true;
}

/**
 * One source row through the 4-tap horizontal filter into `ring` at `ti` (3 values per destination column).
 * Returns whether every pixel read was opaque.
 */
function filterRow4(s32: Uint32Array, rowBase: number, xIdx: Int32Array, xW: Int32Array, dw: number, ring: Int32Array, ti: number): boolean {
  let all = 0xffffffff | 0;
  for (let i = 0, t = 0; i < dw; i++, t += 4, ti += 3) {
    const v0 = s32[rowBase + xIdx[t]!]!;
    const v1 = s32[rowBase + xIdx[t + 1]!]!;
    const v2 = s32[rowBase + xIdx[t + 2]!]!;
    const v3 = s32[rowBase + xIdx[t + 3]!]!;
    all &= v0 & v1 & v2 & v3;
    const w0 = xW[t]!, w1 = xW[t + 1]!, w2 = xW[t + 2]!, w3 = xW[t + 3]!;
    ring[ti] = (w0 * (v0 & 0xff) + w1 * (v1 & 0xff) + w2 * (v2 & 0xff) + w3 * (v3 & 0xff) + H_HALF) >> H_SHIFT;
    ring[ti + 1] =
      (w0 * ((v0 >>> 8) & 0xff) + w1 * ((v1 >>> 8) & 0xff) + w2 * ((v2 >>> 8) & 0xff) + w3 * ((v3 >>> 8) & 0xff) + H_HALF) >> H_SHIFT;
    ring[ti + 2] =
      (w0 * ((v0 >>> 16) & 0xff) + w1 * ((v1 >>> 16) & 0xff) + w2 * ((v2 >>> 16) & 0xff) + w3 * ((v3 >>> 16) & 0xff) + H_HALF) >> H_SHIFT;
  }
  return all >>> 24 === 0xff;
}

/** General sources: interpolation on premultiplied colour (alpha 0..255, colour·alpha), computed per tap. */
function resamplePremultiplied(src: RawImage, X: Taps, Y: Taps, taps: number, out: RawImage): void {
  const dw = X.valid.length;
  const dh = Y.valid.length;
  const sw = src.width;
  const s = src.data;
  const xIdx = X.idx;
  const xW = X.w;
  const xValid = X.valid;
  const rowLen = dw * 4;
  const ring = new Float32Array(taps * rowLen);
  const ringRow = new Int32Array(taps).fill(-1);
  const filterRow = (r: number, slot: number): void => {
    const rowBase = r * sw * 4;
    for (let i = 0, t = 0, ti = slot * rowLen; i < dw; i++, t += taps, ti += 4) {
      if (xValid[i] === 0) continue;
      let cr = 0, cg = 0, cb = 0, ca = 0;
      for (let k = t, end = t + taps; k < end; k++) {
        const si = rowBase + xIdx[k]! * 4;
        const a = s[si + 3]!;
        // Rounded to float32 like the premultiplied copy this replaces, so results do not change.
        const wk = xW[k]!;
        cr += wk * Math.fround(s[si]! * a);
        cg += wk * Math.fround(s[si + 1]! * a);
        cb += wk * Math.fround(s[si + 2]! * a);
        ca += wk * a;
      }
      ring[ti] = cr;
      ring[ti + 1] = cg;
      ring[ti + 2] = cb;
      ring[ti + 3] = ca;
    }
    ringRow[slot] = r;
  };
  const d = out.data;
  const acc = new Float64Array(rowLen);
  for (let j = 0; j < dh; j++) {
    if (!Y.valid[j]) continue;
    acc.fill(0);
    for (let k = j * taps; k < (j + 1) * taps; k++) {
      const r = Y.idx[k]!;
      const slot = r % taps;
      if (ringRow[slot] !== r) filterRow(r, slot);
      const base = slot * rowLen;
      const wk = Y.w[k]!;
      for (let c = 0; c < rowLen; c++) acc[c] += wk * ring[base + c]!;
    }
    const rowOut = j * rowLen;
    for (let i = 0, c = 0; i < dw; i++, c += 4) {
      if (!xValid[i]) continue;
      writePremultiplied(d, rowOut + c, acc[c]!, acc[c + 1]!, acc[c + 2]!, acc[c + 3]!);
    }
  }
}

/** Clamped integer channels as one little-endian RGBA word with alpha 255. */
function packOpaque(r: number, g: number, b: number): number {
  const ri = r < 0 ? 0 : r > 255 ? 255 : r;
  const gi = g < 0 ? 0 : g > 255 ? 255 : g;
  const bi = b < 0 ? 0 : b > 255 ? 255 : b;
  // An int32 (no `>>> 0`): storing it into a Uint32Array wraps it, and V8 keeps the loop in integers.
  return 0xff000000 | (bi << 16) | (gi << 8) | ri;
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
 */
export function warp(
  src: RawImage,
  srcBBox: BBox,
  dstBBox: BBox,
  dstSize: Size,
  dstToSrc: (pts: Point[]) => Point[],
  method: Resampling = 'bicubic',
  opts: WarpOptions = {},
): RawImage {
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
      const small = q[2] - q[0] <= minQuad && q[3] - q[1] <= minQuad;
      if (verdict <= maxErr) accepted.push(q);
      else if (small) (Number.isFinite(verdict) ? accepted : exact).push(q);
      else next.push(...divideQuad(q));
    }
    level = next;
  }

  const out = emptyRaw(dw, dh);
  const span = makeSpanSampler(src, method);
  for (const q of accepted) fillQuad(q, at, span, out);
  const sample = makeSampler(src, method);
  for (const q of exact) fillExact(q, src, srcBBox, dstBBox, dstSize, dstToSrc, sample, out);
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

/** Largest deviation (in destination px) of the bilinear mesh from the true mapping at the probe points. */
function quadError(q: Quad, at: (x: number, y: number) => Point): number {
  const [x0, y0, x1, y1] = q;
  const a = at(x0, y0), b = at(x1, y0), c = at(x0, y1), d = at(x1, y1);
  const all = [a, b, c, d];
  if (all.some((p) => !Number.isFinite(p[0]) || !Number.isFinite(p[1]))) return Infinity;
  const w = x1 - x0;
  const h = y1 - y0;
  if (w <= 1 && h <= 1) return 0;
  // Source px per destination px, the smaller of both axes: converts a source-px error to destination px.
  const sx = Math.hypot(b[0] - a[0], b[1] - a[1]) / w;
  const sy = Math.hypot(c[0] - a[0], c[1] - a[1]) / h;
  const scale = Math.min(sx, sy);
  if (!(scale > 0)) return Infinity;
  let err = 0;
  for (const [x, y] of probePoints(q)) {
    const t = at(x, y);
    if (!Number.isFinite(t[0]) || !Number.isFinite(t[1])) return Infinity;
    const s = (x - x0) / w;
    const u = (y - y0) / h;
    const ex = (1 - s) * (1 - u) * a[0] + s * (1 - u) * b[0] + (1 - s) * u * c[0] + s * u * d[0];
    const ey = (1 - s) * (1 - u) * a[1] + s * (1 - u) * b[1] + (1 - s) * u * c[1] + s * u * d[1];
    err = Math.max(err, Math.abs(ex - t[0]), Math.abs(ey - t[1]));
  }
  return err / scale;
}

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

/** Fill a quad's pixels by bilinear interpolation of the corner mapping, stepping linearly along each row. */
function fillQuad(q: Quad, at: (x: number, y: number) => Point, span: SpanSampler, out: RawImage): void {
  const [x0, y0, x1, y1] = q;
  const a = at(x0, y0), b = at(x1, y0), c = at(x0, y1), d = at(x1, y1);
  const w = x1 - x0;
  const h = y1 - y0;
  const ow = out.width;
  for (let j = y0; j < y1; j++) {
    const t = (j + 0.5 - y0) / h;
    const lx = a[0] + (c[0] - a[0]) * t, ly = a[1] + (c[1] - a[1]) * t;
    const rx = b[0] + (d[0] - b[0]) * t, ry = b[1] + (d[1] - b[1]) * t;
    const stepX = (rx - lx) / w, stepY = (ry - ly) / w;
    span(lx + stepX * 0.5, ly + stepY * 0.5, stepX, stepY, w, out.data, (j * ow + x0) * 4);
  }
}

/** Per-pixel exact mapping for small quads at the edge of the projection's domain. */
function fillExact(
  q: Quad, src: RawImage, srcBBox: BBox, dstBBox: BBox, dstSize: Size,
  dstToSrc: (pts: Point[]) => Point[], sample: ReturnType<typeof makeSampler>, out: RawImage,
): void {
  const [x0, y0, x1, y1] = q;
  const dstResX = (dstBBox[2] - dstBBox[0]) / dstSize[0];
  const dstResY = (dstBBox[3] - dstBBox[1]) / dstSize[1];
  const srcResX = (srcBBox[2] - srcBBox[0]) / src.width;
  const srcResY = (srcBBox[3] - srcBBox[1]) / src.height;
  const pts: Point[] = [];
  for (let j = y0; j < y1; j++) for (let i = x0; i < x1; i++) pts.push([dstBBox[0] + (i + 0.5) * dstResX, dstBBox[3] - (j + 0.5) * dstResY]);
  const res = safeTransform(dstToSrc, pts);
  let k = 0;
  for (let j = y0; j < y1; j++) {
    for (let i = x0; i < x1; i++, k++) {
      const [wx, wy] = res[k]!;
      if (!Number.isFinite(wx) || !Number.isFinite(wy)) continue;
      sample((wx - srcBBox[0]) / srcResX, (srcBBox[3] - wy) / srcResY, out.data, (j * out.width + i) * 4);
    }
  }
}
