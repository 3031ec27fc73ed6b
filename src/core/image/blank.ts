import type { Size } from '../geo/bbox.js';
import { WHITE, type RawImage, type RGB } from './raw-image.js';

export interface CanvasOptions {
  bgcolor?: RGB;
  /** A transparent canvas keeps bgcolor's RGB with alpha 0, as MapProxy's create_image does. */
  transparent?: boolean;
}

/** An image filled with the background colour (opaque) or fully transparent. */
export function blankImage(size: Size, opts: CanvasOptions = {}): RawImage {
  const [width, height] = size;
  const [r, g, b] = opts.bgcolor ?? WHITE;
  const a = opts.transparent ? 0 : 255;
  const data = Buffer.allocUnsafe(width * height * 4);
  if (data.length > 0) {
    data[0] = r;
    data[1] = g;
    data[2] = b;
    data[3] = a;
    // Doubling copies: log2(n) memcpy calls instead of a per-pixel loop.
    let filled = 4;
    while (filled < data.length) {
      const n = Math.min(filled, data.length - filled);
      data.copy(data, filled, 0, n);
      filled += n;
    }
  }
  return { data, width, height };
}
