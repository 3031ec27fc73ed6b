import type { Point, Size } from '../geo/bbox.js';
import { blankImage, type CanvasOptions } from './blank.js';
import type { RawImage } from './raw-image.js';

/**
 * Copy `src` into `dst` at (x, y), replacing pixels (no blending); parts outside `dst` are cut off.
 * One memcpy per row: no per-pixel work.
 */
export function pasteImage(dst: RawImage, src: RawImage, x: number, y: number): void {
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(dst.width, x + src.width);
  const y1 = Math.min(dst.height, y + src.height);
  if (x1 <= x0 || y1 <= y0) return;
  const rowBytes = (x1 - x0) * 4;
  for (let dy = y0; dy < y1; dy++) {
    const sStart = ((dy - y) * src.width + (x0 - x)) * 4;
    src.data.copy(dst.data, (dy * dst.width + x0) * 4, sStart, sStart + rowBytes);
  }
}

/** The sub-image at (x, y) of the given size; parts outside `src` get the canvas (default transparent). */
export function cropImage(src: RawImage, offset: Point, size: Size, bg: CanvasOptions = { transparent: true }): RawImage {
  const [x, y] = offset;
  const [w, h] = size;
  if (x === 0 && y === 0 && w === src.width && h === src.height) return src;
  const inside = x >= 0 && y >= 0 && x + w <= src.width && y + h <= src.height;
  if (inside && x === 0 && w === src.width) {
    // Whole rows: one contiguous slice, no copy.
    return { data: src.data.subarray(y * w * 4, (y + h) * w * 4), width: w, height: h };
  }
  const out = inside ? { data: Buffer.allocUnsafe(w * h * 4), width: w, height: h } : blankImage(size, bg);
  pasteImage(out, src, -x, -y);
  return out;
}

/** Split a meta tile image into tiles at pixel offsets (MapProxy's TileSplitter; offsets may reach outside). */
export function cropTiles(
  meta: RawImage,
  tiles: readonly { offset: Point; size: Size }[],
  bg: CanvasOptions = { transparent: true },
): RawImage[] {
  return tiles.map((t) => cropImage(meta, t.offset, t.size, bg));
}
