import type { MosaicWindow } from './compose.js';
import { kernel } from './kernels.js';
import { drawsOnPool } from './pool.js';
import { quantizeOptionsArray, type TileQuantizeOptions } from './quantize.js';
import { RESAMPLE_METHOD, type ResampleMethod } from './resample.js';
import { POINT_DOUBLES, QUAD_DOUBLES } from './warp.js';

/**
 * Where a warped map samples its source: one source x per column and one y per row (what warpAxes takes), or mesh
 * quads and exact points (what warpMesh takes).
 */
export type WarpSampling =
  | { readonly xs: Float64Array; readonly ys: Float64Array }
  | { readonly quads: Float64Array; readonly points: Float64Array };

const native = kernel<
  (
    geometry: Int32Array, buffers: MosaicWindow['buffers'], width: number, height: number, axes: boolean,
    first: Float64Array, second: Float64Array, method: number, options: Int32Array, async: boolean,
  ) => Promise<Buffer> | Buffer
>('warpPng');

/**
 * A `width` × `height` map warped from a mosaic window by `sampling` and written as MapProxy's paletted PNG, in one
 * native call (kernels/warp_png.h): what warpAxes or warpMesh, then quantizeTilesPng of the whole map give, byte
 * for byte, without the window or the map ever becoming JavaScript memory. On the libuv pool when the work is big
 * (pool.ts); the tiles' buffers and the positions must not change until the promise settles.
 */
export async function warpPng(
  mosaic: MosaicWindow, width: number, height: number, sampling: WarpSampling, method: ResampleMethod, opts: TileQuantizeOptions,
): Promise<Buffer> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`warpPng: a map of ${width}x${height} pixels`);
  }
  const options = quantizeOptionsArray(opts);
  const async = drawsOnPool(mosaic, { width, height });
  const m = RESAMPLE_METHOD[method];
  if ('xs' in sampling) {
    if (sampling.xs.length !== width || sampling.ys.length !== height) {
      throw new RangeError(`warpPng: ${sampling.xs.length} and ${sampling.ys.length} positions for ${width}x${height} pixels`);
    }
    return native(mosaic.geometry, mosaic.buffers, width, height, true, sampling.xs, sampling.ys, m, options, async);
  }
  if (sampling.quads.length % QUAD_DOUBLES || sampling.points.length % POINT_DOUBLES) throw new RangeError('warpPng: partial quad or point');
  return native(mosaic.geometry, mosaic.buffers, width, height, false, sampling.quads, sampling.points, m, options, async);
}
