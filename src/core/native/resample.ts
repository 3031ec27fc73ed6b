import type { MosaicWindow } from './compose.js';
import { kernel } from './kernels.js';
import { drawsOnPool } from './pool.js';

/** RGBA8 pixels, rows without padding: what every image kernel takes. */
export interface RgbaPixels {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** The transform filters, numbered as the kernels take them (kernels/resample_filters.h: Pillow's semantics). */
export const RESAMPLE_METHOD = { nearest: 0, bilinear: 1, bicubic: 2 } as const;
export type ResampleMethod = keyof typeof RESAMPLE_METHOD;

/** Source pixel coordinates of the destination's left, top, right and bottom edges (Pillow's EXTENT data). */
export type PixelExtent = readonly [x0: number, y0: number, x1: number, y1: number];

const native = kernel<
  (
    src: Uint8Array, sw: number, sh: number, dst: Uint8Array, dw: number, dh: number,
    x0: number, y0: number, x1: number, y1: number, method: number, async: boolean,
  ) => Promise<void> | undefined
>('resampleExtent');
const nativeMosaic = kernel<
  (
    geometry: Int32Array, buffers: MosaicWindow['buffers'], dst: Uint8Array, dw: number, dh: number,
    x0: number, y0: number, x1: number, y1: number, method: number, async: boolean,
  ) => Promise<void> | undefined
>('resampleMosaic');

/** Throws unless `img` is a non-empty RGBA image whose buffer holds exactly its pixels. */
export function checkRgba(img: RgbaPixels, name: string): void {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height * 4) {
    throw new RangeError(`${name}: ${data.length} bytes for ${width}x${height} RGBA pixels`);
  }
}

/**
 * Pillow's `transform(size, EXTENT, extent, method)` of `src` into `dst` (kernels/resample.c); on the libuv pool
 * when the work is big (pool.ts), then neither buffer may be touched until the promise settles. Every pixel of
 * `dst` is written. A mosaic window is composed by the kernel itself, in memory it frees as soon as it is done (a
 * window handed to JavaScript would wait for the garbage collector, and count against V8's heap limit meanwhile).
 */
export function resampleExtent(
  src: RgbaPixels | MosaicWindow, dst: RgbaPixels, extent: PixelExtent, method: ResampleMethod,
): Promise<void> | undefined {
  checkRgba(dst, 'dst');
  const [x0, y0, x1, y1] = extent;
  const async = drawsOnPool(src, dst);
  const m = RESAMPLE_METHOD[method];
  if ('geometry' in src) return nativeMosaic(src.geometry, src.buffers, dst.data, dst.width, dst.height, x0, y0, x1, y1, m, async);
  checkRgba(src, 'src');
  return native(src.data, src.width, src.height, dst.data, dst.width, dst.height, x0, y0, x1, y1, m, async);
}
