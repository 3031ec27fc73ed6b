import type { Size } from '../geo/bbox.js';
import { composeMosaicWindow, type ComposeTile } from '../native/compose.js';
import type { CanvasOptions } from './blank.js';
import { WHITE, type PixelRect, type RawImage } from './raw-image.js';
import type { TilePixels } from './tile-pixels.js';

/**
 * The `window` of the mosaic of `tiles` (row-major, top row first, `gridSize` = [cols, rows] of `tileSize`) as
 * one RGBA image of the window's size: MapProxy's TileMerger, but only the pixels a map will sample are
 * written, straight from palette indices where a tile has them (native kernel, on the libuv pool). Missing
 * tiles, the parts of tiles smaller than `tileSize` and of the window outside the mosaic get the canvas, as
 * TileMerger's: transparent by default, bgcolor (white) for an opaque cache.
 */
export async function composeWindow(
  tiles: readonly (TilePixels | null)[], gridSize: Size, tileSize: Size, window: PixelRect, canvas: CanvasOptions = { transparent: true },
): Promise<RawImage> {
  const [cols, rows] = gridSize;
  if (tiles.length !== cols * rows) throw new Error(`composeWindow: ${tiles.length} tiles for a ${cols}x${rows} grid`);
  // The kernel writes every pixel: no need to clear the buffer first.
  const out: RawImage = { data: Buffer.allocUnsafeSlow(window.width * window.height * 4), width: window.width, height: window.height };
  const parts = tiles.map((t): ComposeTile | null => (!t ? null : t.kind === 'rgba' ? { kind: 'rgba', image: t.raw } : { kind: 'paletted', ...t.px }));
  const [r, g, b] = canvas.bgcolor ?? WHITE;
  const background = canvas.transparent ? ([0, 0, 0, 0] as const) : ([r, g, b, 255] as const);
  await composeMosaicWindow(out, window.x, window.y, parts, cols, rows, tileSize[0], tileSize[1], background);
  return out;
}
