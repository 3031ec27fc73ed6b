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

/**
 * Place tiles in a grid to one image (MapProxy's TileMerger/TiledImage): `tiles` row-major, top row first,
 * `gridSize` = [cols, rows]; null tiles stay as the canvas (default transparent).
 */
export function stitchTiles(
  tiles: readonly (RawImage | null)[],
  gridSize: Size,
  tileSize: Size,
  bg: CanvasOptions = { transparent: true },
): RawImage {
  const [cols, rows] = gridSize;
  if (tiles.length !== cols * rows) throw new Error(`stitchTiles: ${tiles.length} tiles for a ${cols}x${rows} grid`);
  const [tw, th] = tileSize;
  if (cols === 1 && rows === 1 && tiles[0] && tiles[0].width === tw && tiles[0].height === th) return tiles[0];
  // Every tile there and full size: each pixel of the canvas is written, no need to fill it first.
  const complete = tiles.every((t) => t && t.width === tw && t.height === th);
  const out = complete ? emptyRawUnfilled(cols * tw, rows * th) : blankImage([cols * tw, rows * th], bg);
  tiles.forEach((tile, i) => {
    if (tile) pasteImage(out, tile, (i % cols) * tw, Math.floor(i / cols) * th);
  });
  return out;
}

function emptyRawUnfilled(width: number, height: number): RawImage {
  return { data: Buffer.allocUnsafe(width * height * 4), width, height };
}
