import type { Size } from '../geo/bbox.js';
import { compositeLayers } from '../native/composite.js';
import { blankImage, type CanvasOptions } from './blank.js';
import type { RawImage } from './raw-image.js';

export interface MergeLayer {
  image: RawImage;
  /** 0..1, multiplies the layer's alpha (MapProxy `image.opacity`). */
  opacity?: number;
}

/**
 * Composite layers bottom to top onto a canvas of bgcolor, transparent or not, as MapProxy's LayerMerger does
 * with Pillow (native kernel, on the libuv pool): a transparent canvas takes each layer by alpha_composite, its
 * alpha scaled by opacity; an opaque canvas by a paste through the layer's alpha, or below full opacity by
 * Image.blend (which, as in MapProxy, ignores the layer's alpha). Layers are placed at the top-left corner;
 * parts outside `size` are cut off.
 */
export async function mergeImages(layers: readonly MergeLayer[], size: Size, bg: CanvasOptions = {}): Promise<RawImage> {
  const [width, height] = size;
  if (layers.length === 1 && bg.transparent) {
    const only = layers[0]!;
    if ((only.opacity ?? 1) >= 1 && only.image.width === width && only.image.height === height) return only.image;
  }
  const out = blankImage(size, bg);
  const drawn = layers.filter((l) => l.image.width > 0 && l.image.height > 0 && (l.opacity ?? 1) > 0);
  if (width === 0 || height === 0 || drawn.length === 0) return out;
  await compositeLayers(out, drawn.map((l) => ({ image: l.image, opacity: Math.min(1, l.opacity ?? 1) })), !bg.transparent);
  return out;
}
