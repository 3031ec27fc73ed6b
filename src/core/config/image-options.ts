import type { MapReader } from './config-reader.js';
import type { EncodingOptions, GlobalsConfig, ImageFormatConfig, ImageOptionsConfig, ResamplingMethod } from './types.js';

const RESAMPLING: readonly ResamplingMethod[] = ['nearest', 'bilinear', 'bicubic'];

/** Reads an `image:` block (or one `globals.image.formats` entry). Extra keys are left for the caller. */
export function readImageFormatConfig(r: MapReader): ImageFormatConfig {
  const out: ImageFormatConfig = {};
  const format = r.str('format');
  if (format !== undefined) out.format = format;
  const mode = r.str('mode');
  if (mode !== undefined) out.mode = mode;
  const colors = r.int('colors');
  if (colors !== undefined) out.colors = colors;
  const transparent = r.bool('transparent');
  if (transparent !== undefined) out.transparent = transparent;
  const opacity = r.num('opacity');
  if (opacity !== undefined) {
    if (opacity < 0 || opacity > 1) throw r.error('opacity', `expected a number from 0 to 1, got ${opacity}`);
    out.opacity = opacity;
  }
  const resampling = r.oneOf('resampling_method', RESAMPLING);
  if (resampling !== undefined) out.resampling = resampling;
  const enc = r.map('encoding_options');
  if (enc) out.encodingOptions = readEncodingOptions(enc);
  if (r.has('merge_method')) {
    r.accept('merge_method');
    r.ctx.warn(r.keyPath('merge_method'), 'merge_method is deprecated and has no effect (images are always composited)');
  }
  return out;
}

function readEncodingOptions(r: MapReader): EncodingOptions {
  const out: EncodingOptions = {};
  const q = r.int('jpeg_quality');
  if (q !== undefined) out.jpegQuality = q;
  const quantizer = r.oneOf('quantizer', ['fastoctree', 'mediancut'] as const);
  if (quantizer !== undefined) out.quantizer = quantizer;
  const tiff = r.oneOf('tiff_compression', ['raw', 'tiff_lzw', 'jpeg'] as const);
  if (tiff !== undefined) out.tiffCompression = tiff;
  // MapProxy rejects unknown encoding options instead of warning.
  for (const k of r.keys()) {
    if (!['jpeg_quality', 'quantizer', 'tiff_compression'].includes(k)) throw r.error(k, 'unknown encoding option');
  }
  return out;
}

/**
 * MapProxy's `ImageOptionsConfiguration.image_opts(image_conf, format)`: start from the named format of
 * `globals.image.formats` (if `format` names one), apply the non-empty local `image:` keys, take `format` itself
 * when it is a MIME type, force `mixed` (transparent) for mixed caches, and `colors: 256` for PNG when
 * `globals.image.paletted` is on.
 */
export function resolveImageOptions(
  globals: GlobalsConfig,
  image: ImageFormatConfig | undefined,
  format: string | undefined,
): ImageOptionsConfig {
  const named = format !== undefined ? globals.image.formats[format] : undefined;
  const conf: ImageFormatConfig = named ? { ...named } : {};
  const local = image ?? {};
  conf.resampling = local.resampling ?? conf.resampling ?? globals.image.resamplingMethod;
  if (local.transparent !== undefined) conf.transparent = local.transparent;
  if (local.opacity !== undefined) conf.opacity = local.opacity;
  if (local.format !== undefined) conf.format = local.format;
  if (local.colors !== undefined) conf.colors = local.colors;
  if (local.mode !== undefined) conf.mode = local.mode;
  if (local.encodingOptions !== undefined) conf.encodingOptions = local.encodingOptions;
  if (conf.format === undefined && format !== undefined && format.startsWith('image/')) conf.format = format;
  if (format === 'mixed') {
    conf.format = 'mixed';
    conf.transparent = true;
  }
  if (conf.colors === undefined && (conf.format ?? '').includes('png') && globals.image.paletted) conf.colors = 256;
  const out: ImageOptionsConfig = { resampling: conf.resampling, encodingOptions: conf.encodingOptions ?? {} };
  if (conf.format !== undefined) out.format = conf.format;
  if (conf.mode !== undefined) out.mode = conf.mode;
  if (conf.colors !== undefined) out.colors = conf.colors;
  if (conf.transparent !== undefined) out.transparent = conf.transparent;
  if (conf.opacity !== undefined) out.opacity = conf.opacity;
  return out;
}

/** MapProxy's `ImageFormat.ext`: the part after `/`, without `;` options ('image/png; mode=8bit' → 'png'). */
export function formatExt(format: string): string {
  let ext = format;
  if (ext.includes('/')) ext = ext.slice(ext.indexOf('/') + 1);
  if (ext.includes(';')) ext = ext.slice(0, ext.indexOf(';'));
  return ext.trim();
}
