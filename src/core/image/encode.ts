import sharp from 'sharp';
import { decodePngFast } from './png-decode.js';
import type { Point, Size } from '../geo/bbox.js';
import type { ImageFormat } from './format.js';
import { encodeIndexedPng, encodeIndexedPngRegion } from './png-encode.js';
import { quantize, quantizeExact } from './quantize.js';
import { cropImage } from './split.js';
import { addGeoTiffTags, type GeoReference } from './geotiff.js';
import { hasTransparency, WHITE, type RawImage, type RGB } from './raw-image.js';

export interface EncodeOptions {
  /** Colour that transparency is flattened onto for formats/modes without alpha (default white). */
  bgcolor?: RGB;
  /** Georeference for image/GeoTIFF; without it a GeoTIFF is written as a plain TIFF. */
  georef?: GeoReference;
}

/** Decode any supported bytes (png, jpeg, gif, tiff, webp) to 8-bit RGBA. */
export async function decode(bytes: Buffer): Promise<RawImage> {
  const fast = decodePngFast(bytes);
  if (fast) return fast;
  const { data, info } = await sharp(bytes)
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`decoded image has ${info.channels} channels, expected 4`);
  return { data, width: info.width, height: info.height };
}

/**
 * Encode RGBA pixels like MapProxy's img_to_buf: PNG (paletted when format.colors is set, RGBA only when
 * there is transparency to keep), JPEG (flattened on bgcolor), GIF, TIFF (raw/lzw/jpeg), GeoTIFF and mixed.
 */
export async function encode(raw: RawImage, format: ImageFormat, opts: EncodeOptions = {}): Promise<Buffer> {
  const bg = opts.bgcolor ?? WHITE;
  if (isPalettedPng(format)) return encodePalettedPng(raw, format, bg);
  const background = { r: bg[0], g: bg[1], b: bg[2] };
  let kind = format.kind;
  const transparentPixels = hasTransparency(raw);
  if (kind === 'mixed') kind = transparentPixels ? 'png' : 'jpeg';

  // An RGB mode or an explicitly opaque format has no alpha to write: flatten like a paste on an RGB canvas.
  const opaqueTarget = format.mode === 'RGB' || format.mode === 'L' || format.transparent === false || kind === 'jpeg';
  const keepAlpha = transparentPixels && !opaqueTarget;

  let img = sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 4 } });
  if (transparentPixels && !keepAlpha) img = img.flatten({ background });
  else if (!keepAlpha) img = img.removeAlpha();
  if (format.mode === 'L') img = img.toColourspace('b-w');

  switch (kind) {
    case 'png': {
      // Grey paletted PNGs (mode L with colors) are rare: libvips converts and quantizes them.
      const paletted = format.kind !== 'mixed' && (((format.paletted ?? false) && (format.colors ?? 0) > 0) || format.mode === 'P');
      return paletted
        ? img.png({ palette: true, colours: format.colors ?? 256, effort: 3, dither: 0 }).toBuffer()
        : img.png({ compressionLevel: 6 }).toBuffer();
    }
    case 'jpeg':
      return img.jpeg({ quality: format.jpegQuality ?? 90 }).toBuffer();
    case 'gif':
      return img.gif({ effort: 3 }).toBuffer();
    case 'webp':
      return img.webp({ quality: format.jpegQuality ?? 90 }).toBuffer();
    case 'tiff':
    case 'geotiff': {
      const compression = format.tiffCompression === 'tiff_lzw' ? 'lzw' : format.tiffCompression === 'jpeg' ? 'jpeg' : 'none';
      if (compression === 'jpeg' && keepAlpha) img = img.flatten({ background });
      const out = await img.tiff({ compression, quality: format.jpegQuality ?? 90 }).toBuffer();
      return kind === 'geotiff' && opts.georef ? addGeoTiffTags(out, [raw.width, raw.height], opts.georef) : out;
    }
  }
  throw new Error(`cannot encode format kind ${String(kind)}`);
}

/**
 * True when `format` is written as a paletted PNG by our own quantizer and PNG writer (MapProxy's default
 * `paletted: true` PNG): what encodePalettedTiles accepts. Grey (mode L) PNGs stay with libvips.
 */
export function isPalettedPng(format: ImageFormat): boolean {
  if (format.kind !== 'png' || format.mode === 'L') return false;
  return ((format.paletted ?? false) && (format.colors ?? 0) > 0) || format.mode === 'P';
}

/** Formats without alpha: transparency is flattened onto bgcolor before quantizing. */
function opaqueTarget(format: ImageFormat): boolean {
  return format.mode === 'RGB' || format.transparent === false;
}

/** Paste on an opaque canvas of `bg` (what libvips' flatten does), copying only when something is not opaque. */
function flattenOnto(raw: RawImage, bg: RGB): RawImage {
  if (!hasTransparency(raw)) return raw;
  const src = raw.data;
  const out = Buffer.allocUnsafe(src.length);
  for (let i = 0; i < src.length; i += 4) {
    const a = src[i + 3];
    if (a === 255) {
      out[i] = src[i];
      out[i + 1] = src[i + 1];
      out[i + 2] = src[i + 2];
    } else {
      const rest = 255 - a;
      out[i] = Math.round((src[i] * a + bg[0] * rest) / 255);
      out[i + 1] = Math.round((src[i + 1] * a + bg[1] * rest) / 255);
      out[i + 2] = Math.round((src[i + 2] * a + bg[2] * rest) / 255);
    }
    out[i + 3] = 255;
  }
  return { data: out, width: raw.width, height: raw.height };
}

function paletteSize(format: ImageFormat): number {
  return format.colors && format.colors > 0 ? format.colors : 256;
}

function encodePalettedPng(raw: RawImage, format: ImageFormat, bg: RGB): Buffer {
  const pixels = opaqueTarget(format) ? flattenOnto(raw, bg) : raw;
  return encodeIndexedPng(quantize(pixels, { colors: paletteSize(format) }));
}

/**
 * Encode the tiles of a meta tile as paletted PNGs (format must satisfy isPalettedPng): the same pixels as
 * cropTiles + encode per tile, but the meta image is quantized once and each tile written from the shared
 * indices. A tile with few enough colours of its own still gets its exact palette, as per-tile quantizing
 * would give it. Parts of a tile outside the meta image are transparent (bgcolor for opaque formats).
 */
export function encodePalettedTiles(
  meta: RawImage,
  tiles: readonly { offset: Point; size: Size }[],
  format: ImageFormat,
  opts: EncodeOptions = {},
): Buffer[] {
  if (!isPalettedPng(format)) throw new Error(`encodePalettedTiles: ${format.mimeType} is not a paletted PNG format`);
  const bg = opts.bgcolor ?? WHITE;
  const opaque = opaqueTarget(format);
  const pixels = opaque ? flattenOnto(meta, bg) : meta;
  const colors = paletteSize(format);
  // cropTiles fills with a transparent white canvas; an opaque format flattens that onto bg.
  const fill: [number, number, number, number] = opaque ? [bg[0], bg[1], bg[2], 255] : [WHITE[0], WHITE[1], WHITE[2], 0];
  const canvas = opaque ? { bgcolor: bg } : { transparent: true };
  const reachesOut = tiles.some(
    (t) => t.offset[0] < 0 || t.offset[1] < 0 || t.offset[0] + t.size[0] > meta.width || t.offset[1] + t.size[1] > meta.height,
  );
  const shared = quantize(pixels, reachesOut ? { colors, extra: fill } : { colors });
  return tiles.map((t) => {
    if (!shared.exact) {
      const [x, y] = t.offset;
      const [width, height] = t.size;
      const inside = x >= 0 && y >= 0 && x + width <= pixels.width && y + height <= pixels.height;
      const own = inside
        ? quantizeExact(pixels, { colors }, { x, y, width, height })
        : quantizeExact(cropImage(pixels, t.offset, t.size, canvas), { colors });
      if (own) return encodeIndexedPng(own);
    }
    return encodeIndexedPngRegion(shared, t.offset, t.size, shared.extraIndex);
  });
}
