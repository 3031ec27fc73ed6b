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
