import { inflateSync } from 'node:zlib';
import { LITTLE_ENDIAN, wordView } from './pixel-words.js';
import type { RawImage } from './raw-image.js';

/** A PNG's header and its scanlines, inflated and unfiltered, before any expansion to RGBA. */
interface PngLines {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  palette: Buffer | null;
  trns: Buffer | null;
  /** Scanline y starts at `y * pitch + first` in `lines`. */
  lines: Buffer;
  pitch: number;
  first: number;
}

/**
 * A PNG decoder for the tiles we read most: non-interlaced, 8-bit or paletted PNGs (the tiles MapProxy,
 * MapServer and we write). Decoding a 256×256 tile this way (native zlib, unfiltering in JS) costs a
 * fraction of a libvips pipeline, which matters when a WMS GetMap stitches a dozen tiles.
 * Returns null for anything else (16-bit, interlaced, broken); the caller falls back to sharp.
 */
export function decodePngFast(bytes: Buffer): RawImage | null {
  const png = readPngLines(bytes);
  if (!png) return null;
  const out = Buffer.allocUnsafe(png.width * png.height * 4);
  expand(png.lines, png.pitch, png.first, out, png.width, png.height, png.depth, png.colorType, png.palette, png.trns);
  return { data: out, width: png.width, height: png.height };
}

/** A paletted image as one index byte per pixel and its palette: a quarter of the RGBA bytes. */
export interface PalettedPixels {
  width: number;
  height: number;
  /** Index of pixel (x, y) at `y * pitch + first + x`. */
  indices: Uint8Array;
  pitch: number;
  first: number;
  /** 256 entries as RGBA words in byte order (see pixel-words.ts), exactly what the RGBA decoder writes. */
  palette: Uint32Array;
}

/**
 * A paletted PNG (colour type 3) as indices without expanding them to RGBA; null for every other PNG.
 * 8-bit rows written without filters (PIL's and our own tiles) are used in place of the inflated data.
 */
export function decodePngPaletted(bytes: Buffer): PalettedPixels | null {
  const png = readPngLines(bytes);
  if (!png || png.colorType !== 3) return null;
  const { width, height, depth, lines, pitch, first } = png;
  const palette = paletteWords(png.colorType, depth, png.palette, png.trns);
  if (depth === 8) return { width, height, indices: lines, pitch, first, palette };
  const indices = new Uint8Array(width * height);
  const mask = (1 << depth) - 1;
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0, i = y * pitch + first; x < width; i++) {
      const byte = lines[i];
      for (let shift = 8 - depth; shift >= 0 && x < width; shift -= depth, x++) indices[p++] = (byte >> shift) & mask;
    }
  }
  return { width, height, indices, pitch: width, first: 0, palette };
}

/**
 * The colours of a palette (PLTE with tRNS alpha) or grey image (levels of its bit depth, tRNS as the transparent
 * level) as 256 RGBA words in byte order. Indices beyond the palette are opaque black.
 */
function paletteWords(colorType: number, depth: number, palette: Buffer | null, trns: Buffer | null): Uint32Array {
  const rgba = new Uint8Array(256 * 4);
  if (colorType === 3) {
    const pal = palette ?? Buffer.alloc(0);
    for (let i = 0; i < 256; i++) {
      rgba[i * 4] = pal[i * 3] ?? 0;
      rgba[i * 4 + 1] = pal[i * 3 + 1] ?? 0;
      rgba[i * 4 + 2] = pal[i * 3 + 2] ?? 0;
      rgba[i * 4 + 3] = trns && i < trns.length ? trns[i] : 255;
    }
  } else {
    const mask = (1 << depth) - 1;
    const key = trns && trns.length >= 2 ? trns.readUInt16BE(0) : -1;
    for (let i = 0; i <= mask; i++) {
      const v = Math.round((i * 255) / mask);
      rgba.set([v, v, v, i === key ? 0 : 255], i * 4);
    }
  }
  return new Uint32Array(rgba.buffer);
}

function readPngLines(bytes: Buffer): PngLines | null {
  if (bytes.length < 33 || bytes.readUInt32BE(0) !== 0x89504e47 || bytes.readUInt32BE(4) !== 0x0d0a1a0a) return null;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = -1;
  let palette: Buffer | null = null;
  let trns: Buffer | null = null;
  const idat: Buffer[] = [];
  let pos = 8;
  while (pos + 8 <= bytes.length) {
    const len = bytes.readUInt32BE(pos);
    const type = bytes.toString('latin1', pos + 4, pos + 8);
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    if (data.length !== len) return null;
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      depth = data[8];
      colorType = data[9];
      if (data[10] !== 0 || data[11] !== 0 || data[12] !== 0) return null; // compression, filter, interlace
    } else if (type === 'PLTE') palette = data;
    else if (type === 'tRNS') trns = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  if (!channels || !width || !height || idat.length === 0) return null;
  if (depth !== 8 && !(depth < 8 && (colorType === 3 || colorType === 0))) return null;
  if (colorType === 3 && !palette) return null;

  const bitsPerPixel = channels * depth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const expected = (stride + 1) * height;
  let inflated: Buffer;
  try {
    // One output chunk of the exact size: no concatenation of 16 KB pieces afterwards.
    inflated = inflateSync(idat.length === 1 ? idat[0] : Buffer.concat(idat), { chunkSize: Math.max(64, expected + 1) });
  } catch {
    return null;
  }
  if (inflated.length < expected) return null;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  // Palette and grey rows written without filters (PIL writes palette PNGs so) are read in place.
  const direct = (colorType === 3 || colorType === 0) && unfilteredRows(inflated, stride, height);
  const lines = direct ? inflated : unfilter(inflated, stride, height, bpp);
  if (!lines) return null;
  return { width, height, depth, colorType, palette, trns, lines, pitch: direct ? stride + 1 : stride, first: direct ? 1 : 0 };
}

/** Undo the per-scanline filters in place; returns the scanlines without their filter bytes. */
function unfilter(data: Buffer, stride: number, height: number, bpp: number): Buffer | null {
  const out = Buffer.allocUnsafe(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = data[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    switch (filter) {
      case 0:
        data.copy(out, row, src, src + stride);
        break;
      case 1:
        for (let i = 0; i < stride; i++) out[row + i] = (data[src + i] + (i >= bpp ? out[row + i - bpp] : 0)) & 255;
        break;
      case 2:
        for (let i = 0; i < stride; i++) out[row + i] = (data[src + i] + (y > 0 ? out[prev + i] : 0)) & 255;
        break;
      case 3:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? out[row + i - bpp] : 0;
          const b = y > 0 ? out[prev + i] : 0;
          out[row + i] = (data[src + i] + ((a + b) >> 1)) & 255;
        }
        break;
      case 4:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? out[row + i - bpp] : 0;
          const b = y > 0 ? out[prev + i] : 0;
          const c = i >= bpp && y > 0 ? out[prev + i - bpp] : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          out[row + i] = (data[src + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
        }
        break;
      default:
        return null;
    }
  }
  return out;
}

/** True when every scanline has filter type 0 (none). */
function unfilteredRows(data: Buffer, stride: number, height: number): boolean {
  for (let y = 0, p = 0; y < height; y++, p += stride + 1) if (data[p] !== 0) return false;
  return true;
}

/** Scanline y of palette/grey images starts at `y * pitch + first` in `lines`; other types are contiguous. */
function expand(
  lines: Buffer,
  pitch: number,
  first: number,
  out: Buffer,
  width: number,
  height: number,
  depth: number,
  colorType: number,
  palette: Buffer | null,
  trns: Buffer | null,
): void {
  let o = 0;
  if (colorType === 6) {
    lines.copy(out, 0, 0, width * height * 4);
    return;
  }
  if (colorType === 2) {
    const key = trns && trns.length >= 6 ? [trns.readUInt16BE(0), trns.readUInt16BE(2), trns.readUInt16BE(4)] : null;
    const out32 = !key && LITTLE_ENDIAN ? wordView(out) : null;
    if (out32) {
      // The usual upstream image (RGB, no colour key): one 32-bit store per pixel.
      for (let i = 0, p = 0, n = width * height * 3; i < n; i += 3, p++) {
        out32[p] = 0xff000000 | (lines[i + 2] << 16) | (lines[i + 1] << 8) | lines[i];
      }
      return;
    }
    for (let i = 0, n = width * height * 3; i < n; i += 3) {
      const r = lines[i], g = lines[i + 1], b = lines[i + 2];
      out[o++] = r;
      out[o++] = g;
      out[o++] = b;
      out[o++] = key && r === key[0] && g === key[1] && b === key[2] ? 0 : 255;
    }
    return;
  }
  if (colorType === 4) {
    for (let i = 0, n = width * height * 2; i < n; i += 2) {
      out[o++] = lines[i];
      out[o++] = lines[i];
      out[o++] = lines[i];
      out[o++] = lines[i + 1];
    }
    return;
  }
  // Palette or grey, possibly packed below 8 bits per pixel.
  const mask = (1 << depth) - 1;
  const perByte = 8 / depth;
  const pal32 = paletteWords(colorType, depth, palette, trns);
  const out32 = wordView(out);
  if (out32) {
    // One 32-bit store per pixel.
    let p = 0;
    for (let y = 0; y < height; y++) {
      const row = y * pitch + first;
      if (depth === 8) {
        for (let x = 0; x < width; x++) out32[p++] = pal32[lines[row + x]];
        continue;
      }
      // Packed indices, most significant bits first: unpack a byte at a time.
      for (let x = 0, i = row; x < width; i++) {
        const byte = lines[i];
        for (let shift = 8 - depth; shift >= 0 && x < width; shift -= depth, x++) out32[p++] = pal32[(byte >> shift) & mask];
      }
    }
    return;
  }
  const paletteRgba = new Uint8Array(pal32.buffer);
  for (let y = 0; y < height; y++) {
    const row = y * pitch + first;
    for (let x = 0; x < width; x++) {
      const idx = depth === 8 ? lines[row + x] : (lines[row + Math.floor(x / perByte)] >> ((perByte - 1 - (x % perByte)) * depth)) & mask;
      const p = idx * 4;
      out[o++] = paletteRgba[p];
      out[o++] = paletteRgba[p + 1];
      out[o++] = paletteRgba[p + 2];
      out[o++] = paletteRgba[p + 3];
    }
  }
}
