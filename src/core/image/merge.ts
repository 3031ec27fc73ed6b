import type { Size } from '../geo/bbox.js';
import { blankImage, type CanvasOptions } from './blank.js';
import type { RawImage } from './raw-image.js';

export interface MergeLayer {
  image: RawImage;
  /** 0..1, multiplies the layer's alpha (MapProxy `image.opacity`). */
  opacity?: number;
}

/**
 * Composite layers bottom to top ("over", straight alpha) onto a canvas of bgcolor, transparent or not
 * (MapProxy's LayerMerger). Layers are placed at the top-left corner; parts outside `size` are cut off.
 */
export function mergeImages(layers: readonly MergeLayer[], size: Size, bg: CanvasOptions = {}): RawImage {
  const [width, height] = size;
  if (layers.length === 1 && bg.transparent) {
    const only = layers[0]!;
    if ((only.opacity ?? 1) >= 1 && only.image.width === width && only.image.height === height) return only.image;
  }
  const out = blankImage(size, bg);
  for (const layer of layers) compositeOver(out, layer.image, layer.opacity ?? 1);
  return out;
}

/** Draw `src` over `dst` in place (top-left aligned), with src alpha scaled by opacity. */
export function compositeOver(dst: RawImage, src: RawImage, opacity = 1): void {
  if (opacity <= 0) return;
  const op = Math.min(opacity, 1);
  const w = Math.min(dst.width, src.width);
  const h = Math.min(dst.height, src.height);
  const d = dst.data;
  const s = src.data;
  for (let y = 0; y < h; y++) {
    let si = y * src.width * 4;
    let di = y * dst.width * 4;
    for (let x = 0; x < w; x++, si += 4, di += 4) {
      const sa8 = s[si + 3]!;
      if (sa8 === 0) continue;
      if (sa8 === 255 && op === 1) {
        d[di] = s[si]!;
        d[di + 1] = s[si + 1]!;
        d[di + 2] = s[si + 2]!;
        d[di + 3] = 255;
        continue;
      }
      const sa = (sa8 / 255) * op;
      const da = d[di + 3]! / 255;
      const oa = sa + da * (1 - sa);
      if (oa <= 0) continue;
      const dw = (da * (1 - sa)) / oa;
      const sw = sa / oa;
      d[di] = Math.round(s[si]! * sw + d[di]! * dw);
      d[di + 1] = Math.round(s[si + 1]! * sw + d[di + 1]! * dw);
      d[di + 2] = Math.round(s[si + 2]! * sw + d[di + 2]! * dw);
      d[di + 3] = Math.round(oa * 255);
    }
  }
}
