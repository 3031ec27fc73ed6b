import { join } from 'node:path';
import { HttpClient } from '../client/http-client.js';
import { splitTaggedName } from '../config/references.js';
import type { LayerConfig, ProxyConfig } from '../config/types.js';
import { imageFormat, type ImageFormat } from '../image/format.js';
import { LegendCache } from '../source/legend-cache.js';
import { LegendUrlClient, WmsLegendClient } from '../source/legend-client.js';
import { LegendSource } from '../source/legend-source.js';
import type { WmsMapRequest } from '../source/wms-request.js';
import { WmsSource } from '../source/wms-source.js';
import { imageGlobals } from './image-formats.js';
import { buildSource, type SourceContext } from './sources.js';

/**
 * The legend sources behind layers, as MapProxy's configuration finds them: a layer's `legendurl`
 * alone when it has one; otherwise each of its sources (a cache: all sources of it, however deeply
 * nested) that is a WMS or MapServer source with `wms_opts.legendurl` (a fixed image) or
 * `wms_opts.legendgraphic: true` (GetLegendGraphic of every layer in `req.layers`). All of them are
 * cached in `<globals.cache.base_dir>/legends`. Built once per source reference.
 */
export class LegendSources {
  private readonly built = new Map<string, LegendSource | null>();
  private readonly cache: LegendCache;
  private readonly cacheFormat: ImageFormat;
  private http?: HttpClient;

  constructor(private readonly ctx: SourceContext) {
    const { baseDir, directoryPermissions, filePermissions } = ctx.config.globals.cache;
    this.cache = new LegendCache({ dir: join(baseDir, 'legends'), directoryPermissions, filePermissions });
    this.cacheFormat = imageFormat('image/png', imageGlobals(ctx.config.globals));
  }

  private get config(): ProxyConfig {
    return this.ctx.config;
  }

  /** The legend sources of one configured layer (not of its children). */
  forLayer(layer: LayerConfig): LegendSource[] {
    if (layer.legendurl) return [this.fixed(layer.legendurl)];
    return (layer.sources ?? []).flatMap((ref) => {
      const { name } = splitTaggedName(ref);
      const names = this.config.caches[name] ? this.cacheSourceNames(name) : [ref];
      return names.flatMap((n) => {
        const s = this.forSource(n);
        return s ? [s] : [];
      });
    });
  }

  /** Every source of a cache, caches used as sources replaced by theirs (MapProxy's cache_source_names). */
  private cacheSourceNames(cache: string, seen = new Set<string>()): string[] {
    if (seen.has(cache)) return [];
    seen.add(cache);
    return (this.config.caches[cache]?.sources ?? []).flatMap((ref) => {
      const { name } = splitTaggedName(ref);
      return this.config.caches[name] && !this.config.sources[name] ? this.cacheSourceNames(name, seen) : [ref];
    });
  }

  /** A fixed image over HTTP (a plain client, as MapProxy's) or from a file. */
  private fixed(url: string): LegendSource {
    this.http ??= new HttpClient({ dispatchers: this.ctx.dispatchers });
    return new LegendSource({ clients: [new LegendUrlClient(url, this.http)], cache: this.cache, cacheFormat: this.cacheFormat, static: true, log: this.ctx.log });
  }

  private forSource(ref: string): LegendSource | null {
    if (this.built.has(ref)) return this.built.get(ref)!;
    const { name, layers } = splitTaggedName(ref);
    const conf = this.config.sources[name];
    let result: LegendSource | null = null;
    if (conf && (conf.type === 'wms' || conf.type === 'mapserver')) {
      if (conf.wmsOpts.legendurl) result = this.fixed(conf.wmsOpts.legendurl);
      else if (conf.wmsOpts.legendgraphic) {
        // the map source's request template and transport: same `req`, HTTP settings and CGI binary
        const map = buildSource(conf, { ...this.ctx, seeding: true }, layers);
        if (!(map instanceof WmsSource)) throw new Error(`sources.${name}: expected a WMS source for legends`);
        const request: WmsMapRequest = map.options.request;
        // MapProxy has GetLegendGraphic requests for 1.1.1 and 1.3.0 only
        const version = conf.wmsOpts.version === '1.3.0' ? '1.3.0' : '1.1.1';
        const clients = request.layers.map((layer) => {
          const template = request.templateParams();
          template.delete('layers').set('layer', layer);
          return new WmsLegendClient(request.url, template, version, map.options.transport);
        });
        result = new LegendSource({ clients, cache: this.cache, cacheFormat: this.cacheFormat, log: this.ctx.log });
      }
    }
    this.built.set(ref, result);
    return result;
  }
}
