import type { Size } from '../geo/bbox.js';
import { composeMosaic, mosaicWindow, type ComposeTile, type MosaicWindow } from '../native/compose.js';
import type { CanvasOptions } from './blank.js';
import { WHITE, type PixelRect, type RawImage } from './raw-image.js';
import type { TilePixels } from './tile-pixels.js';

export type { MosaicWindow };

/**
 * The `window` of the mosaic of `tiles` (row-major, top row first, `gridSize` = [cols, rows] of `tileSize`) as the
 * kernels take it, no pixels drawn yet: MapProxy's TileMerger, but only the pixels a map will sample, read straight
 * from palette indices where a tile has them. Missing tiles, the parts of tiles smaller than `tileSize` and of the
 * window outside the mosaic get the canvas, as TileMerger's: transparent by default, bgcolor (white) for an opaque
 * cache. resample() and warp() sample it without composing it in JavaScript memory.
 */
export function tileMosaic(
  tiles: readonly (TilePixels | null)[], gridSize: Size, tileSize: Size, window: PixelRect, canvas: CanvasOptions = { transparent: true },
): MosaicWindow {
  const [cols, rows] = gridSize;
  if (tiles.length !== cols * rows) throw new Error(`composeWindow: ${tiles.length} tiles for a ${cols}x${rows} grid`);
  const parts = tiles.map((t): ComposeTile | null => (!t ? null : t.kind === 'rgba' ? { kind: 'rgba', image: t.raw } : { kind: 'paletted', ...t.px }));
  const [r, g, b] = canvas.bgcolor ?? WHITE;
  const background = canvas.transparent ? ([0, 0, 0, 0] as const) : ([r, g, b, 255] as const);
  return mosaicWindow(window.x, window.y, window.width, window.height, parts, cols, rows, tileSize[0], tileSize[1], background);
}

/** The pixels of a mosaic window as one RGBA image (native kernel; big windows on the libuv pool). */
export async function composeMosaicImage(mosaic: MosaicWindow): Promise<RawImage> {
  // The kernel writes every pixel: no need to clear the buffer first.
  const out: RawImage = { data: Buffer.allocUnsafeSlow(mosaic.width * mosaic.height * 4), width: mosaic.width, height: mosaic.height };
  await composeMosaic(out, mosaic);
  return out;
}

/** tileMosaic's window as one RGBA image of the window's size. */
export async function composeWindow(
  tiles: readonly (TilePixels | null)[], gridSize: Size, tileSize: Size, window: PixelRect, canvas: CanvasOptions = { transparent: true },
): Promise<RawImage> {
  return composeMosaicImage(tileMosaic(tiles, gridSize, tileSize, window, canvas));
}
