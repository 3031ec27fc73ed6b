import { existsSync } from 'node:fs';
import { splitTaggedName } from '../config/references.js';
import type { ProxyConfig } from '../config/types.js';
import { getSRS } from '../geo/srs.js';
import type { InfoSource } from '../source/info-query.js';
import { WmsInfoRequest } from '../source/wms-info-request.js';
import type { WmsMapRequest } from '../source/wms-request.js';
import { WmsInfoSource } from '../source/wms-info-source.js';
import { WmsSource } from '../source/wms-source.js';
import { findXsltproc, XsltTransformer } from '../source/xslt-transform.js';
import { arcGisInfoSource } from './arcgis-sources.js';
import { buildSource, type SourceContext } from './sources.js';

/**
 * The feature-info sources behind layers, as MapProxy's configuration finds them: a layer's source
 * answers when it is a WMS or MapServer source with `wms_opts.featureinfo: true`; a cache answers through
 * all sources of its caches, however deeply nested. Built once per source reference.
 */
export class InfoSources {
  private readonly built = new Map<string, InfoSource | null>();

  constructor(private readonly ctx: SourceContext) {}

  private get config(): ProxyConfig {
    return this.ctx.config;
  }

  /** The info sources of one entry of a layer's `sources` (a cache wins over a source of the same name, as for maps). */
  forLayerSource(ref: string): InfoSource[] {
    const { name } = splitTaggedName(ref);
    const names = this.config.caches[name] ? this.cacheSourceNames(name) : [ref];
    return names.flatMap((n) => {
      const s = this.forSource(n);
      return s ? [s] : [];
    });
  }

  /** The info sources of a cache (for `tile_sources` and tile layers). */
  forCache(cacheName: string): InfoSource[] {
    return this.forLayerSource(cacheName);
  }

  /** Every source of a cache, caches used as sources replaced by theirs (MapProxy's cache_source_names). */
  private cacheSourceNames(cache: string, seen = new Set<string>()): string[] {
    if (seen.has(cache)) return [];
    seen.add(cache);
    const out: string[] = [];
    for (const ref of this.config.caches[cache]?.sources ?? []) {
      const { name } = splitTaggedName(ref);
      if (this.config.caches[name] && !this.config.sources[name]) out.push(...this.cacheSourceNames(name, seen));
      else out.push(ref);
    }
    return out;
  }

  /**
   * `type: wms` or `mapserver` with `featureinfo: true`, `arcgis` with `opts.featureinfo: true` (identify), else
   * null; `seed_only` and `map: false` do not matter.
   */
  forSource(ref: string): InfoSource | null {
    if (this.built.has(ref)) return this.built.get(ref)!;
    const { name, layers } = splitTaggedName(ref);
    const conf = this.config.sources[name];
    let result: InfoSource | null = null;
    if (conf?.type === 'arcgis') result = arcGisInfoSource(conf, this.ctx);
    else if (conf && (conf.type === 'wms' || conf.type === 'mapserver') && conf.wmsOpts.featureinfo) {
      // the map source's transport and request template: same HTTP client settings, same CGI binary
      const map = buildSource(conf, { ...this.ctx, seeding: true }, layers);
      if (!(map instanceof WmsSource)) throw new Error(`sources.${name}: expected a WMS source for feature info`);
      const template: WmsMapRequest = map.options.request;
      const fixedSrs = template.param('srs');
      const supportedSrs = map.options.supportedSrs ?? (fixedSrs ? [getSRS(fixedSrs)] : undefined);
      const opts = conf.wmsOpts;
      result = new WmsInfoSource({
        request: new WmsInfoRequest(template, { infoFormat: opts.featureinfoFormat, queryLayers: opts.queryLayers }),
        transport: map.options.transport,
        supportedSrs,
        preferredSrcProj: this.config.globals.srs.preferredSrcProj,
        coverage: map.options.coverage,
        transformer: opts.featureinfoXslt
          ? xsltTransformer(`sources.${name}.wms_opts.featureinfo_xslt`, opts.featureinfoXslt, opts.featureinfoOutFormat ?? opts.featureinfoFormat)
          : undefined,
      });
    }
    this.built.set(ref, result);
    return result;
  }
}

/** An XSLT transformer for a stylesheet that must exist, run by an xsltproc that must be installed; `key` names the option. */
export function xsltTransformer(key: string, stylesheet: string, outFormat?: string): XsltTransformer {
  if (!existsSync(stylesheet)) throw new Error(`${key}: stylesheet ${stylesheet} not found`);
  const binary = findXsltproc();
  if (!binary) throw new Error(`${key}: XSLT transformations need xsltproc (Debian package xsltproc), which is not installed`);
  return new XsltTransformer(stylesheet, outFormat, binary);
}
