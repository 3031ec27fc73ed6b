import type { Coverage } from '../geo/coverage.js';
import { MapExtent } from '../geo/extent.js';
import type { ImageResult } from '../image/image.js';
import type { MapSource } from './source.js';

/**
 * A source that never has anything (MapProxy's DummySource): what a `seed_only` source becomes
 * outside of seeding.
 */
export class BlankSource implements MapSource {
  readonly supportsMetaTiles = true;
  readonly transparent = true;
  readonly extent: MapExtent;
  readonly coverage?: Coverage;

  constructor(coverage?: Coverage) {
    if (coverage) this.coverage = coverage;
    this.extent = coverage ? coverage.extent : MapExtent.default();
  }

  async getMap(): Promise<ImageResult | null> {
    return null;
  }
}
