import type { Size } from '../geo/bbox.js';
import { imageFormat } from '../image/format.js';
import { ImageResult } from '../image/image.js';
import { concatLegends } from './legend-concat.js';
import { legendIdentifier, type LegendCache } from './legend-cache.js';
import type { LegendClient, LegendQuery } from './legend-query.js';
import { SourceError } from './source.js';

export interface LegendSourceOptions {
  readonly clients: readonly LegendClient[];
  readonly cache: LegendCache;
  /** A fixed legend: one cached image whatever the SCALE (MapProxy's static legend sources). */
  readonly static?: boolean;
  /** Where a failing client is reported; the legend is drawn without it. */
  readonly log?: { error(msg: string): void };
}

/** Legends are cached as plain (not quantized) PNG, as MapProxy's LegendCache writes them. */
const CACHE_FORMAT = imageFormat('image/png', { paletted: false });

/**
 * The legend of one source (MapProxy's WMSLegendSource): its clients' images combined, cached on
 * disk per scale. A client that fails is logged and left out, and then the result is not stored,
 * so the next request tries again.
 */
export class LegendSource {
  readonly identifier: string;
  private sizePromise?: Promise<Size>;

  constructor(readonly options: LegendSourceOptions) {
    this.identifier = legendIdentifier(options.clients.map((c) => c.identifier));
  }

  async getLegend(query: LegendQuery): Promise<ImageResult> {
    // a fixed image is the same at every scale: one file for all
    const scale = this.options.static ? undefined : query.scale;
    const cached = await this.options.cache.load(this.identifier, scale);
    if (cached) return ImageResult.fromEncoded(cached, { transparent: true });

    const legends: ImageResult[] = [];
    let failed = false;
    for (const client of this.options.clients) {
      try {
        legends.push(await client.getLegend(query));
      } catch (err) {
        if (!(err instanceof SourceError)) throw err;
        failed = true;
        this.options.log?.error(err.message);
      }
    }
    const legend = await concatLegends(legends);
    if (!failed) await this.options.cache.store(this.identifier, scale, await legend.encode(CACHE_FORMAT, { transparent: true }));
    return legend;
  }

  /** The size of the legend without SCALE (what capabilities announce); fetched, and so cached, once. */
  size(): Promise<Size> {
    if (!this.sizePromise) {
      this.sizePromise = this.getLegend({ format: 'image/png' }).then(async (l) => {
        const raw = await l.raw();
        return [raw.width, raw.height] as Size;
      });
      this.sizePromise.catch(() => (this.sizePromise = undefined));
    }
    return this.sizePromise;
  }
}
