import type { Point } from '../geo/bbox.js';
import type { RawImage } from './raw-image.js';

/**
 * Make everything outside the polygons transparent (coverage `clip`, MapProxy's mask_image).
 * `rings` are closed or open rings in pixel coordinates (x right, y down); exteriors and holes of all polygons
 * together, filled with the even-odd rule. A pixel is inside when its centre is, so pixels only touched by the
 * outline stay outside (MapProxy shrinks the polygon by 0.1 px for the same reason).
 * Returns a new image; masked pixels become (255, 255, 255, 0) as in MapProxy.
 */
export function maskImage(raw: RawImage, rings: readonly (readonly Point[])[]): RawImage {
  const { width: w, height: h } = raw;
  const out = { data: Buffer.from(raw.data), width: w, height: h };
  const d = out.data;
  const edges = collectEdges(rings);
  const xs: number[] = [];
  for (let j = 0; j < h; j++) {
    const yc = j + 0.5;
    xs.length = 0;
    for (const [ax, ay, bx, by] of edges) {
      if ((ay <= yc && by > yc) || (by <= yc && ay > yc)) xs.push(ax + ((yc - ay) / (by - ay)) * (bx - ax));
    }
    xs.sort((p, q) => p - q);
    // Pixels i with centre i+0.5 in [xs[k], xs[k+1]) are inside; clear the others.
    let next = 0; // first pixel not yet decided
    const rowStart = j * w * 4;
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const first = clampPx(Math.ceil(xs[k]! - 0.5), w);
      const end = clampPx(Math.ceil(xs[k + 1]! - 0.5), w);
      clearRun(d, rowStart, next, first);
      next = Math.max(next, end);
    }
    clearRun(d, rowStart, next, w);
  }
  return out;
}

function clampPx(v: number, w: number): number {
  return v < 0 ? 0 : v > w ? w : v;
}

function clearRun(d: Buffer, rowStart: number, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const o = rowStart + i * 4;
    d[o] = 255;
    d[o + 1] = 255;
    d[o + 2] = 255;
    d[o + 3] = 0;
  }
}

function collectEdges(rings: readonly (readonly Point[])[]): [number, number, number, number][] {
  const edges: [number, number, number, number][] = [];
  for (const ring of rings) {
    const n = ring.length;
    if (n < 3) continue;
    for (let i = 0; i < n; i++) {
      const a = ring[i]!;
      const b = ring[(i + 1) % n]!;
      if (a[1] !== b[1]) edges.push([a[0], a[1], b[0], b[1]]);
    }
  }
  return edges;
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
