import { bboxHeight, bboxWidth, type BBox, type Size } from './bbox.js';
import { metersPerDegreeOf, type SRS } from './srs.js';

/** OGC standardised rendering pixel size: 0.28 mm. */
export const OGC_PIXEL_SIZE = 0.00028;

export const ogcScaleToRes = (scale: number): number => scale * OGC_PIXEL_SIZE;
export const resToOgcScale = (res: number): number => res / OGC_PIXEL_SIZE;

/**
 * A layer's visible resolutions in metres per pixel: `minRes` is the coarsest (largest) resolution still shown,
 * `maxRes` the finest. Degrees are converted with the web mercator sphere, as MapProxy does.
 */
export class ResolutionRange {
  readonly minRes?: number;
  readonly maxRes?: number;

  constructor(minRes?: number, maxRes?: number) {
    if (minRes && maxRes && !(minRes > maxRes)) {
      throw new RangeError(`min_res (${minRes}) must be larger than max_res (${maxRes})`);
    }
    this.minRes = minRes || undefined;
    this.maxRes = maxRes || undefined;
  }

  contains(bbox: BBox, size: Size, srs: SRS): boolean {
    let width = bboxWidth(bbox);
    let height = bboxHeight(bbox);
    if (srs.isLatLong) {
      width *= metersPerDegreeOf(srs);
      height *= metersPerDegreeOf(srs);
    }
    const xRes = width / size[0];
    const yRes = height / size[1];
    if (this.minRes) {
      const minRes = this.minRes + 1e-6;
      if (minRes <= xRes || minRes <= yRes) return false;
    }
    if (this.maxRes) {
      if (this.maxRes > xRes || this.maxRes > yRes) return false;
    }
    return true;
  }

  /** [minScale, maxScale] denominators for capabilities (undefined where open). */
  scaleDenominator(): [number | undefined, number | undefined] {
    return [this.maxRes ? resToOgcScale(this.maxRes) : undefined, this.minRes ? resToOgcScale(this.minRes) : undefined];
  }

  /** [min, max] diagonal resolution for WMS 1.1.1 ScaleHint. */
  scaleHint(): [number | undefined, number | undefined] {
    const diag = (r?: number) => (r ? Math.sqrt(2 * r * r) : undefined);
    return [diag(this.minRes), diag(this.maxRes)];
  }

  equals(other: ResolutionRange): boolean {
    return this.minRes === other.minRes && this.maxRes === other.maxRes;
  }
}

/**
 * The range from layer/source options: either min_res/max_res or min_scale/max_scale, not both (MapProxy's
 * resolution_range). Returns undefined when none is set.
 */
export function resolutionRange(opts: {
  minRes?: number | null; maxRes?: number | null; minScale?: number | null; maxScale?: number | null;
}): ResolutionRange | undefined {
  const { minRes, maxRes, minScale, maxScale } = opts;
  if (minRes == null && maxRes == null && minScale == null && maxScale == null) return undefined;
  if (minRes || maxRes) {
    if (!minScale && !maxScale) return new ResolutionRange(minRes ?? undefined, maxRes ?? undefined);
  } else if (minScale || maxScale) {
    return new ResolutionRange(maxScale ? ogcScaleToRes(maxScale) : undefined, minScale ? ogcScaleToRes(minScale) : undefined);
  }
  throw new RangeError('requires either min_res/max_res or max_scale/min_scale');
}

/** The union of two ranges (a group layer's range), or undefined when either is unlimited. */
export function mergeResolutionRange(a?: ResolutionRange, b?: ResolutionRange): ResolutionRange | undefined {
  if (!a || !b) return undefined;
  const minRes = a.minRes === undefined || b.minRes === undefined ? undefined : Math.max(a.minRes, b.minRes);
  const maxRes = a.maxRes === undefined || b.maxRes === undefined ? undefined : Math.min(a.maxRes, b.maxRes);
  if (minRes === undefined && maxRes === undefined) return undefined;
  return new ResolutionRange(minRes, maxRes);
}
