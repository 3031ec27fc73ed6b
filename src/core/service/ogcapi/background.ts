import type { RGB } from '../../image/raw-image.js';
import { OgcApiError } from './errors.js';

/** The CSS color keywords of OGC API Maps' `bgcolor` (W3C's basic sixteen). */
const W3C_COLORS: Record<string, RGB> = {
  black: [0, 0, 0],
  silver: [192, 192, 192],
  gray: [128, 128, 128],
  white: [255, 255, 255],
  maroon: [128, 0, 0],
  red: [255, 0, 0],
  purple: [128, 0, 128],
  fuchsia: [255, 0, 255],
  green: [0, 128, 0],
  lime: [0, 255, 0],
  olive: [128, 128, 0],
  yellow: [255, 255, 0],
  navy: [0, 0, 128],
  blue: [0, 0, 255],
  teal: [0, 128, 128],
  aqua: [0, 255, 255],
};

export interface Background {
  readonly bgcolor?: RGB;
  readonly transparent: boolean;
}

const hex = (s: string): number => {
  if (!/^[0-9a-f]{2}$/.test(s)) throw OgcApiError.invalidParameter('invalid value for bgcolor');
  return parseInt(s, 16);
};

/**
 * `bgcolor` (0xRRGGBB, 0xAARRGGBB or a W3C color name) and `transparent` (true/false). Without `transparent`
 * a map is opaque, unless bgcolor gives an alpha below 255.
 */
export function background(bgcolorParam: string | undefined, transparentParam: string | undefined): Background {
  let bgcolor: RGB | undefined;
  let alpha = 255;
  if (bgcolorParam) {
    const v = bgcolorParam.toLowerCase();
    if (v.startsWith('0x') && v.length === 8) bgcolor = [hex(v.slice(2, 4)), hex(v.slice(4, 6)), hex(v.slice(6, 8))];
    else if (v.startsWith('0x') && v.length === 10) {
      alpha = hex(v.slice(2, 4));
      bgcolor = [hex(v.slice(4, 6)), hex(v.slice(6, 8)), hex(v.slice(8, 10))];
    } else if (Object.hasOwn(W3C_COLORS, v)) bgcolor = W3C_COLORS[v];
    else throw OgcApiError.invalidParameter('invalid value for bgcolor');
  }
  let transparent = alpha < 255;
  if (transparentParam !== undefined) {
    if (transparentParam === 'true') transparent = true;
    else if (transparentParam === 'false') transparent = false;
    else throw OgcApiError.invalidParameter('invalid value for transparent');
  }
  return { ...(bgcolor ? { bgcolor } : {}), transparent };
}
