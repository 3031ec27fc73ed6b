import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HTTPClientError, type HttpClient } from '../client/http-client.js';
import { detectedMimeType } from '../image/image-bytes.js';
import { ImageResult } from '../image/image.js';
import { pyFloat } from '../util/py-format.js';
import type { LegendClient, LegendQuery } from './legend-query.js';
import { OrderedParams } from './params.js';
import { SourceError } from './source.js';
import { completeUrl, type UpstreamRequest } from './wms-request.js';
import type { WmsTransport } from './wms-transport.js';

/** An answer that is not an image is no legend (MapProxy checks the Content-Type, image/ when absent). */
function checkImage(contentType: string | undefined, what: string): void {
  if (!(contentType ?? 'image/').startsWith('image/')) throw new SourceError(`no image returned from ${what}`);
}

/**
 * GetLegendGraphic of one layer of a WMS source (MapProxy's WMSLegendClient). The request starts
 * from the source's `req` without `layers` and with `layer`, in configuration order; the client's
 * FORMAT is used when `req` has none, SCALE is added when the client sent one; then the fixed
 * request, service, sld_version and version, and an empty styles.
 */
export class WmsLegendClient implements LegendClient {
  readonly identifier: readonly [string, string | null];

  constructor(
    private readonly url: string,
    private readonly template: OrderedParams,
    private readonly version: '1.1.1' | '1.3.0',
    private readonly transport: WmsTransport,
  ) {
    this.identifier = [url, template.get('layer') ?? null];
  }

  request(query: LegendQuery): UpstreamRequest {
    const p = this.template.copy();
    if (!p.get('format')) p.set('format', query.format.includes('/') ? query.format : `image/${query.format || 'png'}`);
    if (query.scale) p.set('scale', pyFloat(query.scale));
    p.set('request', 'GetLegendGraphic').set('service', 'WMS').set('sld_version', '1.1.0').set('version', this.version);
    if (!p.has('styles')) p.set('styles', '');
    const queryString = p.toQueryString();
    return { url: completeUrl(this.url, queryString), baseUrl: this.url.replace(/\?+$/, ''), queryString };
  }

  async getLegend(query: LegendQuery): Promise<ImageResult> {
    let res;
    try {
      res = await this.transport.retrieve(this.request(query), 'GET');
    } catch (err) {
      if (err instanceof HTTPClientError) throw new SourceError(err.message, { cause: err });
      throw err;
    }
    checkImage(res.headers['content-type'], 'source WMS');
    return ImageResult.fromEncoded(res.body, { transparent: true });
  }

  async getJsonLegend(query: LegendQuery): Promise<Buffer> {
    let res;
    try {
      res = await this.transport.retrieve(this.request({ ...query, format: 'application/json' }), 'GET');
    } catch (err) {
      if (err instanceof HTTPClientError) throw new SourceError(err.message, { cause: err });
      throw err;
    }
    // MapProxy compares the whole header; a charset parameter is accepted here
    if (res.headers['content-type']?.split(';')[0]?.trim() !== 'application/json') throw new SourceError('no json returned from source WMS');
    return res.body;
  }
}

/**
 * A fixed legend image (MapProxy's WMSLegendURLClient): `legendurl` of a layer or `wms_opts.legendurl`
 * of a source, over HTTP or from a `file://` path (relative paths were made absolute by the reader).
 */
export class LegendUrlClient implements LegendClient {
  readonly identifier: readonly [string, string | null];

  constructor(
    private readonly url: string,
    private readonly http: HttpClient,
  ) {
    this.identifier = [url, null];
  }

  /** A fixed legend is an image: MapProxy 7 has no JSON for it. */
  async getJsonLegend(): Promise<Buffer> {
    throw new SourceError('no image returned from static LegendURL');
  }

  async getLegend(): Promise<ImageResult> {
    if (this.url.startsWith('file://')) {
      let body: Buffer;
      try {
        body = await fs.promises.readFile(fileURLToPath(this.url.startsWith('file:///') ? this.url : `file://${this.url.slice(7)}`));
      } catch (err) {
        throw new SourceError(`could not read legend ${this.url}: ${(err as Error).message}`, { cause: err });
      }
      // a file has no Content-Type: urllib guesses one from the name, we look at the bytes
      checkImage(detectedMimeType(body) ?? 'application/octet-stream', 'static LegendURL');
      return ImageResult.fromEncoded(body, { transparent: true });
    }
    let res;
    try {
      res = await this.http.request(this.url);
    } catch (err) {
      if (err instanceof HTTPClientError) throw new SourceError(err.message, { cause: err });
      throw err;
    }
    checkImage(res.headers['content-type'], 'static LegendURL');
    return ImageResult.fromEncoded(res.body, { transparent: true });
  }
}
