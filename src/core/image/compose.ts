import type { Size } from '../geo/bbox.js';
import { wordView } from './pixel-words.js';
import type { PalettedPixels } from './png-decode.js';
import type { PixelRect, RawImage } from './raw-image.js';
import { tilePixelsSize, type TilePixels } from './tile-pixels.js';

/**
 * The `window` of the mosaic of `tiles` (row-major, top row first, `gridSize` = [cols, rows] of `tileSize`) as
 * one RGBA image of the window's size: MapProxy's TileMerger, but only the pixels a map will sample are
 * written, straight from palette indices where a tile has them. Missing tiles, tiles smaller than
 * `tileSize` and parts of the window outside the mosaic stay transparent.
 */
export function composeWindow(tiles: readonly (TilePixels | null)[], gridSize: Size, tileSize: Size, window: PixelRect): RawImage {
  const [cols, rows] = gridSize;
  if (tiles.length !== cols * rows) throw new Error(`composeWindow: ${tiles.length} tiles for a ${cols}x${rows} grid`);
  const [tw, th] = tileSize;
  const { x: wx, y: wy, width: ww, height: wh } = window;
  const c0 = Math.max(0, Math.floor(wx / tw));
  const c1 = Math.min(cols - 1, Math.floor((wx + ww - 1) / tw));
  const r0 = Math.max(0, Math.floor(wy / th));
  const r1 = Math.min(rows - 1, Math.floor((wy + wh - 1) / th));
  let complete = wx >= 0 && wy >= 0 && wx + ww <= cols * tw && wy + wh <= rows * th;
  for (let r = r0; r <= r1 && complete; r++) {
    for (let c = c0; c <= c1; c++) {
      const t = tiles[r * cols + c];
      const size = t && tilePixelsSize(t);
      if (!size || size.width !== tw || size.height !== th) complete = false;
    }
  }
  // Every pixel written when the tiles cover the window: no need to clear the canvas first. Neither call takes
  // memory from Node's shared pool, so the buffer starts its own ArrayBuffer and a word view always exists.
  const data = complete ? Buffer.allocUnsafeSlow(ww * wh * 4) : Buffer.alloc(ww * wh * 4);
  const out: RawImage = { data, width: ww, height: wh };
  const out32 = wordView(data)!;
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      const t = tiles[r * cols + c];
      if (!t) continue;
      const size = tilePixelsSize(t);
      const ox = c * tw;
      const oy = r * th;
      const x0 = Math.max(wx, ox);
      const x1 = Math.min(wx + ww, ox + Math.min(tw, size.width));
      const y0 = Math.max(wy, oy);
      const y1 = Math.min(wy + wh, oy + Math.min(th, size.height));
      if (x1 <= x0 || y1 <= y0) continue;
      if (t.kind === 'paletted') drawPaletted(t.px, ox, oy, x0, x1, y0, y1, out32, wx, wy, ww);
      else drawRgba(t.raw, ox, oy, x0, x1, y0, y1, out, wx, wy);
    }
  }
  return out;
}

/** Mosaic pixels [x0, x1) × [y0, y1) of a tile at (ox, oy) through its palette, one word per pixel. */
function drawPaletted(
  px: PalettedPixels,
  ox: number, oy: number, x0: number, x1: number, y0: number, y1: number,
  out32: Uint32Array, wx: number, wy: number, ww: number,
): void {
  const { indices, pitch, first, palette } = px;
  const n = x1 - x0;
  for (let y = y0; y < y1; y++) {
    let s = (y - oy) * pitch + first + (x0 - ox);
    let d = (y - wy) * ww + (x0 - wx);
    for (const end = d + n; d < end; d++, s++) out32[d] = palette[indices[s]];
  }
}

function drawRgba(raw: RawImage, ox: number, oy: number, x0: number, x1: number, y0: number, y1: number, out: RawImage, wx: number, wy: number): void {
  const bytes = (x1 - x0) * 4;
  for (let y = y0; y < y1; y++) {
    const s = ((y - oy) * raw.width + (x0 - ox)) * 4;
    raw.data.copy(out.data, ((y - wy) * out.width + (x0 - wx)) * 4, s, s + bytes);
  }
}
