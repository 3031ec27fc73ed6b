import { kernel } from './kernels.js';
import type { RgbaPixels } from './resample.js';
import { checkRgba } from './resample.js';

/** A tile of a mosaic as the compose kernel reads it: RGBA, or palette indices with 256 RGBA words. */
export type ComposeTile =
  | { readonly kind: 'rgba'; readonly image: RgbaPixels }
  | {
      readonly kind: 'paletted';
      readonly width: number;
      readonly height: number;
      /** Index of pixel (x, y) at y·pitch + first + x. */
      readonly indices: Uint8Array;
      readonly pitch: number;
      readonly first: number;
      readonly palette: Uint32Array;
    };

/** Ints of geometry per tile (kernels/compose.h): kind, width, height, pitch, first. */
const TILE_INTS = 5;
const KIND = { none: 0, rgba: 1, paletted: 2 } as const;

const native = kernel<
  (
    out: Uint8Array, ww: number, wh: number, wx: number, wy: number, tw: number, th: number, cols: number, rows: number,
    geometry: Int32Array, buffers: (Uint8Array | Uint32Array | null)[], background: number, async: boolean,
  ) => Promise<void> | undefined
>('composeWindow');

/**
 * Writes all of `out`: the window at (x, y) of the mosaic of `tiles` (row-major, cols × rows of tileWidth ×
 * tileHeight), missing parts `background` (RGBA bytes; kernels/compose.c), on the libuv pool. `out` may not be
 * touched until the promise settles; the tiles' buffers are kept alive until then and must not change.
 */
export function composeMosaicWindow(
  out: RgbaPixels, x: number, y: number, tiles: readonly (ComposeTile | null)[],
  cols: number, rows: number, tileWidth: number, tileHeight: number,
  background: readonly [r: number, g: number, b: number, a: number] = [0, 0, 0, 0],
): Promise<void> {
  checkRgba(out, 'out');
  if (tiles.length !== cols * rows) throw new RangeError(`composeWindow: ${tiles.length} tiles for a ${cols}x${rows} grid`);
  const geometry = new Int32Array(tiles.length * TILE_INTS);
  const buffers: (Uint8Array | Uint32Array | null)[] = [];
  tiles.forEach((t, i) => {
    const g = i * TILE_INTS;
    if (!t) {
      buffers.push(null, null);
    } else if (t.kind === 'rgba') {
      checkRgba(t.image, `tile ${i}`);
      geometry.set([KIND.rgba, t.image.width, t.image.height, 0, 0], g);
      buffers.push(t.image.data, null);
    } else {
      if (t.palette.length < 256) throw new RangeError(`tile ${i}: palette of ${t.palette.length} entries`);
      geometry.set([KIND.paletted, t.width, t.height, t.pitch, t.first], g);
      buffers.push(t.indices, t.palette);
    }
  });
  const [r, g, b, a] = background.map((v) => Math.max(0, Math.min(255, Math.round(v))));
  const word = (r! | (g! << 8) | (b! << 16) | (a! << 24)) >>> 0;
  return native(out.data, out.width, out.height, x, y, tileWidth, tileHeight, cols, rows, geometry, buffers, word, true)!;
}
