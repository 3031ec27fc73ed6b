import type { MapExtent } from '../geo/extent.js';
import type { ResolutionRange } from '../geo/resolution-range.js';
import type { ImageResult } from '../image/image.js';
import type { MapQuery } from '../source/source.js';

/** What one entry of a layer's `sources:` draws for a map query. */
export interface MapLayer {
  /** null: nothing to draw here (outside extent, coverage or resolution range). */
  getMap(query: MapQuery): Promise<ImageResult | null>;
  readonly extent: MapExtent;
  readonly transparent: boolean;
  readonly opacity?: number;
  readonly resRange?: ResolutionRange;
}

/** Raised when a query cannot be answered as asked (too many tiles, invalid bbox); services map it to their error format. */
export class MapQueryError extends Error {
  override readonly name = 'MapQueryError';
}
