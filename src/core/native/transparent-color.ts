import { kernel } from './kernels.js';
import { checkRgba, type RgbaPixels } from './resample.js';

const native = kernel<(rgba: Uint8Array, r: number, g: number, b: number, tolerance: number) => void>('makeTransparent');

/**
 * `image.transparent_color`: every pixel whose red, green and blue are each within `tolerance` of `color` gets
 * alpha 0, in place (kernels/transparent_color.c), as MapProxy's make_transparent. A fractional tolerance matches
 * what its whole part matches (the channels are integers); a negative one matches nothing.
 */
export function makeTransparent(img: RgbaPixels, color: readonly [number, number, number], tolerance: number): void {
  checkRgba(img, 'rgba');
  if (!(tolerance >= 0)) return;
  const [r, g, b] = color;
  native(img.data, r, g, b, Math.min(255, Math.floor(tolerance)));
}
