import { bboxIntersects, bboxUnion, type BBox } from './bbox.js';
import { getSRS, type SRS } from './srs.js';

/** Tolerant containment, as MapProxy's bbox_contains (allows float noise of 1e-13 of the size). */
export function bboxContainsTolerant(outer: BBox, inner: BBox): boolean {
  const dx = Math.abs(outer[2] - outer[0]) / 10e12;
  const dy = Math.abs(outer[3] - outer[1]) / 10e12;
  return outer[0] <= inner[0] + dx && outer[2] >= inner[2] - dx && outer[1] <= inner[1] + dy && outer[3] >= inner[3] - dy;
}

/** A bbox together with its SRS: the extent of a layer, source or cache. */
export class MapExtent {
  readonly bbox: BBox;
  readonly srs: SRS;
  /** The whole-world default extent: it contains everything and vanishes in unions. */
  readonly isDefault: boolean;
  private ll: BBox | null = null;

  constructor(bbox: BBox, srs: SRS, isDefault = false) {
    this.bbox = bbox;
    this.srs = srs;
    this.isDefault = isDefault;
  }

  /** The extent used when nothing narrower is known: the WGS84 world. */
  static default(): MapExtent {
    return new MapExtent([-180, -90, 180, 90], getSRS('EPSG:4326'), true);
  }

  /** The bbox in the geographic CRS of its world: EPSG:4326 on the Earth, the body's own one elsewhere. */
  get llbbox(): BBox {
    if (!this.ll) this.ll = this.srs.transformBBoxTo(this.srs.geographic, this.bbox);
    return this.ll;
  }

  bboxFor(srs: SRS): BBox {
    return srs.equals(this.srs) ? this.bbox : this.srs.transformBBoxTo(srs, this.bbox);
  }

  transform(srs: SRS): MapExtent {
    return new MapExtent(this.bboxFor(srs), srs);
  }

  intersects(other: MapExtent): boolean {
    return bboxIntersects(this.bbox, other.bboxFor(this.srs));
  }

  contains(other: MapExtent): boolean {
    if (this.isDefault) return true;
    return bboxContainsTolerant(this.bbox, other.bboxFor(this.srs));
  }

  /** The overlap, in this extent's SRS, or null. */
  intersection(other: MapExtent): MapExtent | null {
    if (!this.intersects(other)) return null;
    const a = this.bbox;
    const b = other.bboxFor(this.srs);
    return new MapExtent([Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])], this.srs);
  }

  /**
   * Both extents merged in the geographic CRS of their world (MapProxy's `+`); the default extent is neutral.
   * Extents of two worlds do not merge (TransformationError).
   */
  union(other: MapExtent): MapExtent {
    if (other.isDefault) return this;
    if (this.isDefault) return other;
    const geographic = this.srs.geographic;
    return new MapExtent(bboxUnion(this.llbbox, other.bboxFor(geographic)), geographic);
  }

  equals(other: MapExtent): boolean {
    return this.srs.equals(other.srs) && this.bbox.every((v, i) => v === other.bbox[i]);
  }
}

/** The union of several extents (MapProxy's merge_layer_extents): the default extent for none. */
export function mergeExtents(extents: readonly MapExtent[]): MapExtent {
  if (!extents.length) return MapExtent.default();
  return extents.reduce((a, b) => a.union(b));
}
