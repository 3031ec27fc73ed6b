import { LITTLE_ENDIAN, wordView } from './pixel-words.js';
import type { RawImage, Resampling } from './raw-image.js';

/**
 * Point sampling of RGBA pixels at continuous source pixel coordinates (pixel i spans [i, i+1)).
 * Interpolation works on premultiplied alpha so transparent pixels do not bleed their colour.
 * Positions outside the source leave the destination pixel untouched (transparent on a zeroed buffer).
 */
export type PixelSampler = (sx: number, sy: number, out: Buffer, oi: number) => void;

/** PIL's bicubic kernel (a = -0.5). */
export function cubicWeight(x: number): number {
  const ax = Math.abs(x);
  if (ax < 1) return (1.5 * ax - 2.5) * ax * ax + 1;
  if (ax < 2) return ((-0.5 * ax + 2.5) * ax - 4) * ax + 2;
  return 0;
}

export function makeSampler(src: RawImage, method: Resampling): PixelSampler {
  const { width: w, height: h, data: s } = src;
  if (method === 'nearest') {
    return (sx, sy, out, oi) => {
      if (!(sx >= 0 && sx < w && sy >= 0 && sy < h)) return;
      const si = (Math.floor(sy) * w + Math.floor(sx)) * 4;
      out[oi] = s[si]!;
      out[oi + 1] = s[si + 1]!;
      out[oi + 2] = s[si + 2]!;
      out[oi + 3] = s[si + 3]!;
    };
  }
  const taps = method === 'bilinear' ? 2 : 4;
  const wx = new Float64Array(4);
  const wy = new Float64Array(4);
  const ix = new Int32Array(4);
  const iy = new Int32Array(4);
  return (sx, sy, out, oi) => {
    if (!(sx >= 0 && sx < w && sy >= 0 && sy < h)) return;
    const u = sx - 0.5;
    const v = sy - 0.5;
    const fu = Math.floor(u);
    const fv = Math.floor(v);
    if (taps === 2) {
      const tu = u - fu;
      const tv = v - fv;
      wx[0] = 1 - tu; wx[1] = tu;
      wy[0] = 1 - tv; wy[1] = tv;
      ix[0] = fu < 0 ? 0 : fu; ix[1] = fu + 1 >= w ? w - 1 : fu + 1;
      iy[0] = fv < 0 ? 0 : fv; iy[1] = fv + 1 >= h ? h - 1 : fv + 1;
    } else {
      for (let k = 0; k < 4; k++) {
        const px = fu - 1 + k;
        const py = fv - 1 + k;
        wx[k] = cubicWeight(u - px);
        wy[k] = cubicWeight(v - py);
        ix[k] = px < 0 ? 0 : px >= w ? w - 1 : px;
        iy[k] = py < 0 ? 0 : py >= h ? h - 1 : py;
      }
    }
    let r = 0, g = 0, b = 0, a = 0;
    for (let ky = 0; ky < taps; ky++) {
      const row = iy[ky]! * w;
      const wyk = wy[ky]!;
      for (let kx = 0; kx < taps; kx++) {
        const si = (row + ix[kx]!) * 4;
        const wa = wyk * wx[kx]! * s[si + 3]!;
        r += wa * s[si]!;
        g += wa * s[si + 1]!;
        b += wa * s[si + 2]!;
        a += wa;
      }
    }
    writePremultiplied(out, oi, r, g, b, a);
  };
}

/** Store premultiplied sums (colour·alpha, alpha in 0..255 units) as straight RGBA, clamped. */
export function writePremultiplied(out: Buffer | Uint8Array, oi: number, r: number, g: number, b: number, a: number): void {
  if (a <= 0.5) {
    out[oi] = out[oi + 1] = out[oi + 2] = out[oi + 3] = 0;
    return;
  }
  const inv = 1 / a;
  out[oi] = clamp8(r * inv);
  out[oi + 1] = clamp8(g * inv);
  out[oi + 2] = clamp8(b * inv);
  out[oi + 3] = clamp8(a);
}

function clamp8(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/**
 * Sampling of a whole destination span at once: `n` pixels written to `out` from byte offset `oi` on, the
 * i-th sampled at source position (sx + i·dx, sy + i·dy). Warping calls this per row of a mesh quad, where the
 * mapping is affine, instead of a closure per pixel.
 */
export type SpanSampler = (sx: number, sy: number, dx: number, dy: number, n: number, out: Buffer, oi: number) => void;

/** Per-axis fixed-point weights (1.12); row sums drop 4 bits so the 2-D sum fits in 31 bits. */
const W_BITS = 12;
/** Weights of `bilerp` are integers summing to this. */
export const W_ONE = 1 << W_BITS;
const ROW_SHIFT = 4;
const OUT_SHIFT = 2 * W_BITS - ROW_SHIFT;
const ROW_HALF = 1 << (ROW_SHIFT - 1);
const OUT_HALF = 1 << (OUT_SHIFT - 1);

/**
 * PIL's bicubic (a = -0.5) weights in fixed point for the taps at distances 1+t, t, 1-t, 2-t, for t in steps
 * of 1/LUT_STEPS (positions are truncated to a step: an error below 1/1024 px), each group summing exactly to W_ONE.
 */
const LUT_STEPS = 1024;
const CUBIC_LUT = (() => {
  const lut = new Int32Array((LUT_STEPS + 1) * 4);
  for (let i = 0; i <= LUT_STEPS; i++) {
    const t = i / LUT_STEPS;
    const w0 = Math.round(cubicWeight(1 + t) * W_ONE);
    const w1 = Math.round(cubicWeight(t) * W_ONE);
    const w3 = Math.round(cubicWeight(2 - t) * W_ONE);
    lut.set([w0, w1, W_ONE - w0 - w1 - w3, w3], i * 4);
  }
  return lut;
})();

/**
 * Fast path for pixels whose taps are all inside the source and opaque (the common case for cached map tiles):
 * 32-bit loads, integer arithmetic, no premultiplication. Every other pixel goes through `makeSampler`, so
 * borders and transparency behave exactly as there.
 */
export function makeSpanSampler(src: RawImage, method: Resampling): SpanSampler {
  const { width: w, height: h, data } = src;
  const general = makeSampler(src, method);
  const s32 = LITTLE_ENDIAN ? wordView(data) : null;
  const slow: SpanSampler = (sx, sy, dx, dy, n, out, oi) => {
    for (let i = 0; i < n; i++, sx += dx, sy += dy, oi += 4) general(sx, sy, out, oi);
  };
  if (!s32) return slow;
  if (method === 'nearest') {
    return (sx, sy, dx, dy, n, out, oi) => {
      for (let i = 0; i < n; i++, sx += dx, sy += dy, oi += 4) {
        if (!(sx >= 0 && sx < w && sy >= 0 && sy < h)) continue;
        const v = s32[Math.floor(sy) * w + Math.floor(sx)]!;
        out[oi] = v & 0xff;
        out[oi + 1] = (v >>> 8) & 0xff;
        out[oi + 2] = (v >>> 16) & 0xff;
        out[oi + 3] = v >>> 24;
      }
    };
  }
  if (method === 'bilinear') {
    const out32Of = lastWordView();
    return (sx, sy, dx, dy, n, out, oi) => {
      const o32 = out32Of(out);
      const ex = sx + n * dx;
      const ey = sy + n * dy;
      // Positions in 16.16 fixed point while they fit comfortably in 31 bits (sources below 16 000 px).
      const fits = o32 !== null && Math.max(Math.abs(sx), Math.abs(ex), Math.abs(sy), Math.abs(ey)) < FIX_LIMIT;
      if (!fits) {
        for (let i = 0; i < n; i++, sx += dx, sy += dy, oi += 4) general(sx, sy, out, oi);
        return;
      }
      bilinearSpanFixed(s32, w, h, general, sx, sy, dx, dy, n, out, o32!, oi);
    };
  }
  return (sx, sy, dx, dy, n, out, oi) => bicubicSpan(s32, w, h, general, sx, sy, dx, dy, n, out, oi);
}

const FIX_ONE = 1 << 16;
const FIX_LIMIT = 16_000;

/**
 * The bilinear span in integers: source positions step in 16.16 fixed point (floor is a shift, and V8 keeps
 * every value in int32 registers), weights are the top 12 fraction bits. Pixels whose taps leave the source
 * or are not opaque go through the general sampler at the same position.
 */
function bilinearSpanFixed(
  s32: Uint32Array, w: number, h: number, general: PixelSampler,
  sx: number, sy: number, dx: number, dy: number, n: number, out: Buffer, o32: Uint32Array, oi: number,
): void {
  let X = Math.round((sx - 0.5) * FIX_ONE);
  let Y = Math.round((sy - 0.5) * FIX_ONE);
  const DX = Math.round(dx * FIX_ONE);
  const DY = Math.round(dy * FIX_ONE);
  const wl = w - 1;
  const hl = h - 1;
  for (let i = 0, o = oi >> 2; i < n; i++, X += DX, Y += DY, o++) {
    const fu = X >> 16;
    const fv = Y >> 16;
    if (fu < 0 || fu >= wl || fv < 0 || fv >= hl) {
      // Near or beyond the edge: the general sampler decides (it leaves pixels outside untouched).
      general(X / FIX_ONE + 0.5, Y / FIX_ONE + 0.5, out, o << 2);
      continue;
    }
    const p = fv * w + fu;
    const a0 = s32[p]! | 0, a1 = s32[p + 1]! | 0, b0 = s32[p + w]! | 0, b1 = s32[p + w + 1]! | 0;
    // Flat areas (most of a map): all four taps equal, nothing to interpolate.
    if (a0 === a1 && a0 === b0 && a0 === b1 && a0 >>> 24 === 0xff) {
      o32[o] = a0;
      continue;
    }
    if ((a0 & a1 & b0 & b1) >>> 24 !== 0xff) {
      general(X / FIX_ONE + 0.5, Y / FIX_ONE + 0.5, out, o << 2);
      continue;
    }
    const x1 = (X >> 4) & 0xfff;
    const x0 = W_ONE - x1;
    const y1 = (Y >> 4) & 0xfff;
    const y0 = W_ONE - y1;
    o32[o] = bilerpOpaque(a0, a1, b0, b1, x0, x1, y0, y1);
  }
}

function bicubicSpan(
  s32: Uint32Array, w: number, h: number, general: PixelSampler,
  sx: number, sy: number, dx: number, dy: number, n: number, out: Buffer, oi: number,
): void {
  if (Math.max(Math.abs(sx), Math.abs(sx + n * dx), Math.abs(sy), Math.abs(sy + n * dy)) >= FIX_LIMIT) {
    for (let i = 0; i < n; i++, sx += dx, sy += dy, oi += 4) general(sx, sy, out, oi);
    return;
  }
  // Fixed-point positions as in bilinearSpanFixed.
  let X = Math.round((sx - 0.5) * FIX_ONE);
  let Y = Math.round((sy - 0.5) * FIX_ONE);
  const DX = Math.round(dx * FIX_ONE);
  const DY = Math.round(dy * FIX_ONE);
  for (let i = 0; i < n; i++, X += DX, Y += DY, oi += 4) {
    const fu = X >> 16;
    const fv = Y >> 16;
    if (fu < 1 || fu + 2 >= w || fv < 1 || fv + 2 >= h) {
      general(X / FIX_ONE + 0.5, Y / FIX_ONE + 0.5, out, oi);
      continue;
    }
    const p0 = (fv - 1) * w + fu - 1;
    const p1 = p0 + w;
    const p2 = p1 + w;
    const p3 = p2 + w;
    const a0 = s32[p0]!, a1 = s32[p0 + 1]!, a2 = s32[p0 + 2]!, a3 = s32[p0 + 3]!;
    const b0 = s32[p1]!, b1 = s32[p1 + 1]!, b2 = s32[p1 + 2]!, b3 = s32[p1 + 3]!;
    const c0 = s32[p2]!, c1 = s32[p2 + 1]!, c2 = s32[p2 + 2]!, c3 = s32[p2 + 3]!;
    const d0 = s32[p3]!, d1 = s32[p3 + 1]!, d2 = s32[p3 + 2]!, d3 = s32[p3 + 3]!;
    if ((a0 & a1 & a2 & a3 & b0 & b1 & b2 & b3 & c0 & c1 & c2 & c3 & d0 & d1 & d2 & d3) >>> 24 !== 0xff) {
      general(X / FIX_ONE + 0.5, Y / FIX_ONE + 0.5, out, oi);
      continue;
    }
    const tx = ((X & 0xffff) >> 6) << 2;
    const x0 = CUBIC_LUT[tx]!, x1 = CUBIC_LUT[tx + 1]!, x2 = CUBIC_LUT[tx + 2]!, x3 = CUBIC_LUT[tx + 3]!;
    const ty = ((Y & 0xffff) >> 6) << 2;
    const y0 = CUBIC_LUT[ty]!, y1 = CUBIC_LUT[ty + 1]!, y2 = CUBIC_LUT[ty + 2]!, y3 = CUBIC_LUT[ty + 3]!;
    // Per channel: four horizontal row sums (dropping ROW_SHIFT bits), then the vertical sum. Written out
    // because a loop over channels with a variable shift measured clearly slower.
    out[oi + 0] = clampByte((y0 * ((x0 * (a0 & 0xff) + x1 * (a1 & 0xff) + x2 * (a2 & 0xff) + x3 * (a3 & 0xff) + ROW_HALF) >> ROW_SHIFT) + y1 * ((x0 * (b0 & 0xff) + x1 * (b1 & 0xff) + x2 * (b2 & 0xff) + x3 * (b3 & 0xff) + ROW_HALF) >> ROW_SHIFT) +
      y2 * ((x0 * (c0 & 0xff) + x1 * (c1 & 0xff) + x2 * (c2 & 0xff) + x3 * (c3 & 0xff) + ROW_HALF) >> ROW_SHIFT) + y3 * ((x0 * (d0 & 0xff) + x1 * (d1 & 0xff) + x2 * (d2 & 0xff) + x3 * (d3 & 0xff) + ROW_HALF) >> ROW_SHIFT) + OUT_HALF) >> OUT_SHIFT);
    out[oi + 1] = clampByte((y0 * ((x0 * ((a0 >>> 8) & 0xff) + x1 * ((a1 >>> 8) & 0xff) + x2 * ((a2 >>> 8) & 0xff) + x3 * ((a3 >>> 8) & 0xff) + ROW_HALF) >> ROW_SHIFT) + y1 * ((x0 * ((b0 >>> 8) & 0xff) + x1 * ((b1 >>> 8) & 0xff) + x2 * ((b2 >>> 8) & 0xff) + x3 * ((b3 >>> 8) & 0xff) + ROW_HALF) >> ROW_SHIFT) +
      y2 * ((x0 * ((c0 >>> 8) & 0xff) + x1 * ((c1 >>> 8) & 0xff) + x2 * ((c2 >>> 8) & 0xff) + x3 * ((c3 >>> 8) & 0xff) + ROW_HALF) >> ROW_SHIFT) + y3 * ((x0 * ((d0 >>> 8) & 0xff) + x1 * ((d1 >>> 8) & 0xff) + x2 * ((d2 >>> 8) & 0xff) + x3 * ((d3 >>> 8) & 0xff) + ROW_HALF) >> ROW_SHIFT) + OUT_HALF) >> OUT_SHIFT);
    out[oi + 2] = clampByte((y0 * ((x0 * ((a0 >>> 16) & 0xff) + x1 * ((a1 >>> 16) & 0xff) + x2 * ((a2 >>> 16) & 0xff) + x3 * ((a3 >>> 16) & 0xff) + ROW_HALF) >> ROW_SHIFT) + y1 * ((x0 * ((b0 >>> 16) & 0xff) + x1 * ((b1 >>> 16) & 0xff) + x2 * ((b2 >>> 16) & 0xff) + x3 * ((b3 >>> 16) & 0xff) + ROW_HALF) >> ROW_SHIFT) +
      y2 * ((x0 * ((c0 >>> 16) & 0xff) + x1 * ((c1 >>> 16) & 0xff) + x2 * ((c2 >>> 16) & 0xff) + x3 * ((c3 >>> 16) & 0xff) + ROW_HALF) >> ROW_SHIFT) + y3 * ((x0 * ((d0 >>> 16) & 0xff) + x1 * ((d1 >>> 16) & 0xff) + x2 * ((d2 >>> 16) & 0xff) + x3 * ((d3 >>> 16) & 0xff) + ROW_HALF) >> ROW_SHIFT) + OUT_HALF) >> OUT_SHIFT);
    out[oi + 3] = 0xff;
  }
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Row sums drop ROW_SHIFT bits first: W_ONE² · 255 would not fit in 31 bits, and V8 falls back to
 * floating point (several times slower) the moment an intermediate leaves the int32 range.
 */
function bilerp(a0: number, a1: number, b0: number, b1: number, x0: number, x1: number, y0: number, y1: number): number {
  return (y0 * ((x0 * a0 + x1 * a1 + ROW_HALF) >> ROW_SHIFT) + y1 * ((x0 * b0 + x1 * b1 + ROW_HALF) >> ROW_SHIFT) + OUT_HALF) >> OUT_SHIFT;
}

/**
 * Bilinear blend of four opaque pixel words (top left, top right, bottom left, bottom right) with integer weights
 * summing to W_ONE per axis; the result is an opaque word (little-endian channel order).
 */
export function bilerpOpaque(a0: number, a1: number, b0: number, b1: number, x0: number, x1: number, y0: number, y1: number): number {
  const r = bilerp(a0 & 0xff, a1 & 0xff, b0 & 0xff, b1 & 0xff, x0, x1, y0, y1);
  const g = bilerp((a0 >> 8) & 0xff, (a1 >> 8) & 0xff, (b0 >> 8) & 0xff, (b1 >> 8) & 0xff, x0, x1, y0, y1);
  const b = bilerp((a0 >> 16) & 0xff, (a1 >> 16) & 0xff, (b0 >> 16) & 0xff, (b1 >> 16) & 0xff, x0, x1, y0, y1);
  return 0xff000000 | (b << 16) | (g << 8) | r;
}

/** wordView of the output buffer, remembered for the last buffer seen: a warp writes one image through many spans. */
function lastWordView(): (out: Buffer) => Uint32Array | null {
  let last: Buffer | null = null;
  let view: Uint32Array | null = null;
  return (out) => {
    if (out !== last) {
      last = out;
      view = wordView(out);
    }
    return view;
  };
}
