import { kernel } from './kernels.js';
import { checkRgba, type RgbaPixels } from './resample.js';

const native = kernel<
  (rgba: Uint8Array, w: number, h: number, coverage: Uint8Array, r: number, g: number, b: number, opacity: number, blendAlpha: boolean) => void
>('watermarkBlend');

/**
 * Blends `color` through `coverage` (one byte per pixel) with `opacity` (0..255) onto `img`, in place, as MapProxy
 * pastes its watermark layer (kernels/watermark.c). Synchronous: one pass over a tile.
 */
export function watermarkBlend(
  img: RgbaPixels,
  coverage: Uint8Array,
  color: readonly [number, number, number],
  opacity: number,
  blendAlpha: boolean,
): void {
  checkRgba(img, 'rgba');
  if (coverage.length !== img.width * img.height) {
    throw new RangeError(`watermarkBlend: ${coverage.length} coverage bytes for ${img.width}x${img.height} pixels`);
  }
  native(img.data, img.width, img.height, coverage, color[0], color[1], color[2], opacity, blendAlpha);
}
