import type { MosaicWindow } from './compose.js';
import { kernel } from './kernels.js';
import { drawsOnPool } from './pool.js';
import { checkRgba, RESAMPLE_METHOD, type ResampleMethod, type RgbaPixels } from './resample.js';

/** Doubles per mesh quad: box x0, y0, x1, y1, then the source positions of its NW, SW, SE and NE corners. */
export const QUAD_DOUBLES = 12;
/** Doubles per exactly mapped pixel: destination x, y and its source position (NaN where the mapping failed). */
export const POINT_DOUBLES = 4;

const native = kernel<
  (
    src: Uint8Array, sw: number, sh: number, dst: Uint8Array, dw: number, dh: number,
    quads: Float64Array, points: Float64Array, method: number, async: boolean,
  ) => Promise<void> | undefined
>('warpMesh');
const nativeMosaic = kernel<
  (
    geometry: Int32Array, buffers: MosaicWindow['buffers'], dst: Uint8Array, dw: number, dh: number,
    quads: Float64Array, points: Float64Array, method: number, async: boolean,
  ) => Promise<void> | undefined
>('warpMosaic');
const nativeAxes = kernel<
  (
    src: Uint8Array, sw: number, sh: number, dst: Uint8Array, dw: number, dh: number,
    xs: Float64Array, ys: Float64Array, method: number, async: boolean,
  ) => Promise<void> | undefined
>('warpAxes');
const nativeAxesMosaic = kernel<
  (
    geometry: Int32Array, buffers: MosaicWindow['buffers'], dst: Uint8Array, dw: number, dh: number,
    xs: Float64Array, ys: Float64Array, method: number, async: boolean,
  ) => Promise<void> | undefined
>('warpAxesMosaic');

/**
 * Fills `dst` from `src` through a mesh (kernels/warp.c, Pillow's MESH transform): every pixel of each quad
 * sampled at the bilinear interpolation of its corners, then each exact point. Pixels in no quad, not mapped or
 * mapped outside the source are transparent. On the libuv pool when the work is big (pool.ts): then no buffer
 * may be touched until the promise settles. A mosaic window is composed by the kernel, in memory it frees itself.
 */
export function warpMesh(
  src: RgbaPixels | MosaicWindow, dst: RgbaPixels, quads: Float64Array, points: Float64Array, method: ResampleMethod,
): Promise<void> | undefined {
  checkRgba(dst, 'dst');
  if (quads.length % QUAD_DOUBLES || points.length % POINT_DOUBLES) throw new RangeError('warpMesh: partial quad or point');
  const async = drawsOnPool(src, dst);
  const m = RESAMPLE_METHOD[method];
  if ('geometry' in src) return nativeMosaic(src.geometry, src.buffers, dst.data, dst.width, dst.height, quads, points, m, async);
  checkRgba(src, 'src');
  return native(src.data, src.width, src.height, dst.data, dst.width, dst.height, quads, points, m, async);
}

/**
 * Fills `dst` from `src` through a separable transform (kernels/warp_axes.c): pixel (i, j) samples the source at
 * (xs[i], ys[j]), the source pixel position of its centre, as the mesh fill samples one position. A position
 * outside the source or not finite leaves the pixel transparent. On the libuv pool when the work is big, as
 * warpMesh; a mosaic window is composed by the kernel.
 */
export function warpAxes(
  src: RgbaPixels | MosaicWindow, dst: RgbaPixels, xs: Float64Array, ys: Float64Array, method: ResampleMethod,
): Promise<void> | undefined {
  checkRgba(dst, 'dst');
  if (xs.length !== dst.width || ys.length !== dst.height) {
    throw new RangeError(`warpAxes: ${xs.length} and ${ys.length} positions for ${dst.width}x${dst.height} pixels`);
  }
  const async = drawsOnPool(src, dst);
  const m = RESAMPLE_METHOD[method];
  if ('geometry' in src) return nativeAxesMosaic(src.geometry, src.buffers, dst.data, dst.width, dst.height, xs, ys, m, async);
  checkRgba(src, 'src');
  return nativeAxes(src.data, src.width, src.height, dst.data, dst.width, dst.height, xs, ys, m, async);
}
