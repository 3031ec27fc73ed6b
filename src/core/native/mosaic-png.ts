import type { MosaicWindow } from './compose.js';
import { kernel } from './kernels.js';
import { drawsOnPool } from './pool.js';
import { quantizeOptionsArray, type TileQuantizeOptions } from './quantize.js';
import { RESAMPLE_METHOD, type PixelExtent, type ResampleMethod } from './resample.js';

/** How the map's pixels come from the window: a crop at a pixel offset, or Pillow's EXTENT transform. */
export type MosaicMapPlan = { readonly crop: readonly [x: number, y: number] } | { readonly extent: PixelExtent; readonly method: ResampleMethod };

const native = kernel<
  (
    geometry: Int32Array, buffers: MosaicWindow['buffers'], width: number, height: number, crop: boolean,
    x0: number, y0: number, x1: number, y1: number, method: number, options: Int32Array, async: boolean,
  ) => Promise<Buffer> | Buffer
>('mosaicPng');

/**
 * A `width` × `height` map drawn from a mosaic window by `plan` and written as MapProxy's paletted PNG, in one
 * native call (kernels/mosaic_png.h): what resample() or a crop of the window, then quantizeTilesPng of the whole
 * map give, byte for byte, without the window or the map ever becoming JavaScript memory. On the libuv pool when
 * the work is big (pool.ts); the tiles' buffers must not change until the promise settles.
 */
export async function mosaicPng(mosaic: MosaicWindow, width: number, height: number, plan: MosaicMapPlan, opts: TileQuantizeOptions): Promise<Buffer> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`mosaicPng: a map of ${width}x${height} pixels`);
  }
  const options = quantizeOptionsArray(opts);
  const async = drawsOnPool(mosaic, { width, height });
  if ('crop' in plan) {
    const [x, y] = plan.crop;
    return native(mosaic.geometry, mosaic.buffers, width, height, true, x, y, 0, 0, 0, options, async);
  }
  const [x0, y0, x1, y1] = plan.extent;
  return native(mosaic.geometry, mosaic.buffers, width, height, false, x0, y0, x1, y1, RESAMPLE_METHOD[plan.method], options, async);
}
