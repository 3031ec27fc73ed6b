import { isSingleColor } from '../native/pixels.js';
import type { RawImage } from './raw-image.js';

export type RGBA = readonly [r: number, g: number, b: number, a: number];

/**
 * The colour when every pixel has the same RGBA value, else null (MapProxy's is_single_color_image, used by
 * `link_single_color_images`).
 */
export function singleColor(raw: RawImage): RGBA | null {
  const d = raw.data;
  if (d.length < 4 || !isSingleColor(d)) return null;
  return [d[0]!, d[1]!, d[2]!, d[3]!];
}
