import { kernel } from './kernels.js';
import type { RgbaPixels } from './resample.js';
import { checkRgba } from './resample.js';
import { onPool } from './pool.js';

/** A tile of a mosaic as the compose kernel reads it: RGBA, or palette indices with 256 RGBA words. */
export type ComposeTile =
  | { readonly kind: 'rgba'; readonly image: RgbaPixels }
  | {
      readonly kind: 'paletted';
      readonly width: number;
      readonly height: number;
      /** Index of pixel (x, y) at y·pitch + first + x; pitch 0 when every row is the same. */
      readonly indices: Uint8Array;
      readonly pitch: number;
      readonly first: number;
      readonly palette: Uint32Array;
    };

/** Ints of geometry per tile (kernels/compose.h): kind, width, height, pitch, first. */
const TILE_INTS = 5;
/** Ints before the tiles: window x, y, width, height; tile width, height; cols, rows; background. */
const HEADER_INTS = 9;
const KIND = { none: 0, rgba: 1, paletted: 2 } as const;

/**
 * A window of a mosaic of tiles, packed as the kernels take it (kernels/compose_args.h), without its pixels: the
 * compose kernel draws it, and the resample and warp kernels sample it without handing the window to JavaScript.
 */
export interface MosaicWindow {
  readonly width: number;
  readonly height: number;
  /** The window and the tiles' geometry. */
  readonly geometry: Int32Array;
  /** Two per tile: pixels or indices, palette words or null. Kept alive by the kernels while they run. */
  readonly buffers: readonly (Uint8Array | Uint32Array | null)[];
}

/**
 * The window at (x, y) of `width` × `height` of the mosaic of `tiles` (row-major, cols × rows of tileWidth ×
 * tileHeight); missing parts `background` (RGBA bytes; kernels/compose.c). The tiles' buffers must not change
 * while a kernel uses the window.
 */
export function mosaicWindow(
  x: number, y: number, width: number, height: number, tiles: readonly (ComposeTile | null)[],
  cols: number, rows: number, tileWidth: number, tileHeight: number,
  background: readonly [r: number, g: number, b: number, a: number] = [0, 0, 0, 0],
): MosaicWindow {
  if (tiles.length !== cols * rows) throw new RangeError(`mosaic: ${tiles.length} tiles for a ${cols}x${rows} grid`);
  const [r, g, b, a] = background.map((v) => Math.max(0, Math.min(255, Math.round(v))));
  const geometry = new Int32Array(HEADER_INTS + tiles.length * TILE_INTS);
  geometry.set([x, y, width, height, tileWidth, tileHeight, cols, rows, r! | (g! << 8) | (b! << 16) | (a! << 24)]);
  const buffers: (Uint8Array | Uint32Array | null)[] = [];
  tiles.forEach((t, i) => {
    const at = HEADER_INTS + i * TILE_INTS;
    if (!t) {
      buffers.push(null, null);
    } else if (t.kind === 'rgba') {
      checkRgba(t.image, `tile ${i}`);
      geometry.set([KIND.rgba, t.image.width, t.image.height, 0, 0], at);
      buffers.push(t.image.data, null);
    } else {
      if (t.palette.length < 256) throw new RangeError(`tile ${i}: palette of ${t.palette.length} entries`);
      geometry.set([KIND.paletted, t.width, t.height, t.pitch, t.first], at);
      buffers.push(t.indices, t.palette);
    }
  });
  return { width, height, geometry, buffers };
}

const native = kernel<
  (out: Uint8Array, ww: number, wh: number, geometry: Int32Array, buffers: readonly (Uint8Array | Uint32Array | null)[], async: boolean) =>
    Promise<void> | undefined
>('composeWindow');

/**
 * Writes all of `out` (the window's size) with the window's pixels; on the libuv pool when it is big (pool.ts),
 * then `out` may not be touched until the promise settles.
 */
export function composeMosaic(out: RgbaPixels, mosaic: MosaicWindow): Promise<void> | undefined {
  checkRgba(out, 'out');
  if (out.width !== mosaic.width || out.height !== mosaic.height) throw new RangeError('composeWindow: out is not the window\'s size');
  return native(out.data, out.width, out.height, mosaic.geometry, mosaic.buffers, onPool(out.width * out.height));
}
