import { wordView } from './pixel-words.js';
import type { RawImage } from './raw-image.js';

export type RGBA = readonly [r: number, g: number, b: number, a: number];

/**
 * The colour when every pixel has the same RGBA value, else null (MapProxy's is_single_color_image, used by
 * `link_single_color_images`). Compares 32-bit words; stops at the first differing pixel.
 */
export function singleColor(raw: RawImage): RGBA | null {
  const d = raw.data;
  if (d.length < 4) return null;
  const px = wordView(d);
  if (px) {
    const first = px[0]!;
    for (let i = 1; i < px.length; i++) if (px[i] !== first) return null;
  } else {
    const r = d[0], g = d[1], b = d[2], a = d[3];
    for (let i = 4; i < d.length; i += 4) if (d[i] !== r || d[i + 1] !== g || d[i + 2] !== b || d[i + 3] !== a) return null;
  }
  return [d[0]!, d[1]!, d[2]!, d[3]!];
}
