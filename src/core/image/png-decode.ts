import { promisify } from 'node:util';
import { constants, crc32, inflate, inflateSync, type ZlibOptions } from 'node:zlib';
import { zlibInflateExact } from '../native/inflate.js';
import {
  pngDataSize, pngInflateToRgba, pngInflateToRgbaAsync, pngPalette, pngToIndices, pngToRgba, pngToRgbaAsync, pngUnfilter, type PngHeader,
} from '../native/png.js';
import type { PngImageData } from '../native/meta-tiles.js';
import type { RawImage } from './raw-image.js';

/**
 * The PNG decoder for every valid PNG (any colour type, bit depth 1–16, Adam7): chunks are read here, and the
 * native kernels inflate (native/inflate.ts), unfilter and expand (native/png.ts), a big image in one job on the
 * libuv pool. They take a stream only when it inflates whole to the declared size; anything else goes to Node's
 * zlib module, which says what is wrong or, for a stream cut off after the last row or one with a little extra
 * data, decodes it as Pillow does: the native path changes no outcome. Upstream images and cache files are
 * hostile input: a broken PNG throws an Error that says what is wrong, which callers report as a source error.
 *
 * Like Pillow (MapProxy's image library): the CRCs of the chunks before the image data are checked, those of
 * IDAT and later chunks are not; chunks after the last IDAT are not read (a missing IEND is fine when the image
 * data is complete); unknown chunks are skipped. 16-bit samples keep their high byte (libpng's strip; Pillow does
 * the same except for 16-bit grey, which it clips as 32-bit integers).
 */

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Deflate's largest expansion is about 1032:1: no truthful stream inflates past this, so no buffer needs more. */
const MAX_INFLATE_RATIO = 1032;
/** Inflated bytes past the declared image that are tolerated (ignored), like Pillow and libpng do. */
const TRAILING_SLACK = 65536;
/** From this many pixels on, the async decoder inflates and expands on the libuv pool. */
const POOL_PIXELS = 1 << 18;

/** A PNG's chunks as far as pixels need them. */
interface PngChunks {
  header: PngHeader;
  plte: Buffer | null;
  trns: Buffer | null;
  /** The IDAT chunks' data, in order (the last one possibly cut short by the end of the file). */
  idat: Buffer[];
  /** Bytes of inflated image data the header calls for. */
  expected: number;
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.equals(bytes.subarray(0, 8));
}

const fail = (message: string): never => {
  throw new Error(message);
};

function readChunks(bytes: Buffer): PngChunks {
  if (!isPng(bytes)) fail('not a PNG file (no PNG signature)');
  let header: PngHeader | null = null;
  let plte: Buffer | null = null;
  let trns: Buffer | null = null;
  const idat: Buffer[] = [];
  for (let pos = 8; ; ) {
    if (pos + 8 > bytes.length) {
      if (idat.length) break; // no IEND: the image data decides whether anything is missing
      fail(`truncated PNG file: ${bytes.length} bytes end before ${header ? 'the image data' : 'the IHDR chunk'}`);
    }
    const length = bytes.readUInt32BE(pos);
    const type = bytes.toString('latin1', pos + 4, pos + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) fail(`broken PNG file: chunk type ${JSON.stringify(type)} at byte ${pos}`);
    if (length > 0x7fffffff) fail(`broken PNG file: ${type} chunk length ${length}`);
    if (!header && type !== 'IHDR') fail(`broken PNG file: the first chunk is ${type}, not IHDR`);
    const end = pos + 8 + length;
    if (type === 'IDAT') {
      idat.push(bytes.subarray(pos + 8, end));
      pos = end + 4; // IDAT CRCs are not checked (Pillow does not either)
      continue;
    }
    if (idat.length) break; // the image data is over; what follows does not change the pixels
    if (end + 4 > bytes.length) fail(`truncated PNG file: the ${type} chunk needs ${length + 12} bytes, ${bytes.length - pos} are left`);
    const data = bytes.subarray(pos + 8, end);
    if (crc32(bytes.subarray(pos + 4, end)) !== bytes.readUInt32BE(end)) fail(`broken PNG file: bad CRC in the ${type} chunk`);
    if (type === 'IHDR') {
      if (header) fail('broken PNG file: a second IHDR chunk');
      if (length !== 13) fail(`broken PNG file: IHDR chunk of ${length} bytes, not 13`);
      if (data[10] !== 0) fail(`PNG compression method ${data[10]} is not valid`);
      if (data[11] !== 0) fail(`PNG filter method ${data[11]} is not valid`);
      header = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), depth: data[8], colorType: data[9], interlace: data[12] };
    } else if (type === 'PLTE') plte = data;
    else if (type === 'tRNS') trns = data;
    else if (type === 'IEND') break;
    pos = end + 4;
  }
  if (!header) return fail('broken PNG file: no IHDR chunk');
  // The kernels check the header (depth and colour type, size within the pixel limit) and compute the data size.
  const expected = pngDataSize(header);
  if (!idat.length) fail('broken PNG file: no image data (IDAT chunk)');
  return { header, plte, trns, idat, expected };
}

/** The image data in one piece. */
function compressedData(png: PngChunks): Buffer {
  return png.idat.length === 1 ? png.idat[0] : Buffer.concat(png.idat);
}

/** zlib options that never allocate more than the data can inflate to. */
function zlibOptions(compressed: Buffer, expected: number): ZlibOptions {
  const bound = compressed.length * MAX_INFLATE_RATIO + 1024;
  return {
    // One output chunk of the exact size (no concatenation of 16 KB pieces), unless the data cannot fill it.
    chunkSize: Math.max(64, Math.min(expected + 1, bound)),
    maxOutputLength: expected + TRAILING_SLACK,
    // A cut-off stream gives what it has; the length check below says whether that is enough.
    finishFlush: constants.Z_SYNC_FLUSH,
  };
}

function inflateError(err: unknown): Error {
  if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return new Error('PNG image data is larger than its header declares');
  return new Error(`PNG image data does not inflate: ${(err as Error).message}`, { cause: err });
}

function checkInflated(inflated: Buffer, expected: number): Buffer {
  if (inflated.length < expected) fail(`PNG image data is truncated: ${inflated.length} of ${expected} bytes`);
  return inflated;
}

/** Through zlib's module: what a stream the kernels did not take gives, or the error that says why it gives nothing. */
function zlibInflated(compressed: Buffer, expected: number): Buffer {
  let data: Buffer;
  try {
    data = inflateSync(compressed, zlibOptions(compressed, expected));
  } catch (err) {
    throw inflateError(err);
  }
  return checkInflated(data, expected);
}

const inflateAsync = promisify<Buffer, ZlibOptions, Buffer>(inflate);

async function zlibInflatedAsync(compressed: Buffer, expected: number): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await inflateAsync(compressed, zlibOptions(compressed, expected));
  } catch (err) {
    throw inflateError(err);
  }
  return checkInflated(data, expected);
}

/**
 * Whether `compressed` could inflate to `expected` bytes at deflate's best ratio. A PNG that declares a huge image
 * over a few bytes of data goes straight to zlib, which refuses it before anything of the declared size is allocated.
 */
function couldFill(compressed: Buffer, expected: number): boolean {
  return expected <= compressed.length * MAX_INFLATE_RATIO + 1024;
}

/** The inflated image data: inflated in C when the stream is whole and of the declared size, else by zlibInflated. */
function inflated(png: PngChunks): Buffer {
  const compressed = compressedData(png);
  if (couldFill(compressed, png.expected)) {
    const data = Buffer.allocUnsafe(png.expected);
    if (zlibInflateExact(compressed, data)) return data;
  }
  return zlibInflated(compressed, png.expected);
}

const rgbaBuffer = (h: PngHeader): Buffer => Buffer.allocUnsafe(h.width * h.height * 4);

function rgba(png: PngChunks): RawImage {
  const { header, plte, trns, expected } = png;
  const compressed = compressedData(png);
  let out: Buffer | null = null;
  if (couldFill(compressed, expected)) {
    out = rgbaBuffer(header);
    if (pngInflateToRgba(compressed, header, plte, trns, out)) return { data: out, width: header.width, height: header.height };
  }
  const data = zlibInflated(compressed, expected);
  out ??= rgbaBuffer(header);
  pngToRgba(data, header, plte, trns, out);
  return { data: out, width: header.width, height: header.height };
}

/**
 * What a PNG's pixels are made of, its chunks read and checked as the decoders do (a broken file throws the same
 * Error): for the kernels that decode the image data themselves (native/meta-tiles.ts).
 */
export function pngImageData(bytes: Buffer): PngImageData {
  const png = readChunks(bytes);
  return { header: png.header, plte: png.plte, trns: png.trns, compressed: compressedData(png) };
}

/** Any valid PNG as RGBA8 pixels; throws an Error for anything else. */
export function decodePng(bytes: Buffer): RawImage {
  return rgba(readChunks(bytes));
}

/**
 * decodePng with big images inflated and expanded on the libuv pool, in one job, so the event loop keeps
 * answering.
 */
export async function decodePngAsync(bytes: Buffer): Promise<RawImage> {
  const png = readChunks(bytes);
  const { header, plte, trns, expected } = png;
  if (header.width * header.height < POOL_PIXELS) return rgba(png);
  const compressed = compressedData(png);
  let out: Buffer | null = null;
  if (couldFill(compressed, expected)) {
    out = rgbaBuffer(header);
    if (await pngInflateToRgbaAsync(compressed, header, plte, trns, out)) return { data: out, width: header.width, height: header.height };
  }
  const data = await zlibInflatedAsync(compressed, expected);
  out ??= rgbaBuffer(header);
  await pngToRgbaAsync(data, header, plte, trns, out);
  return { data: out, width: header.width, height: header.height };
}

/** A paletted image as one index byte per pixel and its palette: a quarter of the RGBA bytes. */
export interface PalettedPixels {
  width: number;
  height: number;
  /** Index of pixel (x, y) at `y * pitch + first + x`; pitch 0 when every row is the same. */
  indices: Uint8Array;
  pitch: number;
  first: number;
  /** 256 entries as RGBA words in byte order (see pixel-words.ts), exactly what the RGBA decoder writes. */
  palette: Uint32Array;
}

/**
 * A paletted PNG (colour type 3) as indices without expanding them to RGBA; null for every other PNG (a broken
 * PNG throws). The unfiltered rows of an 8-bit, non-interlaced image are the indices: they are used in place,
 * behind their filter bytes; when every row is the same, one row is kept (pitch 0). Indices beyond the palette
 * select opaque black, as in the RGBA decoder.
 */
export function decodePngPaletted(bytes: Buffer): PalettedPixels | null {
  const png = readChunks(bytes);
  const h = png.header;
  if (h.colorType !== 3) return null;
  const { width, height } = h;
  const palette = new Uint32Array(pngPalette(h, png.plte, png.trns).buffer);
  const data = inflated(png);
  if (h.depth === 8 && !h.interlace) {
    // A tile of one colour (sea, land, nothing) keeps a copy of one row: the inflated data is garbage at once, a
    // young buffer V8 frees cheaply, instead of living as long as the map that uses it.
    if (pngUnfilter(data, h)) return { width, height, indices: new Uint8Array(data.subarray(0, width + 1)), pitch: 0, first: 1, palette };
    return { width, height, indices: data, pitch: width + 1, first: 1, palette };
  }
  const indices = new Uint8Array(width * height);
  pngToIndices(data, h, indices);
  return { width, height, indices, pitch: width, first: 0, palette };
}
