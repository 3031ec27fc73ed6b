import type { Resampling } from './raw-image.js';

/** The encoder an ImageFormat selects. `mixed`: PNG when the image has transparency, else JPEG. */
export type FormatKind = 'png' | 'jpeg' | 'gif' | 'tiff' | 'geotiff' | 'webp' | 'mixed';

export type ImageMode = 'RGB' | 'RGBA' | 'P' | 'L' | 'I';

/** An output format with MapProxy's ImageOptions that matter for encoding. */
export interface ImageFormat {
  /** As configured/requested, e.g. 'image/png', 'image/png; mode=8bit', 'image/GeoTIFF'; `image/mixed` for mixed. */
  mimeType: string;
  /** MapProxy's ImageFormat.ext: the part after 'image/' and before ';' ('png', 'jpeg', 'GeoTIFF', 'mixed'). */
  ext: string;
  /** The configured name when looked up by name ('png8', 'custom', 'mixed'). */
  name?: string;
  kind: FormatKind;
  /** Quantize PNG to a palette of `colors` entries (MapProxy: colors set, or globals.image.paletted). */
  paletted?: boolean;
  colors?: number;
  mode?: ImageMode;
  jpegQuality?: number;
  transparent?: boolean;
  resampling?: Resampling;
  tiffCompression?: TiffCompression;
  quantizer?: 'fastoctree' | 'mediancut';
}

export type TiffCompression = 'raw' | 'tiff_lzw' | 'jpeg';

/** `globals.image.formats.<name>` and the `image:` section of sources/caches, typed. */
export interface FormatOptionsConfig {
  format?: string;
  mode?: ImageMode;
  colors?: number;
  transparent?: boolean;
  resamplingMethod?: Resampling;
  encodingOptions?: {
    jpegQuality?: number;
    quantizer?: 'fastoctree' | 'mediancut';
    tiffCompression?: TiffCompression;
  };
}

/** `globals.image`, typed. Defaults: paletted true, jpegQuality 90, resamplingMethod bicubic. */
export interface ImageGlobals {
  paletted?: boolean;
  jpegQuality?: number;
  resamplingMethod?: Resampling;
  formats?: Readonly<Record<string, FormatOptionsConfig>>;
}

export const DEFAULT_JPEG_QUALITY = 90;
export const DEFAULT_RESAMPLING: Resampling = 'bicubic';

/** Names understood without configuration. MapProxy itself maps only 'image/…' strings; these are conveniences. */
const BUILTIN_NAMES: Readonly<Record<string, FormatOptionsConfig>> = {
  png: { format: 'image/png' },
  png8: { format: 'image/png; mode=8bit', colors: 256 },
  jpeg: { format: 'image/jpeg' },
  jpg: { format: 'image/jpeg' },
  gif: { format: 'image/gif' },
  tiff: { format: 'image/tiff' },
  tif: { format: 'image/tiff' },
  geotiff: { format: 'image/GeoTIFF' },
  webp: { format: 'image/webp' },
};

/** MapProxy's ImageFormat.ext: strip 'image/' and any ';' parameters. */
export function formatExt(mime: string): string {
  let ext = mime;
  const slash = ext.indexOf('/');
  if (slash >= 0) ext = ext.slice(slash + 1);
  const semi = ext.indexOf(';');
  if (semi >= 0) ext = ext.slice(0, semi);
  return ext.trim();
}

/** MapProxy's ImageFormat.mime_type: prefix 'image/' when missing. */
export function formatMimeType(nameOrMime: string): string {
  return nameOrMime.startsWith('image/') ? nameOrMime : `image/${nameOrMime}`;
}

export function formatKind(mimeOrExt: string): FormatKind | null {
  const ext = formatExt(mimeOrExt).toLowerCase();
  if (ext === 'mixed' || ext === 'vnd.jpeg-png') return 'mixed';
  if (ext === 'geotiff') return 'geotiff';
  if (ext.startsWith('png')) return 'png';
  if (ext === 'jpeg' || ext === 'jpg' || ext === 'pjpeg') return 'jpeg';
  if (ext === 'gif') return 'gif';
  if (ext === 'tiff' || ext === 'tif') return 'tiff';
  if (ext === 'webp') return 'webp';
  return null;
}

/** Compare like MapProxy's ImageFormat.__eq__: by ext only ('image/png; mode=8bit' equals 'image/png'). */
export function sameFormat(a: string, b: string): boolean {
  return formatExt(a) === formatExt(b);
}

/**
 * Resolve a format name or mime type to the options MapProxy would encode with
 * (config/loader.py ImageOptionsConfiguration.image_opts). `overrides` is a source's or cache's `image:` section.
 * An unknown name (not 'image/…', not configured, not built in) falls back to image/png, as MapProxy does.
 */
export function imageFormat(nameOrMime: string, globals: ImageGlobals = {}, overrides: FormatOptionsConfig = {}): ImageFormat {
  const configured = globals.formats?.[nameOrMime];
  const builtin = configured ? undefined : BUILTIN_NAMES[nameOrMime.toLowerCase()];
  const base: FormatOptionsConfig = { ...(builtin ?? {}), ...(configured ?? {}) };
  const conf: FormatOptionsConfig = {
    ...base,
    ...definedOnly(overrides),
    encodingOptions: { ...(base.encodingOptions ?? {}), ...(overrides.encodingOptions ?? {}) },
  };

  let mime = conf.format;
  if (nameOrMime === 'mixed') mime = 'mixed';
  if (mime === undefined) mime = nameOrMime.startsWith('image/') ? nameOrMime : 'image/png';
  const kind = formatKind(mime) ?? 'png';

  let colors = conf.colors;
  const paletteRule = globals.paletted ?? true;
  if (colors === undefined && mime.includes('png') && paletteRule) colors = 256;

  const fmt: ImageFormat = {
    mimeType: formatMimeType(mime),
    ext: formatExt(mime),
    kind,
    resampling: overrides.resamplingMethod ?? base.resamplingMethod ?? globals.resamplingMethod ?? DEFAULT_RESAMPLING,
    jpegQuality: conf.encodingOptions?.jpegQuality ?? globals.jpegQuality ?? DEFAULT_JPEG_QUALITY,
  };
  if (!nameOrMime.startsWith('image/') || configured) fmt.name = nameOrMime;
  if (colors !== undefined && colors > 0) {
    fmt.colors = Math.min(colors, 256);
    fmt.paletted = true;
  } else {
    fmt.paletted = false;
  }
  if (conf.mode !== undefined) fmt.mode = conf.mode;
  if (conf.transparent !== undefined) fmt.transparent = conf.transparent;
  if (conf.encodingOptions?.tiffCompression) fmt.tiffCompression = conf.encodingOptions.tiffCompression;
  if (conf.encodingOptions?.quantizer) fmt.quantizer = conf.encodingOptions.quantizer;
  return fmt;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && k !== 'encodingOptions') (out as Record<string, unknown>)[k] = v;
  return out;
}

/** The mime type to answer with for encoded bytes (mixed tiles: from the magic number, PNG when unknown). */
export function servedMimeType(format: ImageFormat, detected: string | null): string {
  if (format.kind !== 'mixed') return format.mimeType;
  return detected === 'jpeg' ? 'image/jpeg' : 'image/png';
}
