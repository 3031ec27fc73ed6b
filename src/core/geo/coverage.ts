import { bboxIntersection, bboxIntersects, type BBox, type Point, type Size } from './bbox.js';
import { bboxContainsTolerant, MapExtent, mergeExtents } from './extent.js';
import {
  bboxPolygon, EmptyGeometryError, geometryBounds, intersectGeometries, PreparedGeometry,
  subtractGeometries, transformGeometry, unionGeometries, type MultiPolygon,
} from './polygon.js';
import { makeLinTransf, type SRS } from './srs.js';

/**
 * Where a source, cache, seed task or user may draw. `clip` means everything outside is made transparent;
 * otherwise the coverage only decides whether a request is sent at all.
 */
export interface Coverage {
  readonly extent: MapExtent;
  readonly clip: boolean;
  /** SRS of `bbox` and of `geometry()`. */
  readonly srs: SRS;
  /** Bounds of the coverage in `srs`. */
  readonly bbox: BBox;
  intersects(bbox: BBox, srs: SRS): boolean;
  contains(bbox: BBox, srs: SRS): boolean;
  /** The part of the coverage inside `bbox`, or null when they do not overlap. */
  intersection(bbox: BBox, srs: SRS): Coverage | null;
  transformTo(srs: SRS): Coverage;
  /** The covered area as polygons in `srs` (free of overlaps). */
  geometry(): MultiPolygon;
  equals(other: Coverage): boolean;
}

function bboxIn(bbox: BBox, from: SRS, to: SRS): BBox {
  return from.equals(to) ? bbox : from.transformBBoxTo(to, bbox);
}

/** A rectangular coverage: strict bbox tests, as MapProxy's BBOXCoverage. */
export class BBoxCoverage implements Coverage {
  constructor(readonly bbox: BBox, readonly srs: SRS, readonly clip = false) {}

  get extent(): MapExtent {
    return new MapExtent(this.bbox, this.srs);
  }

  intersects(bbox: BBox, srs: SRS): boolean {
    return bboxIntersects(this.bbox, bboxIn(bbox, srs, this.srs));
  }

  contains(bbox: BBox, srs: SRS): boolean {
    return bboxContainsTolerant(this.bbox, bboxIn(bbox, srs, this.srs));
  }

  intersection(bbox: BBox, srs: SRS): Coverage | null {
    const b = bboxIn(bbox, srs, this.srs);
    const i: BBox = [Math.max(this.bbox[0], b[0]), Math.max(this.bbox[1], b[1]), Math.min(this.bbox[2], b[2]), Math.min(this.bbox[3], b[3])];
    if (i[0] >= i[2] || i[1] >= i[3]) return null;
    return new BBoxCoverage(i, this.srs, this.clip);
  }

  transformTo(srs: SRS): Coverage {
    if (srs.equals(this.srs)) return this;
    return new BBoxCoverage(this.srs.transformBBoxTo(srs, this.bbox), srs, this.clip);
  }

  geometry(): MultiPolygon {
    return bboxPolygon(this.bbox);
  }

  equals(other: Coverage): boolean {
    return other instanceof BBoxCoverage && other.srs.equals(this.srs) && other.bbox.every((v, i) => v === this.bbox[i]);
  }
}

/** A polygon coverage, as MapProxy's GeomCoverage (Shapely semantics: touching counts as intersecting). */
export class GeomCoverage implements Coverage {
  readonly bbox: BBox;
  private readonly geom: MultiPolygon;
  private prep: PreparedGeometry | null = null;

  /** `geom` must be free of overlaps (use unionGeometries on raw input). */
  constructor(geom: MultiPolygon, readonly srs: SRS, readonly clip = false) {
    if (!geom.length) throw new EmptyGeometryError('coverage without polygons');
    this.geom = geom;
    this.bbox = geometryBounds(geom);
  }

  get extent(): MapExtent {
    return new MapExtent(this.bbox, this.srs);
  }

  intersects(bbox: BBox, srs: SRS): boolean {
    const b = bboxIn(bbox, srs, this.srs);
    if (b[0] > this.bbox[2] || b[2] < this.bbox[0] || b[1] > this.bbox[3] || b[3] < this.bbox[1]) return false;
    return this.prepared().intersectsBBox(b);
  }

  contains(bbox: BBox, srs: SRS): boolean {
    const b = bboxIn(bbox, srs, this.srs);
    if (!bboxContainsTolerant(this.bbox, b)) return false;
    return this.prepared().containsBBox(b);
  }

  private prepared(): PreparedGeometry {
    return (this.prep ??= new PreparedGeometry(this.geom));
  }

  intersection(bbox: BBox, srs: SRS): Coverage | null {
    const parts = intersectGeometries(this.geom, bboxPolygon(bboxIn(bbox, srs, this.srs)));
    return parts.length ? new GeomCoverage(parts, this.srs, this.clip) : null;
  }

  transformTo(srs: SRS): Coverage {
    if (srs.equals(this.srs)) return this;
    return new GeomCoverage(transformGeometry(this.geom, this.srs, srs), srs, this.clip);
  }

  geometry(): MultiPolygon {
    return this.geom;
  }

  equals(other: Coverage): boolean {
    if (!(other instanceof GeomCoverage) || !other.srs.equals(this.srs)) return false;
    return JSON.stringify(other.geom) === JSON.stringify(this.geom);
  }
}

/** Several coverages side by side (e.g. merged sources): any of them decides; never clips. */
export class MultiCoverage implements Coverage {
  readonly clip = false;
  readonly extent: MapExtent;

  constructor(readonly coverages: readonly Coverage[]) {
    if (!coverages.length) throw new EmptyGeometryError('MultiCoverage without coverages');
    this.extent = mergeExtents(coverages.map((c) => c.extent));
  }

  get srs(): SRS {
    return this.extent.srs;
  }

  get bbox(): BBox {
    return this.extent.bbox;
  }

  intersects(bbox: BBox, srs: SRS): boolean {
    return this.coverages.some((c) => c.intersects(bbox, srs));
  }

  contains(bbox: BBox, srs: SRS): boolean {
    return this.coverages.some((c) => c.contains(bbox, srs));
  }

  intersection(bbox: BBox, srs: SRS): Coverage | null {
    const parts = this.coverages.map((c) => c.intersection(bbox, srs)).filter((c): c is Coverage => c !== null);
    return parts.length ? new MultiCoverage(parts) : null;
  }

  transformTo(srs: SRS): Coverage {
    return new MultiCoverage(this.coverages.map((c) => c.transformTo(srs)));
  }

  geometry(): MultiPolygon {
    const srs = this.srs;
    return unionGeometries(...this.coverages.map((c) => c.transformTo(srs).geometry()));
  }

  equals(other: Coverage): boolean {
    return (
      other instanceof MultiCoverage && other.coverages.length === this.coverages.length &&
      other.coverages.every((c, i) => c.equals(this.coverages[i]!))
    );
  }
}

function inFirstSRS(coverages: readonly Coverage[]): { srs: SRS; geoms: MultiPolygon[] } {
  if (!coverages.length) throw new EmptyGeometryError('no coverages to combine');
  const srs = coverages[0]!.srs;
  return { srs, geoms: coverages.map((c) => c.transformTo(srs).geometry()) };
}

/** Union of all coverages, in the SRS of the first. */
export function unionCoverage(coverages: readonly Coverage[], clip = false): Coverage {
  const { srs, geoms } = inFirstSRS(coverages);
  const geom = unionGeometries(...geoms);
  if (!geom.length) throw new EmptyGeometryError('union did not return any geometry');
  return new GeomCoverage(geom, srs, clip);
}

/** The first coverage minus all others, in the SRS of the first. */
export function differenceCoverage(coverages: readonly Coverage[], clip = false): Coverage {
  const { srs, geoms } = inFirstSRS(coverages);
  const geom = subtractGeometries(unionGeometries(geoms[0]!), ...geoms.slice(1));
  if (!geom.length) throw new EmptyGeometryError('difference did not return any geometry');
  return new GeomCoverage(geom, srs, clip);
}

/** The area common to all coverages, in the SRS of the first. */
export function intersectionCoverage(coverages: readonly Coverage[], clip = false): Coverage {
  const { srs, geoms } = inFirstSRS(coverages);
  const geom = geoms.length === 1 ? geoms[0]! : intersectGeometries(geoms[0]!, ...geoms.slice(1));
  if (!geom.length) throw new EmptyGeometryError('intersection did not return any geometry');
  return new GeomCoverage(geom, srs, clip);
}

/**
 * The coverage as pixel rings of an image showing `bbox` (in `srs`) at `size`: x to the right, y down from the top
 * row. Rings are open (no repeated closing vertex); outer rings and holes come as separate rings and must be
 * filled with the even-odd rule. The geometry is first cut to a margin around the bbox to keep coordinates small.
 */
export function coveragePixelRings(coverage: Coverage, bbox: BBox, size: Size, srs: SRS): Point[][] {
  const geom = coverage.transformTo(srs).geometry();
  const mx = (bbox[2] - bbox[0]) * 0.1, my = (bbox[3] - bbox[1]) * 0.1;
  const frame: BBox = [bbox[0] - mx, bbox[1] - my, bbox[2] + mx, bbox[3] + my];
  const bounds = geom.length ? geometryBounds(geom) : null;
  if (!bounds || !bboxIntersection(bounds, frame)) return [];
  const cut = intersectGeometries(geom, bboxPolygon(frame));
  const toPx = makeLinTransf(bbox, [0, 0, size[0], size[1]]);
  return cut.flatMap((poly) => poly.map((ring) => ring.map(toPx)));
}
