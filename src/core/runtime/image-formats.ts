import type { GlobalsConfig, ImageFormatConfig, ImageOptionsConfig } from '../config/types.js';
import { imageFormat, type FormatOptionsConfig, type ImageFormat, type ImageGlobals, type ImageMode } from '../image/format.js';

function formatOptions(conf: ImageFormatConfig | ImageOptionsConfig): FormatOptionsConfig {
  return {
    format: conf.format,
    mode: conf.mode as ImageMode | undefined,
    colors: conf.colors,
    transparent: conf.transparent,
    resamplingMethod: conf.resampling,
    encodingOptions: conf.encodingOptions,
  };
}

/** `globals.image` in the image module's terms. */
export function imageGlobals(globals: GlobalsConfig): ImageGlobals {
  const formats: Record<string, FormatOptionsConfig> = {};
  for (const [name, f] of Object.entries(globals.image.formats)) formats[name] = formatOptions(f);
  return {
    paletted: globals.image.paletted,
    jpegQuality: globals.image.jpegQuality,
    resamplingMethod: globals.image.resamplingMethod,
    formats,
  };
}

/** A format name or mime type with a cache's or source's resolved image options applied. */
export function resolvedFormat(name: string, globals: ImageGlobals, options?: ImageOptionsConfig): ImageFormat {
  return imageFormat(name, globals, options ? formatOptions(options) : {});
}
