import { kernel } from './kernels.js';
import { checkRgba, type RgbaPixels } from './resample.js';

/** A layer to draw: RGBA pixels placed at the canvas's top-left corner, alpha scaled by opacity (0..1). */
export interface CompositeLayer {
  readonly image: RgbaPixels;
  readonly opacity: number;
}

const native = kernel<
  (
    canvas: Uint8Array, w: number, h: number, layers: Uint8Array[], geometry: Float64Array, canvasOpaque: boolean, async: boolean,
  ) => Promise<void> | undefined
>('mergeLayers');

/**
 * Draws `layers` bottom first over `canvas` in place as MapProxy's LayerMerger does with Pillow
 * (kernels/composite.c): over a transparent canvas by alpha_composite, over an opaque one by blend or a paste
 * through the layer's alpha. On the libuv pool; the canvas may not be touched until the promise settles.
 */
export function compositeLayers(canvas: RgbaPixels, layers: readonly CompositeLayer[], canvasOpaque: boolean): Promise<void> {
  checkRgba(canvas, 'canvas');
  const geometry = new Float64Array(layers.length * 3);
  layers.forEach((l, i) => {
    checkRgba(l.image, `layer ${i}`);
    if (!(l.opacity >= 0 && l.opacity <= 1)) throw new RangeError(`layer ${i}: opacity ${l.opacity} outside [0, 1]`);
    geometry.set([l.image.width, l.image.height, l.opacity], i * 3);
  });
  return native(canvas.data, canvas.width, canvas.height, layers.map((l) => l.image.data), geometry, canvasOpaque, true)!;
}
