import * as polyclip from 'polyclip-ts';
import type { BBox, Point } from './bbox.js';
import type { SRS } from './srs.js';

/** A ring as open list of vertices (the closing vertex is not repeated). */
export type Ring = readonly Point[];
/** Outer ring first, then holes. */
export type Polygon = readonly Ring[];
export type MultiPolygon = readonly Polygon[];

export class EmptyGeometryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmptyGeometryError';
  }
}

export function bboxPolygon(b: BBox): MultiPolygon {
  return [[[[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]]]]];
}

export function geometryBounds(geom: MultiPolygon): BBox {
  let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
  for (const poly of geom) {
    for (const [x, y] of poly[0] ?? []) {
      if (x < minx) minx = x;
      if (x > maxx) maxx = x;
      if (y < miny) miny = y;
      if (y > maxy) maxy = y;
    }
  }
  if (minx === Infinity) throw new EmptyGeometryError('empty geometry has no bounds');
  return [minx, miny, maxx, maxy];
}

/** Drops a repeated closing vertex and rings with fewer than three vertices. */
function openRing(ring: readonly (readonly number[])[]): Point[] {
  const pts: Point[] = ring.map((p) => [Number(p[0]), Number(p[1])] as const);
  while (pts.length > 1 && pts[0]![0] === pts[pts.length - 1]![0] && pts[0]![1] === pts[pts.length - 1]![1]) pts.pop();
  return pts;
}

/** Normalises GeoJSON-like coordinates (Polygon or MultiPolygon arrays) into a MultiPolygon of open rings. */
export function toMultiPolygon(coords: readonly (readonly (readonly (readonly number[])[])[])[]): MultiPolygon {
  return coords
    .map((poly) => poly.map(openRing).filter((r) => r.length >= 3))
    .filter((poly) => poly.length > 0);
}

function toClip(geom: MultiPolygon): polyclip.Geom {
  return geom.map((poly) => poly.map((ring) => [...ring.map((p) => [p[0], p[1]] as [number, number]), [ring[0]![0], ring[0]![1]] as [number, number]]));
}

function fromClip(geom: polyclip.Geom): MultiPolygon {
  return toMultiPolygon(geom as number[][][][]);
}

/** Dissolves overlaps: the polygons of a coverage file may overlap, the point tests below assume they don't. */
export function unionGeometries(...geoms: MultiPolygon[]): MultiPolygon {
  const parts = geoms.filter((g) => g.length > 0);
  if (!parts.length) return [];
  return fromClip(polyclip.union(toClip(parts[0]!), ...parts.slice(1).map(toClip)));
}

export function intersectGeometries(first: MultiPolygon, ...rest: MultiPolygon[]): MultiPolygon {
  if (!first.length || rest.some((g) => !g.length)) return [];
  return fromClip(polyclip.intersection(toClip(first), ...rest.map(toClip)));
}

export function subtractGeometries(first: MultiPolygon, ...rest: MultiPolygon[]): MultiPolygon {
  const others = rest.filter((g) => g.length > 0);
  if (!first.length || !others.length) return first;
  return fromClip(polyclip.difference(toClip(first), ...others.map(toClip)));
}

/** Transforms every vertex (no densification, like MapProxy's transform_geometry), re-dissolving the result. */
export function transformGeometry(geom: MultiPolygon, from: SRS, to: SRS): MultiPolygon {
  if (from.equals(to)) return geom;
  const moved = geom.map((poly) => poly.map((ring) => from.transformTo(to, ring)));
  // Reprojection can fold a ring onto itself near a projection's edges; the union repairs such rings.
  return unionGeometries(moved);
}

function orient(a: Point, b: Point, c: Point): number {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

function onSegment(a: Point, b: Point, p: Point): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

/** Segment intersection including touching ends. */
function segmentsIntersect(p1: Point, p2: Point, q1: Point, q2: Point): boolean {
  const d1 = orient(q1, q2, p1), d2 = orient(q1, q2, p2), d3 = orient(p1, p2, q1), d4 = orient(p1, p2, q2);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  return (d1 === 0 && onSegment(q1, q2, p1)) || (d2 === 0 && onSegment(q1, q2, p2)) ||
    (d3 === 0 && onSegment(p1, p2, q1)) || (d4 === 0 && onSegment(p1, p2, q2));
}

function ringArea(ring: readonly Point[]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += (ring[j]![0] + ring[i]![0]) * (ring[j]![1] - ring[i]![1]);
  return Math.abs(a / 2);
}

/** Sutherland–Hodgman against an axis-aligned box; enough for area, the result may have degenerate edges. */
function clipRingToBBox(ring: readonly Point[], b: BBox): Point[] {
  let pts: Point[] = [...ring];
  const edges: [(p: Point) => boolean, (p: Point, q: Point) => Point][] = [
    [(p) => p[0] >= b[0], (p, q) => [b[0], p[1] + ((q[1] - p[1]) * (b[0] - p[0])) / (q[0] - p[0])]],
    [(p) => p[0] <= b[2], (p, q) => [b[2], p[1] + ((q[1] - p[1]) * (b[2] - p[0])) / (q[0] - p[0])]],
    [(p) => p[1] >= b[1], (p, q) => [p[0] + ((q[0] - p[0]) * (b[1] - p[1])) / (q[1] - p[1]), b[1]]],
    [(p) => p[1] <= b[3], (p, q) => [p[0] + ((q[0] - p[0]) * (b[3] - p[1])) / (q[1] - p[1]), b[3]]],
  ];
  for (const [inside, cut] of edges) {
    if (!pts.length) break;
    const out: Point[] = [];
    for (let i = 0; i < pts.length; i++) {
      const cur = pts[i]!;
      const prev = pts[(i + pts.length - 1) % pts.length]!;
      if (inside(cur)) {
        if (!inside(prev)) out.push(cut(prev, cur));
        out.push(cur);
      } else if (inside(prev)) out.push(cut(prev, cur));
    }
    pts = out;
  }
  return pts;
}

/** Area of the geometry inside the bbox (holes subtracted; the geometry must be free of overlaps). */
export function areaInsideBBox(geom: MultiPolygon, b: BBox): number {
  let area = 0;
  for (const poly of geom) {
    poly.forEach((ring, i) => {
      const a = ringArea(clipRingToBBox(ring, b));
      area += i === 0 ? a : -a;
    });
  }
  return area;
}

/**
 * A geometry prepared for many bbox tests (MapProxy uses Shapely's prepared geometries for the same reason):
 * polygons are pre-filtered by their bounds, and each polygon's edges are bucketed into horizontal bands so a
 * test only looks at the edges near the bbox.
 */
export class PreparedGeometry {
  private readonly parts: { bounds: BBox; poly: Polygon; index: EdgeBands }[];

  constructor(readonly geom: MultiPolygon) {
    this.parts = geom.map((poly) => ({ bounds: geometryBounds([poly]), poly, index: new EdgeBands(poly) }));
  }

  private candidates(b: BBox) {
    return this.parts.filter(({ bounds: p }) => p[0] <= b[2] && p[2] >= b[0] && p[1] <= b[3] && p[3] >= b[1]);
  }

  intersectsBBox(b: BBox): boolean {
    const corners: Point[] = [[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]]];
    for (const { index } of this.candidates(b)) {
      if (index.containsPoint(corners[0]!)) return true;
      for (const [p, q] of index.edgesIn(b[1], b[3])) {
        if (p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3]) return true;
        if (Math.max(p[0], q[0]) < b[0] || Math.min(p[0], q[0]) > b[2]) continue;
        for (let k = 0; k < 4; k++) if (segmentsIntersect(p, q, corners[k]!, corners[(k + 1) % 4]!)) return true;
      }
    }
    return false;
  }

  containsBBox(b: BBox): boolean {
    const w = b[2] - b[0], h = b[3] - b[1];
    const parts = this.candidates(b);
    if (w <= 0 || h <= 0) return parts.some(({ index }) => index.containsPoint([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]));
    // Only polygons reaching over the whole bbox can contain it; no edge may cross its interior.
    for (const { bounds: pb, index } of parts) {
      if (pb[0] > b[0] || pb[1] > b[1] || pb[2] < b[2] || pb[3] < b[3]) continue;
      let crossing = false;
      for (const [p, q] of index.edgesIn(b[1], b[3])) {
        if (Math.max(p[0], q[0]) <= b[0] || Math.min(p[0], q[0]) >= b[2]) continue;
        if (edgeCrossesInterior(p, q, b)) { crossing = true; break; }
      }
      // Without crossings the bbox lies wholly inside or wholly outside this polygon.
      if (!crossing && index.containsPoint([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2])) return true;
    }
    // Several adjacent polygons may cover the bbox together.
    return parts.length > 1 && areaInsideBBox(parts.map((p) => p.poly), b) >= w * h * (1 - 1e-9);
  }
}

/** Whether segment p-q passes through the open interior of the bbox (Liang–Barsky clipping). */
function edgeCrossesInterior(p: Point, q: Point, b: BBox): boolean {
  let t0 = 0, t1 = 1;
  const dx = q[0] - p[0], dy = q[1] - p[1];
  const checks: [number, number][] = [[-dx, p[0] - b[0]], [dx, b[2] - p[0]], [-dy, p[1] - b[1]], [dy, b[3] - p[1]]];
  for (const [pp, qq] of checks) {
    if (pp === 0) {
      if (qq <= 0) return false; // parallel and on or outside this edge
    } else {
      const t = qq / pp;
      if (pp < 0) { if (t > t0) t0 = t; } else if (t < t1) t1 = t;
      if (t0 >= t1) return false;
    }
  }
  return t1 - t0 > 1e-12;
}

/** Edges of one polygon bucketed by y, for point-in-polygon and edge lookups near a bbox. */
class EdgeBands {
  private readonly miny: number;
  private readonly bandHeight: number;
  private readonly bands: [Point, Point][][];

  constructor(poly: Polygon) {
    const edges: [Point, Point][] = [];
    for (const ring of poly) for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) edges.push([ring[j]!, ring[i]!]);
    const b = geometryBounds([poly]);
    const n = Math.max(1, Math.min(1024, Math.floor(Math.sqrt(edges.length))));
    this.miny = b[1];
    this.bandHeight = (b[3] - b[1]) / n || 1;
    this.bands = Array.from({ length: n }, () => []);
    for (const e of edges) {
      const [lo, hi] = this.bandRange(Math.min(e[0][1], e[1][1]), Math.max(e[0][1], e[1][1]));
      for (let k = lo; k <= hi; k++) this.bands[k]!.push(e);
    }
  }

  private bandRange(y0: number, y1: number): [number, number] {
    const clamp = (k: number) => Math.max(0, Math.min(this.bands.length - 1, k));
    return [clamp(Math.floor((y0 - this.miny) / this.bandHeight)), clamp(Math.floor((y1 - this.miny) / this.bandHeight))];
  }

  /** Distinct edges whose y extent may overlap [y0, y1]. */
  *edgesIn(y0: number, y1: number): Generator<[Point, Point]> {
    const [lo, hi] = this.bandRange(y0, y1);
    if (lo === hi) {
      yield* this.bands[lo]!;
      return;
    }
    const seen = new Set<[Point, Point]>();
    for (let k = lo; k <= hi; k++) for (const e of this.bands[k]!) if (!seen.has(e)) { seen.add(e); yield e; }
  }

  /** Even-odd ray casting over the edges of the point's band only. */
  containsPoint(pt: Point): boolean {
    const [k] = this.bandRange(pt[1], pt[1]);
    let inside = false;
    for (const [a, c] of this.bands[k]!) {
      if (a[1] > pt[1] !== c[1] > pt[1] && pt[0] < ((c[0] - a[0]) * (pt[1] - a[1])) / (c[1] - a[1]) + a[0]) inside = !inside;
    }
    return inside;
  }
}
