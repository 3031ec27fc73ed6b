import type { Size } from '../geo/bbox.js';

/** Formats recognised by their magic number. */
export type DetectedFormat = 'png' | 'jpeg' | 'gif' | 'tiff' | 'webp';

const MIME: Record<DetectedFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  tiff: 'image/tiff',
  webp: 'image/webp',
};

/** The real format of encoded bytes, from the magic number (MapProxy's peek_image_format, plus WebP). */
export function detectImageFormat(b: Uint8Array): DetectedFormat | null {
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'png';
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xd8) return 'jpeg';
  if (b.length >= 4 && ((b[0] === 0x4d && b[1] === 0x4d && b[2] === 0x00 && b[3] === 0x2a) || (b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0x00))) return 'tiff';
  if (b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38 && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61) return 'gif';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  return null;
}

export function detectedMimeType(b: Uint8Array): string | null {
  const f = detectImageFormat(b);
  return f ? MIME[f] : null;
}

/** The pixel size from the header alone, without decoding. Null when the header is not understood. */
export function peekImageSize(b: Uint8Array): Size | null {
  switch (detectImageFormat(b)) {
    case 'png':
      return b.length >= 24 ? [u32be(b, 16), u32be(b, 20)] : null;
    case 'gif':
      return b.length >= 10 ? [b[6]! | (b[7]! << 8), b[8]! | (b[9]! << 8)] : null;
    case 'jpeg':
      return jpegSize(b);
    case 'tiff':
      return tiffSize(b);
    case 'webp':
      return webpSize(b);
    default:
      return null;
  }
}

/**
 * Whether a PNG can contain transparency, from its header: false for grey/RGB without a tRNS chunk.
 * Null when unknown (palette or alpha colour types: the pixels must be looked at).
 */
export function pngMayHaveAlpha(b: Uint8Array): boolean | null {
  if (detectImageFormat(b) !== 'png' || b.length < 26) return null;
  const colorType = b[25];
  if (colorType === 4 || colorType === 6) return null;
  // Walk the chunks before IDAT looking for tRNS.
  let p = 8;
  while (p + 8 <= b.length) {
    const len = u32be(b, p);
    const type = ascii(b, p + 4, 4);
    if (type === 'tRNS') return colorType === 3 ? null : true;
    if (type === 'IDAT' || type === 'IEND') break;
    p += 12 + len;
  }
  return false;
}

function ascii(b: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = off; i < off + len && i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

function u32be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function jpegSize(b: Uint8Array): Size | null {
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) return null;
    const marker = b[p + 1]!;
    if (marker === 0xff) {
      p++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      p += 2;
      continue;
    }
    const len = (b[p + 2]! << 8) | b[p + 3]!;
    const isSOF = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSOF) {
      if (p + 9 > b.length) return null;
      return [(b[p + 7]! << 8) | b[p + 8]!, (b[p + 5]! << 8) | b[p + 6]!];
    }
    p += 2 + len;
  }
  return null;
}

function tiffSize(b: Uint8Array): Size | null {
  if (b.length < 8) return null;
  const le = b[0] === 0x49;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ifd = view.getUint32(4, le);
  if (ifd + 2 > b.length) return null;
  const n = view.getUint16(ifd, le);
  let w: number | null = null;
  let h: number | null = null;
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > b.length) break;
    const tag = view.getUint16(e, le);
    const type = view.getUint16(e + 2, le);
    const value = type === 3 ? view.getUint16(e + 8, le) : view.getUint32(e + 8, le);
    if (tag === 256) w = value;
    else if (tag === 257) h = value;
  }
  return w !== null && h !== null ? [w, h] : null;
}

function webpSize(b: Uint8Array): Size | null {
  if (b.length < 30) return null;
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8 ') return [((b[26]! | (b[27]! << 8)) & 0x3fff), ((b[28]! | (b[29]! << 8)) & 0x3fff)];
  if (chunk === 'VP8L') {
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1];
  }
  if (chunk === 'VP8X') {
    return [1 + (b[24]! | (b[25]! << 8) | (b[26]! << 16)), 1 + (b[27]! | (b[28]! << 8) | (b[29]! << 16))];
  }
  return null;
}
