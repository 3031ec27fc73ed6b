import type { MapExtent } from '../geo/extent.js';
import type { ResolutionRange } from '../geo/resolution-range.js';
import type { ImageResult } from '../image/image.js';
import type { MapQuery, MapSource } from '../source/source.js';
import type { MapLayer } from './map-layer.js';

/** A source used directly by a layer, without a cache: one upstream request per map query. */
export class DirectMapLayer implements MapLayer {
  constructor(private readonly source: MapSource) {}

  get extent(): MapExtent {
    return this.source.extent;
  }
  get transparent(): boolean {
    return this.source.transparent;
  }
  get opacity(): number | undefined {
    return this.source.opacity;
  }
  get resRange(): ResolutionRange | undefined {
    return this.source.resRange;
  }

  async getMap(query: MapQuery): Promise<ImageResult | null> {
    if (this.source.resRange && !this.source.resRange.contains(query.bbox, query.size, query.srs)) return null;
    if (this.source.coverage && !this.source.coverage.intersects(query.bbox, query.srs)) return null;
    return (await this.source.getMap(query)) ?? null;
  }
}
