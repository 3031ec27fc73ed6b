import type { Point } from '../geo/bbox.js';
import { POINT_DOUBLES, QUAD_DOUBLES } from '../native/warp.js';
import { isFinitePoint, type PixelMapping } from './pixel-mapping.js';

export interface MeshOptions {
  /** Largest tolerated error of the piecewise-bilinear mesh, in destination pixels (default 0.5). */
  maxErrorPx?: number;
  /** Quads at or below this size (px) are not divided further (default 4). */
  minQuadPx?: number;
}

/** A destination rectangle of pixels, [x0, x1) × [y0, y1). */
export type Quad = readonly [x0: number, y0: number, x1: number, y1: number];

/** What the mesh fill takes (native/warp.ts): quads with their corners' source positions, and exact pixels. */
export interface Mesh {
  quads: Float64Array;
  points: Float64Array;
}

/**
 * MapProxy's mesh transform: the destination is divided into quads until a bilinear interpolation of the mapping
 * is accurate to `maxErrorPx`. Finer than MapProxy's (0.5 px, tested at 25 points per quad, not 1 px at the
 * centre), so edges sit where the projection puts them. Quads wholly outside the projection's domain are dropped
 * (transparent); small quads at its edge, where no mesh is accurate, become exactly mapped pixels.
 */
export function buildMesh(mapping: PixelMapping, opts: MeshOptions = {}): Mesh {
  const maxErr = opts.maxErrorPx ?? 0.5;
  const minQuad = Math.max(1, opts.minQuadPx ?? 4);
  const accepted: Quad[] = [];
  const exact: Quad[] = [];
  let level: Quad[] = mapping.width > 0 && mapping.height > 0 ? [[0, 0, mapping.width, mapping.height]] : [];
  while (level.length > 0) {
    const pts: Point[] = [];
    for (const q of level) for (const p of probePoints(q)) pts.push(p);
    mapping.evaluate(pts);
    const next: Quad[] = [];
    for (const q of level) {
      const verdict = quadError(q, mapping);
      if (Number.isNaN(verdict)) continue; // wholly outside the domain: transparent, not divided down to pixels
      const small = q[2] - q[0] <= minQuad && q[3] - q[1] <= minQuad;
      if (verdict <= maxErr) accepted.push(q);
      else if (small) (Number.isFinite(verdict) ? accepted : exact).push(q);
      else for (const d of divideQuad(q)) next.push(d);
    }
    level = next;
  }

  const quads = new Float64Array(accepted.length * QUAD_DOUBLES);
  accepted.forEach(([x0, y0, x1, y1], i) => {
    // Pillow's QUAD order: NW, SW, SE, NE.
    const corners = [mapping.at(x0, y0), mapping.at(x0, y1), mapping.at(x1, y1), mapping.at(x1, y0)];
    quads.set([x0, y0, x1, y1, ...corners.flat()], i * QUAD_DOUBLES);
  });
  return { quads, points: exactPoints(exact, mapping) };
}

/**
 * Corners plus a 5x5 lattice of test points (quarters of each side). More than MapProxy's single centre test:
 * mappings symmetric about the quad centre (e.g. mercator around the equator) are exact at the centre and the
 * edge midpoints yet far off in between. The points are corners of the next two subdivisions, so none is wasted.
 */
export function probePoints([x0, y0, x1, y1]: Quad): Point[] {
  const pts: Point[] = [];
  for (let b = 0; b <= 4; b++) {
    const y = b === 4 ? y1 : y0 + Math.floor(((y1 - y0) * b) / 4);
    for (let a = 0; a <= 4; a++) pts.push([a === 4 ? x1 : x0 + Math.floor(((x1 - x0) * a) / 4), y]);
  }
  return pts;
}

/**
 * Largest deviation (in destination px) of the bilinear mesh from the true mapping at the probe points; NaN
 * when no probe point maps at all (the quad lies outside the projection's domain and stays transparent).
 */
function quadError(q: Quad, mapping: PixelMapping): number {
  const [x0, y0, x1, y1] = q;
  const probes = probePoints(q);
  if (probes.every(([x, y]) => !isFinitePoint(mapping.at(x, y)))) return NaN;
  const a = mapping.at(x0, y0), b = mapping.at(x1, y0), c = mapping.at(x0, y1), d = mapping.at(x1, y1);
  if (![a, b, c, d].every(isFinitePoint)) return Infinity;
  const w = x1 - x0;
  const h = y1 - y0;
  if (w <= 1 && h <= 1) return 0;
  // The quad's mean Jacobian (source px per destination px along each destination axis); its inverse turns a
  // source-px error into destination px per axis, so a strongly stretched axis (mercator near the poles) is
  // not judged by the other axis' scale.
  const jxx = (b[0] - a[0]) / w, jyx = (b[1] - a[1]) / w;
  const jxy = (c[0] - a[0]) / h, jyy = (c[1] - a[1]) / h;
  const det = jxx * jyy - jxy * jyx;
  if (!(Math.abs(det) > 0)) return Infinity;
  let err = 0;
  for (const [x, y] of probes) {
    const t = mapping.at(x, y);
    if (!isFinitePoint(t)) return Infinity;
    const s = (x - x0) / w;
    const u = (y - y0) / h;
    const ex = (1 - s) * (1 - u) * a[0] + s * (1 - u) * b[0] + (1 - s) * u * c[0] + s * u * d[0] - t[0];
    const ey = (1 - s) * (1 - u) * a[1] + s * (1 - u) * b[1] + (1 - s) * u * c[1] + s * u * d[1] - t[1];
    err = Math.max(err, Math.abs((jyy * ex - jxy * ey) / det), Math.abs((-jyx * ex + jxx * ey) / det));
  }
  return err;
}

/** MapProxy's divide_quad: halve only the long side of elongated quads, else quarter. */
export function divideQuad([x0, y0, x1, y1]: Quad): Quad[] {
  const w = x1 - x0;
  const h = y1 - y0;
  const xc = Math.floor(x0 + w / 2);
  const yc = Math.floor(y0 + h / 2);
  if (w > 2 * h || h <= 1) return [[x0, y0, xc, y1], [xc, y0, x1, y1]];
  if (h > 2 * w || w <= 1) return [[x0, y0, x1, yc], [x0, yc, x1, y1]];
  return [[x0, y0, xc, yc], [xc, y0, x1, yc], [x0, yc, xc, y1], [xc, yc, x1, y1]];
}

/**
 * Per-pixel exact source positions for the small quads at the edge of the projection's domain, where no mesh
 * is accurate (POINT_DOUBLES per pixel; NaN where the mapping fails).
 */
function exactPoints(quads: readonly Quad[], mapping: PixelMapping): Float64Array {
  const pixels: Point[] = [];
  for (const [x0, y0, x1, y1] of quads) {
    for (let j = y0; j < y1; j++) for (let i = x0; i < x1; i++) pixels.push([i, j]);
  }
  const res = pixels.length ? mapping.map(pixels.map(([i, j]): Point => [i + 0.5, j + 0.5])) : [];
  const out = new Float64Array(pixels.length * POINT_DOUBLES);
  pixels.forEach(([i, j], k) => out.set([i, j, ...res[k]!], k * POINT_DOUBLES));
  return out;
}
