import { kernel } from './kernels.js';

/** The fields of a PNG's IHDR that shape its pixel data. */
export interface PngHeader {
  width: number;
  height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16. */
  depth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colorType: number;
  /** 0 none, 1 Adam7. */
  interlace: number;
}

/** The header as the kernels take it; its values are checked there (png_check_header). */
export function packedPngHeader(h: PngHeader): Uint32Array {
  const fields = [h.width, h.height, h.depth, h.colorType, h.interlace];
  for (const v of fields) if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`PNG header field ${v} is not valid`);
  return Uint32Array.from(fields);
}

const dataSize = kernel<(header: Uint32Array) => number>('pngDataSize');
const unfilter = kernel<(data: Uint8Array, header: Uint32Array) => boolean>('pngUnfilter');
const palette = kernel<(header: Uint32Array, plte: Uint8Array, trns: Uint8Array, table: Uint8Array) => void>('pngPalette');
const toRgba = kernel<
  (data: Uint8Array, header: Uint32Array, plte: Uint8Array, trns: Uint8Array, out: Uint8Array, async: boolean) => Promise<void> | undefined
>('pngToRgba');
const inflateToRgba = kernel<
  (compressed: Uint8Array, header: Uint32Array, plte: Uint8Array, trns: Uint8Array, out: Uint8Array, async: boolean) => Promise<boolean> | boolean
>('pngInflateToRgba');
const toIndices = kernel<(data: Uint8Array, header: Uint32Array, out: Uint8Array) => void>('pngToIndices');
const filterRgba = kernel<
  (rgba: Uint8Array, width: number, height: number, channels: number, out: Uint8Array, async: boolean) => Promise<void> | undefined
>('pngFilterRgba');
const packIndices = kernel<
  (indices: Uint8Array, imgW: number, imgH: number, x0: number, y0: number, w: number, h: number, fill: number, depth: number, out: Uint8Array) => void
>('pngPackIndices');
const indexStats = kernel<
  (indices: Uint8Array, imgW: number, imgH: number, x0: number, y0: number, x1: number, y1: number, stats: Float64Array) => void
>('pngIndexStats');

const EMPTY = new Uint8Array(0);

/**
 * Bytes of inflated image data (rows with their filter bytes, every Adam7 pass) the header calls for. Throws an
 * Error naming the problem for a header that is not a PNG we decode (bad depth/colour pair, zero or too many pixels).
 */
export function pngDataSize(h: PngHeader): number {
  return dataSize(packedPngHeader(h));
}

/**
 * Undoes the row filters in place; row y of a plain image then starts at y * (1 + row bytes) + 1. Returns whether
 * the image is plain (not Adam7) and every row is the same as the first.
 */
export function pngUnfilter(data: Uint8Array, h: PngHeader): boolean {
  return unfilter(data, packedPngHeader(h));
}

/** The 256 RGBA entries (byte order) that indices select: the palette with tRNS alpha, or the grey levels. */
export function pngPalette(h: PngHeader, plte: Uint8Array | null, trns: Uint8Array | null): Uint8Array {
  const table = new Uint8Array(1024);
  palette(packedPngHeader(h), plte ?? EMPTY, trns ?? EMPTY, table);
  return table;
}

function checkRgbaOut(h: PngHeader, out: Uint8Array): void {
  if (out.length !== h.width * h.height * 4) throw new RangeError(`PNG output of ${out.length} bytes for ${h.width}x${h.height} RGBA pixels`);
}

/** Unfilters `data` (inflated, modified in place) and expands it to RGBA8 pixels in `out` (width × height × 4). */
export function pngToRgba(data: Uint8Array, h: PngHeader, plte: Uint8Array | null, trns: Uint8Array | null, out: Uint8Array): void {
  checkRgbaOut(h, out);
  toRgba(data, packedPngHeader(h), plte ?? EMPTY, trns ?? EMPTY, out, false);
}

/** pngToRgba on the libuv pool, for images big enough that the event loop should not wait for them. */
export async function pngToRgbaAsync(data: Uint8Array, h: PngHeader, plte: Uint8Array | null, trns: Uint8Array | null, out: Uint8Array): Promise<void> {
  checkRgbaOut(h, out);
  await toRgba(data, packedPngHeader(h), plte ?? EMPTY, trns ?? EMPTY, out, true);
}

/**
 * pngToRgba straight from the compressed image data (the IDAT chunks' bytes in one piece), inflated in C
 * (kernels/inflate.h) into memory the kernel frees itself. False, with `out` untouched, when the stream does not inflate whole to the
 * size the header calls for: the caller then inflates with zlib, which says what is wrong (or accepts a stream
 * cut off after the last row).
 */
export function pngInflateToRgba(compressed: Uint8Array, h: PngHeader, plte: Uint8Array | null, trns: Uint8Array | null, out: Uint8Array): boolean {
  checkRgbaOut(h, out);
  return inflateToRgba(compressed, packedPngHeader(h), plte ?? EMPTY, trns ?? EMPTY, out, false) as boolean;
}

/** pngInflateToRgba on the libuv pool, for images big enough that the event loop should not wait for them. */
export async function pngInflateToRgbaAsync(
  compressed: Uint8Array, h: PngHeader, plte: Uint8Array | null, trns: Uint8Array | null, out: Uint8Array,
): Promise<boolean> {
  checkRgbaOut(h, out);
  return inflateToRgba(compressed, packedPngHeader(h), plte ?? EMPTY, trns ?? EMPTY, out, true);
}

/** Unfilters `data` (in place) of a palette image and unpacks one index byte per pixel into `out` (width × height). */
export function pngToIndices(data: Uint8Array, h: PngHeader, out: Uint8Array): void {
  if (out.length !== h.width * h.height) throw new RangeError(`PNG output of ${out.length} bytes for ${h.width}x${h.height} indices`);
  toIndices(data, packedPngHeader(h), out);
}

function filteredSize(width: number, height: number, channels: 3 | 4, rgba: Uint8Array): number {
  if (rgba.length !== width * height * 4) throw new RangeError(`PNG filter: ${rgba.length} bytes for ${width}x${height} RGBA pixels`);
  return height * (1 + width * channels);
}

/**
 * RGBA8 pixels as PNG rows of `channels` bytes per pixel (3 drops alpha), each with the adaptive filter choice
 * of libpng and Pillow: the result is what deflate gets.
 */
export function pngFilterRgba(rgba: Uint8Array, width: number, height: number, channels: 3 | 4): Buffer {
  const out = Buffer.allocUnsafe(filteredSize(width, height, channels, rgba));
  filterRgba(rgba, width, height, channels, out, false);
  return out;
}

export async function pngFilterRgbaAsync(rgba: Uint8Array, width: number, height: number, channels: 3 | 4): Promise<Buffer> {
  const out = Buffer.allocUnsafe(filteredSize(width, height, channels, rgba));
  await filterRgba(rgba, width, height, channels, out, true);
  return out;
}

/** An index image: one byte per pixel, rows of `width` without padding. */
export interface IndexImage {
  indices: Uint8Array;
  width: number;
  height: number;
}

/**
 * The `width` × `height` rectangle at (x0, y0) of an index image as PNG rows of `depth`-bit indices with filter type
 * 0; pixels outside the image get `fill`.
 */
export function pngPackIndices(img: IndexImage, x0: number, y0: number, width: number, height: number, fill: number, depth: 1 | 2 | 4 | 8): Buffer {
  if (img.indices.length !== img.width * img.height) throw new RangeError(`${img.indices.length} indices for a ${img.width}x${img.height} image`);
  const out = Buffer.allocUnsafe(height * (1 + Math.ceil((width * depth) / 8)));
  packIndices(img.indices, img.width, img.height, x0, y0, width, height, fill, depth, out);
  return out;
}

/** The largest index in [x0, x1) × [y0, y1) and the number of horizontal neighbours that differ. */
export function pngIndexStats(img: IndexImage, x0: number, y0: number, x1: number, y1: number): { maxIndex: number; changes: number } {
  const stats = new Float64Array(2);
  indexStats(img.indices, img.width, img.height, x0, y0, x1, y1, stats);
  return { maxIndex: stats[0], changes: stats[1] };
}
