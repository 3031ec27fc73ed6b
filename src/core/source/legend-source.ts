import type { Size } from '../geo/bbox.js';
import type { ImageFormat } from '../image/format.js';
import { ImageResult } from '../image/image.js';
import { concatLegends } from './legend-concat.js';
import { concatJsonLegends } from './legend-json.js';
import { legendIdentifier, type LegendCache } from './legend-cache.js';
import { encodeLegend } from './legend-encode.js';
import type { LegendClient, LegendQuery } from './legend-query.js';
import { SourceError } from './source.js';

export interface LegendSourceOptions {
  readonly clients: readonly LegendClient[];
  readonly cache: LegendCache;
  /** PNG with the global image options (paletted unless `globals.image.paletted: false`), as MapProxy stores legends. */
  readonly cacheFormat: ImageFormat;
  /** A fixed legend: one cached image whatever the SCALE (MapProxy's static legend sources). */
  readonly static?: boolean;
  /** Where a failing client is reported; the legend is drawn without it. */
  readonly log?: { error(msg: string): void };
}

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
    if (!failed) await this.options.cache.store(this.identifier, scale, await encodeLegend(legend, this.options.cacheFormat));
    return legend;
  }

  /** The JSON legend of every client merged; never cached (MapProxy 7 asks the source each time). */
  async getJsonLegend(query: LegendQuery): Promise<string> {
    const bodies: Buffer[] = [];
    for (const client of this.options.clients) {
      try {
        bodies.push(await client.getJsonLegend(query));
      } catch (err) {
        if (!(err instanceof SourceError)) throw err;
        this.options.log?.error(err.message);
      }
    }
    return concatJsonLegends(bodies);
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
