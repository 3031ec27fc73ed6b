import type { Dimensions } from '../cache/cache.js';
import type { BBox, Size } from '../geo/bbox.js';
import type { Coverage } from '../geo/coverage.js';
import type { MapExtent } from '../geo/extent.js';
import type { ResolutionRange } from '../geo/resolution-range.js';
import type { SRS } from '../geo/srs.js';
import type { ImageResult } from '../image/image.js';

/** One map image asked of a source. */
export interface MapQuery {
  bbox: BBox;
  size: Size;
  srs: SRS;
  /** Mime type, e.g. 'image/png'. */
  format: string;
  transparent: boolean;
  bgcolor?: readonly [number, number, number];
  /** Forwarded request parameters (TIME, ELEVATION, dim_*), sent upstream by sources that forward them. */
  dimensions?: Dimensions;
  /** Set when a cache is used as source with `tiled_only`. */
  tiledOnly?: boolean;
}

/**
 * Something that fetches or renders map images. `getMap` resolves to null when the source has
 * nothing for the query (outside its coverage or resolution range, seed_only): MapProxy's
 * BlankImage. Failures reject with SourceError.
 */
export interface MapSource {
  getMap(query: MapQuery): Promise<ImageResult | null>;
  /** WMS-like sources render any bbox; tile sources answer exactly one tile of their grid. */
  readonly supportsMetaTiles: boolean;
  readonly transparent: boolean;
  readonly opacity?: number;
  readonly coverage?: Coverage;
  readonly extent: MapExtent;
  readonly resRange?: ResolutionRange;
}

export class SourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SourceError';
  }
}

/** A query the source cannot answer by construction (wrong SRS, tile size, unaligned bbox). */
export class InvalidSourceQuery extends SourceError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSourceQuery';
  }
}
