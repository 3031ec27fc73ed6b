import { loadSharp } from './sharp-config.js';
import { decodePngAsync, isPng, pngImageData } from './png-decode.js';
import { mergeImages } from './merge.js';
import type { Point, Size } from '../geo/bbox.js';
import type { ImageFormat } from './format.js';
import { encodeRgbaPng } from './png-encode.js';
import { kernelOptions, quantizeTilesToPng, type QuantizeOptions } from './quantize.js';
import { metaTilesPngStaged } from '../native/meta-tiles.js';
import { addGeoTiffTags, type GeoReference } from './geotiff.js';
import { hasTransparency, WHITE, type RawImage, type RGB } from './raw-image.js';

export interface EncodeOptions {
  /** Colour that transparency is flattened onto for formats/modes without alpha (default white). */
  bgcolor?: RGB;
  /** Georeference for image/GeoTIFF; without it a GeoTIFF is written as a plain TIFF. */
  georef?: GeoReference;
  /**
   * MapProxy's `image_opts.transparent` for paletted PNG: false quantizes RGB pixels flattened onto bgcolor,
   * true RGBA pixels. Default: the format's `transparent`; when neither says, transparency is kept.
   */
  transparent?: boolean;
}

/**
 * Decode any supported bytes (png, jpeg, gif, tiff, webp) to 8-bit RGBA. PNG through the native kernels (a
 * broken PNG is an error, never passed on to another codec); the other formats through libvips.
 */
export async function decode(bytes: Buffer): Promise<RawImage> {
  if (isPng(bytes)) return decodePngAsync(bytes);
  const { data, info } = await (await loadSharp())(bytes)
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
  if (isPalettedPng(format)) return encodePalettedPng(raw, format, opts);
  const background = { r: bg[0], g: bg[1], b: bg[2] };
  let kind = format.kind;
  const transparentPixels = hasTransparency(raw);
  if (kind === 'mixed') kind = transparentPixels ? 'png' : 'jpeg';

  // An RGB mode or an explicitly opaque format has no alpha to write: flatten like a paste on an RGB canvas.
  const opaqueTarget = format.mode === 'RGB' || format.mode === 'L' || format.transparent === false || kind === 'jpeg';
  const keepAlpha = transparentPixels && !opaqueTarget;

  // Truecolour PNG (`paletted: false`, or the PNG half of `mixed`): our filter kernel and Node's zlib, as Pillow
  // writes it (level 6, adaptive filters). Paletted PNGs returned above; grey (mode L) PNGs go to libvips below.
  if (kind === 'png' && format.mode !== 'L') {
    const pixels = transparentPixels && !keepAlpha ? await mergeImages([{ image: raw }], [raw.width, raw.height], { bgcolor: bg }) : raw;
    return encodeRgbaPng(pixels, { alpha: keepAlpha });
  }

  let img = (await loadSharp())(raw.data, { raw: { width: raw.width, height: raw.height, channels: 4 } });
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

/**
 * MapProxy's quantize() arguments for a paletted PNG format: `colors` entries, the configured quantizer, and
 * alpha unless the mode or the transparency option says the target is opaque (then flattened onto bgcolor).
 */
export function quantizeOptions(format: ImageFormat, opts: EncodeOptions): QuantizeOptions {
  const transparent = opts.transparent ?? format.transparent;
  return {
    colors: format.colors && format.colors > 0 ? format.colors : 256,
    quantizer: format.quantizer ?? 'fastoctree',
    alpha: format.mode !== 'RGB' && transparent !== false,
    background: opts.bgcolor ?? WHITE,
  };
}

/** Quantized and written in one native call: the indices never become a JavaScript buffer. */
async function encodePalettedPng(raw: RawImage, format: ImageFormat, opts: EncodeOptions): Promise<Buffer> {
  return (await quantizeTilesToPng(raw, [{ offset: [0, 0], size: [raw.width, raw.height] }], quantizeOptions(format, opts)))[0]!;
}

/**
 * Encode the tiles of a meta tile as paletted PNGs (format must satisfy isPalettedPng), each quantized on its own
 * as MapProxy stores it (TileSplitter crop, then img_to_buf): the same palette and pixels, without cropping
 * copies in JavaScript. Parts of a tile outside the meta image are transparent white (bgcolor for opaque
 * targets). Quantizing and writing run in one native job on the libuv pool.
 */
export async function encodePalettedTiles(
  meta: RawImage,
  tiles: readonly { offset: Point; size: Size }[],
  format: ImageFormat,
  opts: EncodeOptions = {},
): Promise<Buffer[]> {
  if (!isPalettedPng(format)) throw new Error(`encodePalettedTiles: ${format.mimeType} is not a paletted PNG format`);
  return quantizeTilesToPng(meta, tiles, quantizeOptions(format, opts));
}

/**
 * encodePalettedTiles of an undecoded PNG of `size` pixels, decoded and encoded in one native job: the decoded
 * meta tile never becomes a JavaScript buffer, the same tiles byte for byte. Null for a PNG this path does not take
 * (a broken file, another size, image data that is not one whole stream of the declared size, rows that do not
 * decode): the caller decodes it as usual, which gives the image or says what is wrong with it.
 */
export function encodePalettedTilesFromPng(
  png: Buffer,
  size: Size,
  tiles: readonly { offset: Point; size: Size }[],
  format: ImageFormat,
  opts: EncodeOptions = {},
): Promise<Buffer[] | null> {
  return encodePalettedTilesFromPngStaged(png, size, tiles, format, opts, []).all;
}

/** The tiles of encodePalettedTilesFromPngStaged: the asked ones first, then all. */
export interface StagedTiles {
  /** The asked tiles in the asked order, as soon as they are written; null when the PNG is not taken (`all` is null too). */
  readonly asked: Promise<Buffer[] | null>;
  /**
   * Every tile, the asked ones included; null when the PNG is not taken. Rejects only for a failure after the asked
   * tiles were handed out (the PNG was decoded whole before, so not for a damaged PNG).
   */
  readonly all: Promise<Buffer[] | null>;
}

const NOT_TAKEN: StagedTiles = { asked: Promise.resolve(null), all: Promise.resolve(null) };

/**
 * encodePalettedTilesFromPng with the tiles at the indices `asked` handed out as soon as they are written, while
 * the same native job writes the others (a cold miss is answered without waiting for its meta tile's other tiles).
 * The whole PNG is decoded and checked first: a damaged one hands out no tile.
 */
export function encodePalettedTilesFromPngStaged(
  png: Buffer,
  size: Size,
  tiles: readonly { offset: Point; size: Size }[],
  format: ImageFormat,
  opts: EncodeOptions,
  asked: readonly number[],
): StagedTiles {
  if (!isPalettedPng(format)) throw new Error(`encodePalettedTilesFromPng: ${format.mimeType} is not a paletted PNG format`);
  let data: ReturnType<typeof pngImageData>;
  try {
    data = pngImageData(png);
  } catch {
    return NOT_TAKEN;
  }
  if (data.header.width !== size[0] || data.header.height !== size[1]) return NOT_TAKEN;
  const rects = tiles.map((t) => ({ x: t.offset[0], y: t.offset[1], width: t.size[0], height: t.size[1] }));
  const job = metaTilesPngStaged(data, size[0], size[1], rects, kernelOptions(quantizeOptions(format, opts)), asked);
  let handedOut = false;
  const askedTiles = job.asked.then(
    (t) => {
      handedOut = t !== null;
      return t;
    },
    () => null,
  );
  // Before anything was handed out, a failure is the caller's cue to decode the PNG the usual way (which says why).
  const all = job.all.catch((err: unknown) => {
    if (handedOut) throw err;
    return null;
  });
  return { asked: askedTiles, all };
}
