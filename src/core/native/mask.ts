import { kernel } from './kernels.js';
import { checkRgba, type RgbaPixels } from './resample.js';

/** Doubles per polygon edge: ax, ay, bx, by in pixel coordinates. */
export const EDGE_DOUBLES = 4;

const native = kernel<(rgba: Uint8Array, w: number, h: number, edges: Float64Array) => void>('maskOutside');

/**
 * Sets the pixels whose centres lie outside the polygon edges (even-odd) to transparent white, in place
 * (kernels/mask.c). Synchronous: one fill per row, and its callers are synchronous.
 */
export function maskOutside(img: RgbaPixels, edges: Float64Array): void {
  checkRgba(img, 'rgba');
  if (edges.length % EDGE_DOUBLES) throw new RangeError('maskOutside: partial edge');
  native(img.data, img.width, img.height, edges);
}
