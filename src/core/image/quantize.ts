import type { Point, Size } from '../geo/bbox.js';
import { quantizeTiles as quantizeTilesNative, quantizeTilesPng, type QuantizedTile, type Quantizer, type TileQuantizeOptions } from '../native/quantize.js';
import { assertRaw, WHITE, type RawImage, type RGB } from './raw-image.js';

export type { Quantizer };

/** An image as palette indices: what a paletted PNG stores. */
export interface IndexedImage {
  /**
   * RGBA per entry (4 bytes each), as Pillow's palette: entries no index uses may follow (FASTOCTREE always
   * has `colors` entries, the unused ones (0,0,0,0)); a PNG writer keeps those up to the highest index used.
   */
  palette: Buffer;
  /** One palette index per pixel, rows top to bottom. */
  indices: Uint8Array;
  width: number;
  height: number;
}

/** MapProxy's quantize() arguments. */
export interface QuantizeOptions {
  /** Palette entries, 1..256 (default 256, MapProxy's `colors` for paletted PNG). */
  colors?: number;
  /** `encoding_options.quantizer` (default fastoctree). */
  quantizer?: Quantizer;
  /**
   * The target keeps transparency (MapProxy's `image_opts.transparent`; default true): Pillow quantizes the RGBA
   * pixels. Without it they are flattened onto `background` and quantized as RGB.
   */
  alpha?: boolean;
  /** What an opaque target flattens transparency onto, and fills outside the image with (default white). */
  background?: RGB;
}

/** A tile of an image by its top-left pixel and size; it may reach outside the image. */
export interface TileWindow {
  offset: Point;
  size: Size;
}

/** The options with their defaults filled in, as the kernels take them. */
export function kernelOptions(opts: QuantizeOptions): TileQuantizeOptions {
  return {
    colors: Math.max(1, Math.min(256, Math.floor(opts.colors ?? 256))),
    quantizer: opts.quantizer ?? 'fastoctree',
    alpha: opts.alpha ?? true,
    background: opts.background ?? WHITE,
  };
}

function rects(tiles: readonly TileWindow[]): { x: number; y: number; width: number; height: number }[] {
  return tiles.map((t) => ({ x: t.offset[0], y: t.offset[1], width: t.size[0], height: t.size[1] }));
}

function indexed(tiles: readonly TileWindow[], quantized: QuantizedTile[]): IndexedImage[] {
  return quantized.map((q, i) => ({ ...q, width: tiles[i].size[0], height: tiles[i].size[1] }));
}

const whole = (raw: RawImage): TileWindow[] => [{ offset: [0, 0], size: [raw.width, raw.height] }];

/**
 * Each tile of an image quantized on its own, as MapProxy's TileSplitter crops it and img_to_buf quantizes it
 * (what lies outside the image is transparent white, or `background` for an opaque target). Runs on the libuv
 * pool.
 */
export async function quantizeTiles(raw: RawImage, tiles: readonly TileWindow[], opts: QuantizeOptions = {}): Promise<IndexedImage[]> {
  assertRaw(raw);
  return indexed(tiles, await quantizeTilesNative(raw.data, raw.width, raw.height, rects(tiles), kernelOptions(opts)));
}

/**
 * quantizeTiles, each tile then written as the paletted PNG MapProxy stores (the bytes of encodeIndexedPng), in
 * one native job on the libuv pool.
 */
export async function quantizeTilesToPng(raw: RawImage, tiles: readonly TileWindow[], opts: QuantizeOptions = {}): Promise<Buffer[]> {
  assertRaw(raw);
  return quantizeTilesPng(raw.data, raw.width, raw.height, rects(tiles), kernelOptions(opts));
}

/**
 * MapProxy's quantize (mapproxy/image/__init__.py) of a whole image, with Pillow's FASTOCTREE or median cut:
 * the same palette and indices as MapProxy 1.15 with Pillow 9.4. No exact-colour shortcut: Pillow's octree
 * merges near colours even in an image with few of them, and MapProxy stores what it gives.
 */
export async function quantizeImage(raw: RawImage, opts: QuantizeOptions = {}): Promise<IndexedImage> {
  return (await quantizeTiles(raw, whole(raw), opts))[0];
}
