import type { BBox, Size } from '../geo/bbox.js';
import type { Coverage } from '../geo/coverage.js';
import { MapExtent } from '../geo/extent.js';
import type { ResolutionRange } from '../geo/resolution-range.js';
import { selectSrs, type PreferredSrcProj } from '../geo/srs-selection.js';
import type { SRS } from '../geo/srs.js';
import { blankImage } from '../image/blank.js';
import { formatExt } from '../image/format.js';
import { ImageResult } from '../image/image.js';
import type { RGB, Resampling } from '../image/raw-image.js';
import { pasteImage } from '../image/split.js';
import { warp } from '../image/transform.js';
import { HTTPClientError } from '../client/http-client.js';
import { makeTransparent as makeColorTransparent } from '../native/transparent-color.js';
import type { OnErrorHandler } from './on-error.js';
import { SourceError, type MapQuery, type MapSource } from './source.js';
import { WmsMapRequest, type GetMapParams, type UpstreamRequest } from './wms-request.js';
import type { UpstreamResponse, WmsTransport } from './wms-transport.js';
import { bboxPositionInImage } from '../geo/bbox-position.js';

/** What the source needs of its request template: MapProxy's WMS and ArcGIS clients differ only in it. */
export interface MapRequestTemplate {
  getMap(q: GetMapParams): UpstreamRequest;
  /** A template parameter by case-insensitive name. */
  param(name: string): string | undefined;
}

export interface WmsSourceOptions<R extends MapRequestTemplate = WmsMapRequest> {
  /** The upstream GetMap template (`req` + `wms_opts.version`), or an ArcGIS export. */
  request: R;
  transport: WmsTransport;
  /** `http.method`: AUTO posts only when the request has an `sld_body`. */
  httpMethod?: 'AUTO' | 'GET' | 'POST';
  /** `req.format` / `image.format`: always request this format instead of the query's. */
  format?: string;
  /** `supported_formats` (mime types): request the first when the wanted one is not among them. */
  supportedFormats?: readonly string[];
  /** `supported_srs`: request in the best of these and reproject. */
  supportedSrs?: readonly SRS[];
  /** `globals.srs.preferred_src_proj`. */
  preferredSrcProj?: PreferredSrcProj;
  /** `req.transparent` / `image.transparent`. */
  transparent?: boolean;
  opacity?: number;
  coverage?: Coverage;
  resRange?: ResolutionRange;
  onError?: OnErrorHandler;
  /** `forward_req_params`: dimension names copied from the query to the upstream request. */
  forwardReqParams?: readonly string[];
  /** Resampling of reprojected images (`image.resampling_method`). */
  resampling?: Resampling;
  /** `image.transparent_color` and its tolerance (default 5). */
  transparentColor?: RGB;
  transparentColorTolerance?: number;
}

/** Thrown inside the source when the upstream answered something that is not an image. */
export class NotAnImage extends SourceError {
  /** The start of the answer (an XML exception, usually), for the log. */
  constructor(message: string, readonly detail: string) {
    super(message);
    this.name = 'NotAnImage';
  }
}

/**
 * An upstream WMS (MapProxy's WMSSource + WMSClient): any bbox and size, optionally reprojected
 * from a supported SRS, only the part inside the coverage fetched.
 */
export class WmsSource<R extends MapRequestTemplate = WmsMapRequest> implements MapSource {
  readonly supportsMetaTiles = true;
  readonly transparent: boolean;
  readonly opacity?: number;
  readonly coverage?: Coverage;
  readonly extent: MapExtent;
  readonly resRange?: ResolutionRange;

  constructor(readonly options: WmsSourceOptions<R>) {
    this.transparent = (options.transparent ?? false) || options.transparentColor !== undefined;
    if (options.opacity !== undefined) this.opacity = options.opacity;
    if (options.coverage) this.coverage = options.coverage;
    if (options.resRange) this.resRange = options.resRange;
    this.extent = options.coverage ? options.coverage.extent : MapExtent.default();
  }

  async getMap(query: MapQuery): Promise<ImageResult | null> {
    if (this.resRange && !this.resRange.contains(query.bbox, query.size, query.srs)) return null;
    if (this.coverage && !this.coverage.intersects(query.bbox, query.srs)) return null;
    try {
      const image = await this.fetchMap(query);
      if (image && this.options.transparentColor) return makeTransparent(image, this.options.transparentColor, this.options.transparentColorTolerance ?? 5);
      return image;
    } catch (err) {
      if (err instanceof HTTPClientError || err instanceof NotAnImage) {
        const fallback = this.options.onError?.handle(err instanceof HTTPClientError ? err.responseCode : undefined, query.size);
        if (fallback) return fallback;
        throw new SourceError(err.message, { cause: err });
      }
      throw err;
    }
  }

  /**
   * The format asked upstream: the configured one, else the query's without its mime options (a client's
   * `image/png; mode=8bit` is `image/png` upstream, as in MapProxy), replaced by the first supported one.
   */
  requestFormat(query: MapQuery): string {
    let format = this.options.format ?? bareMimeType(query.format);
    const supported = this.options.supportedFormats;
    if (supported?.length && !supported.some((f) => sameMime(f, format))) format = supported[0];
    return format;
  }

  private async fetchMap(query: MapQuery): Promise<ImageResult | null> {
    const format = this.requestFormat(query);
    let srs = query.srs;
    const supported = this.options.supportedSrs;
    if (supported?.length) {
      const same = supported.find((s) => s.equals(query.srs));
      if (!same) return this.fetchTransformed(query, format);
      // 900913 and 3857 are equal but the server may only know one of the codes
      srs = same;
    }
    const q = { ...query, srs };
    if (this.coverage && !this.extent.contains(new MapExtent(q.bbox, q.srs))) return this.fetchSubQuery(q, format);
    return this.retrieveImage(q.bbox, q.size, q.srs, format, query);
  }

  private async fetchSubQuery(query: MapQuery, format: string): Promise<ImageResult | null> {
    const pos = bboxPositionInImage(query.bbox, query.size, this.extent.bboxFor(query.srs));
    if (pos.size[0] <= 0 || pos.size[1] <= 0) return null;
    const part = await this.retrieveImage(pos.bbox, pos.size, query.srs, format, query);
    const canvas = blankImage(query.size, { transparent: true });
    pasteImage(canvas, await part.raw(), pos.offset[0], pos.offset[1]);
    return ImageResult.fromRaw(canvas, { transparent: true, cacheable: part.cacheable });
  }

  private async fetchTransformed(query: MapQuery, format: string): Promise<ImageResult | null> {
    const dstSrs = query.srs;
    const srcSrs = selectSrs(dstSrs, this.options.supportedSrs!, this.options.preferredSrcProj);
    const dstBBox = query.bbox;
    const srcBBox = dstSrs.transformBBoxTo(srcSrs, dstBBox);
    const srcW = srcBBox[2] - srcBBox[0];
    const srcH = srcBBox[3] - srcBBox[1];
    const ratio = srcW / srcH;
    const [dw, dh] = query.size;
    const srcSize: Size = srcW / dw < srcH / dh
      ? [dw, Math.trunc(dw / ratio + 0.5)]
      : [Math.trunc(dh * ratio + 0.5), dh];
    const srcQuery: MapQuery = { ...query, bbox: srcBBox, size: srcSize, srs: srcSrs };
    const img = this.coverage && !this.coverage.contains(srcBBox, srcSrs)
      ? await this.fetchSubQuery(srcQuery, format)
      : await this.retrieveImage(srcBBox, srcSize, srcSrs, format, query);
    if (!img) return null;
    const warped = await warp(await img.raw(), srcBBox, dstBBox, query.size,
      (pts) => dstSrs.transformTo(srcSrs, pts), this.options.resampling ?? 'bicubic');
    return ImageResult.fromRaw(warped, { transparent: true, cacheable: img.cacheable });
  }

  private async retrieveImage(bbox: BBox, size: Size, srs: SRS, format: string, query: MapQuery): Promise<ImageResult> {
    const request = this.options.request.getMap({ bbox, size, srs, format, extra: this.forwarded(query) });
    const method = this.options.httpMethod === 'POST' || this.options.httpMethod === 'GET'
      ? this.options.httpMethod
      : this.options.request.param('sld_body') !== undefined ? 'POST' : 'GET';
    const res = await this.options.transport.retrieve(request, method);
    checkImageResponse(res);
    return ImageResult.fromEncoded(res.body, { transparent: this.transparent });
  }

  private forwarded(query: MapQuery): Record<string, string> | undefined {
    const names = this.options.forwardReqParams;
    if (!names?.length || !query.dimensions) return undefined;
    const wanted = new Set(names.map((n) => n.toLowerCase()));
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(query.dimensions)) if (wanted.has(k.toLowerCase())) out[k] = v;
    return out;
  }

  /** The URL and layers, to decide whether two sources can share one request. */
  get requestTemplate(): R {
    return this.options.request;
  }

  /**
   * A source that draws this source's layers and then `other`'s in one upstream request (MapProxy
   * combines WMS sources with the same URL and settings), or null when they cannot be combined.
   */
  combinedWith(other: MapSource): WmsSource | null {
    if (!(other instanceof WmsSource)) return null;
    const a = this.options;
    const b = other.options;
    // ArcGIS exports are never combined (MapProxy's ArcGISClient.combined_client)
    if (!(a.request instanceof WmsMapRequest) || !(b.request instanceof WmsMapRequest)) return null;
    if (this.opacity !== undefined || other.opacity !== undefined) return null;
    if (a.request.url !== b.request.url || a.request.version !== b.request.version) return null;
    if (a.transport !== b.transport || a.httpMethod !== b.httpMethod) return null;
    if (!sameList(a.supportedSrs?.map((s) => s.code), b.supportedSrs?.map((s) => s.code))) return null;
    if (!sameList(a.supportedFormats, b.supportedFormats)) return null;
    if (String(a.transparentColor) !== String(b.transparentColor) || a.transparentColorTolerance !== b.transparentColorTolerance) return null;
    if (a.coverage !== b.coverage && !(a.coverage && b.coverage && a.coverage.equals(b.coverage))) return null;
    if (!sameList(a.forwardReqParams?.map((p) => p.toLowerCase()).sort(), b.forwardReqParams?.map((p) => p.toLowerCase()).sort())) return null;
    return new WmsSource({ ...a, request: a.request.withLayers([...a.request.layers, ...b.request.layers]) });
  }
}

function sameList(a?: readonly string[], b?: readonly string[]): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** 'image/png; mode=8bit' → 'image/png'. */
function bareMimeType(mime: string): string {
  return mime.split(';', 1)[0]!.trim();
}

function sameMime(a: string, b: string): boolean {
  return formatExt(a).toLowerCase() === formatExt(b).toLowerCase();
}

/** MapProxy accepts a missing Content-Type; anything else must be image/*. */
function checkImageResponse(res: UpstreamResponse): void {
  const type = res.headers['content-type'];
  if (type !== undefined && !type.toLowerCase().startsWith('image/')) {
    // MapProxy logs up to 8000 bytes of text answers (service exceptions), 100 of anything else
    const limit = /^(text\/|application\/vnd\.ogc)/i.test(type) ? 8000 : 100;
    const detail = res.body.subarray(0, limit).toString('utf8') + (res.body.length > limit ? ' [output truncated]' : '');
    throw new NotAnImage(`no image returned from source WMS: ${res.url}`, detail);
  }
}

/** `image.transparent_color`: pixels within `tolerance` of the colour (per channel) become transparent. */
async function makeTransparent(image: ImageResult, color: RGB, tolerance: number): Promise<ImageResult> {
  const raw = await image.raw();
  const data = Buffer.from(raw.data);
  makeColorTransparent({ data, width: raw.width, height: raw.height }, color, tolerance);
  return ImageResult.fromRaw({ data, width: raw.width, height: raw.height }, { transparent: true, cacheable: image.cacheable });
}
