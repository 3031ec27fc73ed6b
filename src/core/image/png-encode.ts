import { promisify } from 'node:util';
import { constants, crc32, deflate, deflateSync, type ZlibOptions } from 'node:zlib';
import type { Point, Size } from '../geo/bbox.js';
import { pngFilterRgba, pngFilterRgbaAsync, pngIndexStats, pngPackIndices } from '../native/png.js';
import type { IndexedImage } from './quantize.js';
import type { RawImage } from './raw-image.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Write an indexed image as a paletted PNG. */
export function encodeIndexedPng(img: IndexedImage): Buffer {
  return encodeIndexedPngRegion(img, [0, 0], [img.width, img.height], 0);
}

/**
 * Write the `size` rectangle at `offset` of an indexed image (a tile of a quantized meta tile) as a
 * paletted PNG, reading the index rows in place. Pixels outside the image get `fillIndex`.
 * As MapProxy writes quantized images with Pillow: filter type 0 on every row, zlib's Z_RLE strategy
 * (img_to_buf's `compress_type=Image.RLE`; also several times faster than the default strategy), and a bit
 * depth of 1, 2 or 4 when the entries this tile uses fit; PLTE holds only entries up to the highest used,
 * tRNS only up to the last entry that is not opaque.
 */
export function encodeIndexedPngRegion(img: IndexedImage, offset: Point, size: Size, fillIndex: number): Buffer {
  const parts = indexedPngParts(img, offset, size, fillIndex);
  return writeChunks(parts.chunks(deflateSync(parts.lines, RLE)));
}

/** encodeIndexedPng with big images deflated on the libuv pool, so the event loop keeps answering. */
export async function encodeIndexedPngAsync(img: IndexedImage): Promise<Buffer> {
  const parts = indexedPngParts(img, [0, 0], [img.width, img.height], 0);
  const idat = img.width * img.height < POOL_PIXELS ? deflateSync(parts.lines, RLE) : await deflateAsync(parts.lines, RLE);
  return writeChunks(parts.chunks(idat));
}

const RLE: ZlibOptions = { level: 6, strategy: constants.Z_RLE };

/** The packed index rows of a region, and its chunks around the compressed rows. */
function indexedPngParts(
  img: IndexedImage, offset: Point, size: Size, fillIndex: number,
): { lines: Buffer; chunks: (idat: Buffer) => [string, Buffer][] } {
  const [x0, y0] = offset;
  const [w, h] = size;
  if (w <= 0 || h <= 0) throw new Error(`cannot write a PNG of ${w}x${h} pixels`);
  const inside = x0 >= 0 && y0 >= 0 && x0 + w <= img.width && y0 + h <= img.height;
  // The visible part of the image within the rectangle (may be empty).
  const cx0 = Math.max(0, x0);
  const cy0 = Math.max(0, y0);
  const cx1 = Math.min(img.width, x0 + w);
  const cy1 = Math.min(img.height, y0 + h);

  // The largest index over the visible part: the bit depth.
  const stats = cx1 > cx0 && cy1 > cy0 ? pngIndexStats(img, cx0, cy0, cx1, cy1) : { maxIndex: 0, changes: 0 };
  const maxIndex = inside ? stats.maxIndex : Math.max(stats.maxIndex, fillIndex);
  const entries = Math.min(maxIndex + 1, img.palette.length / 4);
  const depth = entries <= 2 ? 1 : entries <= 4 ? 2 : entries <= 16 ? 4 : 8;
  if (!inside && !(fillIndex >= 0 && fillIndex < 256)) throw new Error(`a PNG region reaching outside the image needs a fill index, got ${fillIndex}`);
  const lines = pngPackIndices(img, x0, y0, w, h, inside ? 0 : fillIndex, depth);

  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = depth;
  ihdr[9] = 3; // colour type: palette
  const plte = Buffer.allocUnsafe(entries * 3);
  let trnsLength = 0;
  for (let i = 0; i < entries; i++) {
    img.palette.copy(plte, i * 3, i * 4, i * 4 + 3);
    if (img.palette[i * 4 + 3] !== 255) trnsLength = i + 1;
  }
  const trns = Buffer.allocUnsafe(trnsLength);
  for (let i = 0; i < trnsLength; i++) trns[i] = img.palette[i * 4 + 3];
  const chunks = (idat: Buffer): [string, Buffer][] => [
    ['IHDR', ihdr],
    ['PLTE', plte],
    ...(trnsLength > 0 ? [['tRNS', trns] as [string, Buffer]] : []),
    ['IDAT', idat],
    ['IEND', Buffer.alloc(0)],
  ];
  return { lines, chunks };
}

export interface RgbaPngOptions {
  /** Keep the alpha channel (colour type 6); without it the PNG is RGB (colour type 2) and alpha is dropped. */
  alpha: boolean;
  /** zlib level, 0–9 (default 6, Pillow's). */
  level?: number;
  /** zlib strategy (default Z_DEFAULT_STRATEGY, Pillow's). */
  strategy?: number;
}

/** From this many pixels on, the async writer filters and deflates on the libuv pool. */
const POOL_PIXELS = 1 << 18;

function zlibOptions(opts: RgbaPngOptions): ZlibOptions {
  return { level: opts.level ?? 6, strategy: opts.strategy ?? constants.Z_DEFAULT_STRATEGY };
}

function rgbaPngChunks(raw: RawImage, opts: RgbaPngOptions, idat: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(raw.width, 0);
  ihdr.writeUInt32BE(raw.height, 4);
  ihdr[8] = 8;
  ihdr[9] = opts.alpha ? 6 : 2;
  return writeChunks([['IHDR', ihdr], ['IDAT', idat], ['IEND', Buffer.alloc(0)]]);
}

function checkSize(raw: RawImage): void {
  if (raw.width <= 0 || raw.height <= 0) throw new Error(`cannot write a PNG of ${raw.width}x${raw.height} pixels`);
}

/**
 * Write RGBA pixels as a truecolour PNG, 8 bits per sample: RGBA when `alpha` is kept, else RGB with alpha
 * dropped (flatten first when it matters). Like Pillow: each row gets the filter with the smallest sum of absolute
 * residues, then zlib level 6.
 */
export function encodeRgbaPngSync(raw: RawImage, opts: RgbaPngOptions): Buffer {
  checkSize(raw);
  const rows = pngFilterRgba(raw.data, raw.width, raw.height, opts.alpha ? 4 : 3);
  return rgbaPngChunks(raw, opts, deflateSync(rows, zlibOptions(opts)));
}

const deflateAsync = promisify<Buffer, ZlibOptions, Buffer>(deflate);

/** encodeRgbaPngSync with big images filtered and deflated on the libuv pool, so the event loop keeps answering. */
export async function encodeRgbaPng(raw: RawImage, opts: RgbaPngOptions): Promise<Buffer> {
  checkSize(raw);
  if (raw.width * raw.height < POOL_PIXELS) return encodeRgbaPngSync(raw, opts);
  const rows = await pngFilterRgbaAsync(raw.data, raw.width, raw.height, opts.alpha ? 4 : 3);
  return rgbaPngChunks(raw, opts, await deflateAsync(rows, zlibOptions(opts)));
}

function writeChunks(chunks: readonly [string, Buffer][]): Buffer {
  let total = SIGNATURE.length;
  for (const [, data] of chunks) total += 12 + data.length;
  const out = Buffer.allocUnsafe(total);
  SIGNATURE.copy(out, 0);
  let pos = SIGNATURE.length;
  for (const [type, data] of chunks) {
    out.writeUInt32BE(data.length, pos);
    out.write(type, pos + 4, 'latin1');
    data.copy(out, pos + 8);
    out.writeUInt32BE(crc32(out.subarray(pos + 4, pos + 8 + data.length)), pos + 8 + data.length);
    pos += 12 + data.length;
  }
  return out;
}
