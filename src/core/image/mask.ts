import type { Point } from '../geo/bbox.js';
import { maskOutside } from '../native/mask.js';
import type { RawImage } from './raw-image.js';

/**
 * Make everything outside the polygons transparent (coverage `clip`, MapProxy's mask_image).
 * `rings` are closed or open rings in pixel coordinates (x right, y down); exteriors and holes of all polygons
 * together, filled with the even-odd rule. A pixel is inside when its centre is, so pixels only touched by the
 * outline stay outside (MapProxy shrinks the polygon by 0.1 px for the same reason).
 * Returns a new image; masked pixels become (255, 255, 255, 0) as in MapProxy (native row fills).
 */
export function maskImage(raw: RawImage, rings: readonly (readonly Point[])[]): RawImage {
  const out = { data: Buffer.from(raw.data), width: raw.width, height: raw.height };
  if (out.width > 0 && out.height > 0) maskOutside(out, collectEdges(rings));
  return out;
}

/** Every non-horizontal edge of the rings (horizontal ones never cross a row centre). */
function collectEdges(rings: readonly (readonly Point[])[]): Float64Array {
  const edges: number[] = [];
  for (const ring of rings) {
    const n = ring.length;
    if (n < 3) continue;
    for (let i = 0; i < n; i++) {
      const a = ring[i]!;
      const b = ring[(i + 1) % n]!;
      if (a[1] !== b[1]) edges.push(a[0], a[1], b[0], b[1]);
    }
  }
  return Float64Array.from(edges);
}

/** Map rings in SRS coordinates to pixel coordinates of an image covering `bbox` with `size`. */
export function ringsToPixels(
  rings: readonly (readonly Point[])[],
  bbox: readonly [number, number, number, number],
  size: readonly [number, number],
): Point[][] {
  const sx = size[0] / (bbox[2] - bbox[0]);
  const sy = size[1] / (bbox[3] - bbox[1]);
  return rings.map((r) => r.map(([x, y]): Point => [(x - bbox[0]) * sx, (bbox[3] - y) * sy]));
}
