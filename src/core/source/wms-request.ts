import fs from 'node:fs';
import type { BBox, Size } from '../geo/bbox.js';
import type { SRS } from '../geo/srs.js';
import { pyFloat } from '../util/py-format.js';
import { OrderedParams, pyStr } from './params.js';

export type WmsVersion = '1.0.0' | '1.1.0' | '1.1.1' | '1.3.0';
export const WMS_VERSIONS: readonly WmsVersion[] = ['1.0.0', '1.1.0', '1.1.1', '1.3.0'];

export type WmsParamValue = string | number | boolean;

export interface GetMapParams {
  bbox: BBox;
  size: Size;
  srs: SRS;
  /** Mime type ('image/png'); a bare name gets 'image/' prepended. */
  format: string;
  /** Forwarded request parameters (dimensions), set after the template's own. */
  extra?: Readonly<Record<string, string>>;
}

export interface UpstreamRequest {
  /** The complete GET URL (MapProxy's complete_url). */
  url: string;
  /** The service URL without trailing '?', for POST. */
  baseUrl: string;
  /** The query string alone (POST body). */
  queryString: string;
}

/**
 * The upstream GetMap of a WMS-like source, built exactly as MapProxy builds it: the `req`
 * parameters in their configured order, then bbox, width, height, srs, format, then the fixed
 * request/version/service and an empty styles. 1.3.0 flips the bbox of north/east SRS and
 * sends CRS; 1.0.0 sends WMTVER, request=map and a bare upper-case format.
 */
export class WmsMapRequest {
  readonly url: string;
  readonly version: WmsVersion;
  private readonly template: OrderedParams;

  /**
   * `params` are the source's `req` without `url`, in configuration order. A `sld: file://…`
   * parameter is replaced by `sld_body` with the file's content (the path should be absolute).
   */
  constructor(url: string, params: Iterable<readonly [string, WmsParamValue]> | Readonly<Record<string, WmsParamValue>>, version: WmsVersion = '1.1.1') {
    if (!WMS_VERSIONS.includes(version)) throw new Error(`unsupported WMS version ${version}`);
    this.url = url;
    this.version = version;
    const entries = Symbol.iterator in params
      ? [...(params as Iterable<readonly [string, WmsParamValue]>)]
      : Object.entries(params as Record<string, WmsParamValue>);
    const template = new OrderedParams();
    for (const [k, v] of entries) {
      if (k.toLowerCase() === 'url' || v === undefined || v === null) continue;
      template.set(k, pyStr(v));
    }
    const sld = template.get('sld');
    if (sld?.startsWith('file://')) {
      template.delete('sld');
      template.set('sld_body', fs.readFileSync(sld.slice('file://'.length), 'utf8'));
    }
    // what MapProxy's request classes do when the template is created (adapt_to_111)
    template.delete('wmtver');
    if (version === '1.0.0') {
      template.set('version', '1.0.0');
      template.set('request', 'GetMap');
    } else if (version === '1.3.0' && template.has('crs')) {
      const crs = template.get('crs')!;
      template.delete('crs');
      template.set('srs', crs);
    }
    this.template = template;
  }

  get layers(): string[] {
    const layers = this.template.get('layers');
    return layers ? layers.split(',') : [];
  }

  /** A copy of the template's parameters, in order (the feature-info request starts from them). */
  templateParams(): OrderedParams {
    return this.template.copy();
  }

  /** A template parameter by case-insensitive name. */
  param(name: string): string | undefined {
    return this.template.get(name);
  }

  /** The same request for other layers (combining sources with the same URL). */
  withLayers(layers: readonly string[]): WmsMapRequest {
    const copy = new WmsMapRequest(this.url, [], this.version);
    for (const [k, v] of this.template) copy.template.set(k, v);
    copy.template.set('layers', layers.join(','));
    return copy;
  }

  getMap(q: GetMapParams): UpstreamRequest {
    const p = this.template.copy();
    let bbox = q.bbox;
    p.set('bbox', bbox.map(pyFloat).join(','));
    p.set('width', String(q.size[0]));
    p.set('height', String(q.size[1]));
    p.set('srs', q.srs.code);
    p.set('format', q.format.includes('/') ? q.format : `image/${q.format}`);
    for (const [k, v] of Object.entries(q.extra ?? {})) p.set(k, v);

    // adapt_params_to_version
    if (this.version === '1.0.0') {
      p.set('request', 'map').set('wmtver', '1.0.0');
    } else {
      p.set('request', 'GetMap').set('version', this.version).set('service', 'WMS');
    }
    if (!p.has('styles')) p.set('styles', '');
    if (this.version === '1.0.0') {
      p.delete('version').delete('service');
      const format = p.get('format')!;
      if (format.includes('/')) p.set('format', format.split('/', 2)[1].toUpperCase());
    } else if (this.version === '1.3.0') {
      if (q.srs.isAxisOrderNE) {
        bbox = [bbox[1], bbox[0], bbox[3], bbox[2]];
        p.set('bbox', bbox.map(pyFloat).join(','));
      }
      const srs = p.get('srs')!;
      p.delete('srs').set('crs', srs);
    }
    const queryString = p.toQueryString();
    return { url: completeUrl(this.url, queryString), baseUrl: this.url.replace(/\?+$/, ''), queryString };
  }
}

/** MapProxy's complete_url: '?' or '&' between URL and query, nothing after a trailing '?'. */
export function completeUrl(url: string, queryString: string): string {
  if (!url) return queryString;
  const delimiter = url.endsWith('?') ? '' : url.includes('?') ? '&' : '?';
  return url + delimiter + queryString;
}
