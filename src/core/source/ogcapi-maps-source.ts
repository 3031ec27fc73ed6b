import type { HttpClient } from '../client/http-client.js';
import type { BBox, Size } from '../geo/bbox.js';
import type { Coverage } from '../geo/coverage.js';
import { MapExtent } from '../geo/extent.js';
import type { ResolutionRange } from '../geo/resolution-range.js';
import type { PreferredSrcProj } from '../geo/srs-selection.js';
import { getSRS, type SRS } from '../geo/srs.js';
import { formatExt } from '../image/format.js';
import type { ImageResult } from '../image/image.js';
import type { RGB, Resampling } from '../image/raw-image.js';
import type { Logger } from '../log/logger.js';
import { crsUriToCode, ogcCrsUri } from '../geo/ogc-crs-uri.js';
import { normalizeSrsCode } from './ogcapi-crs.js';
import { fetchOgcJson } from './ogcapi-json.js';
import { findHref, linksOf, REL, resolveHref, describingDocument } from './ogcapi-links.js';
import { ogcApiMapUrl, type OgcApiMapSettings } from './ogcapi-maps-request.js';
import type { OnErrorHandler } from './on-error.js';
import { SourceError, type MapQuery, type MapSource } from './source.js';
import { WmsMapRequest, type UpstreamRequest } from './wms-request.js';
import { WmsSource } from './wms-source.js';
import type { UpstreamResponse, WmsTransport } from './wms-transport.js';

export interface OgcApiMapsSourceOptions {
  /** `landingpage_url`, without a trailing '/'. */
  landingpageUrl: string;
  /** `collection`: its map; none: the dataset's map (the landing page's). */
  collection?: string;
  http: HttpClient;
  /** `supported_srs`: request in these (and reproject); none: the CRS the server lists. */
  supportedSrs?: readonly SRS[];
  preferredSrcProj?: PreferredSrcProj;
  /** `image.format`: always request this format. */
  format?: string;
  /** `transparent`: sends transparent=true. */
  transparent?: boolean;
  /** `bgcolor`: RGB or RGBA. */
  bgcolor?: readonly number[];
  opacity?: number;
  coverage?: Coverage;
  resRange?: ResolutionRange;
  onError?: OnErrorHandler;
  resampling?: Resampling;
  transparentColor?: RGB;
  transparentColorTolerance?: number;
  /** Where CRS the server lists but we cannot transform are reported. */
  log?: Pick<Logger, 'warn'>;
}

/** What the collection (or landing page) says: its map URLs by format and the CRS it draws in. */
interface MapsDescription {
  /** `png` / `jpeg` → map URL. */
  readonly mapUrls: ReadonlyMap<string, string>;
  readonly settings: OgcApiMapSettings;
  readonly supportedSrs: readonly SRS[];
}

/**
 * The WMS-like GetMap that WmsSource builds (always WMS 1.1.1: east-first bbox, srs, width, height, format),
 * carried to the server as an OGC API – Maps request. WmsSource keeps doing what MapProxy's WMSLikeSource does
 * for both: supported SRS and reprojection, coverage clipping, transparent_color, on_error.
 */
class OgcApiMapsTransport implements WmsTransport {
  constructor(
    private readonly http: HttpClient,
    private readonly description: MapsDescription,
  ) {}

  async retrieve(request: UpstreamRequest): Promise<UpstreamResponse> {
    const q = new URLSearchParams(request.queryString);
    const bbox = (q.get('bbox') ?? '').split(',').map(Number) as unknown as BBox;
    const size: Size = [Number(q.get('width')), Number(q.get('height'))];
    const srs = getSRS(q.get('srs')!);
    const ext = formatExt(q.get('format') ?? 'image/png');
    const { mapUrls, settings } = this.description;
    // WmsSource asks only for formats among supportedFormats, which are the formats the server links
    const mapUrl = mapUrls.get(ext) ?? [...mapUrls.values()][0]!;
    const crsUri = settings.crsUris.get(normalizeSrsCode(srs.code)) ?? ogcCrsUri(srs.code);
    const url = ogcApiMapUrl(mapUrl, { bbox, size, srs }, settings, crsUri);
    const res = await this.http.request(url);
    return { headers: res.headers, body: res.body, url: res.url };
  }
}

const MAP_FORMATS = ['png', 'jpeg'] as const;

/**
 * MapProxy 7's `ogcapimaps` source: maps of an OGC API – Maps server. On first use it reads the collection (or the
 * landing page) for its `map` links (PNG, JPEG) and its `crs` / `storageCrs` (CRS84 when it lists none); after
 * that it is a WMS-like source whose requests are OGC API map requests. A failed description is read again on the
 * next query.
 */
export class OgcApiMapsSource implements MapSource {
  readonly supportsMetaTiles = true;
  readonly transparent: boolean;
  readonly opacity?: number;
  readonly coverage?: Coverage;
  readonly extent: MapExtent;
  readonly resRange?: ResolutionRange;
  private wms: Promise<WmsSource> | null = null;

  constructor(private readonly options: OgcApiMapsSourceOptions) {
    this.transparent = (options.transparent ?? false) || options.transparentColor !== undefined;
    if (options.opacity !== undefined) this.opacity = options.opacity;
    if (options.coverage) this.coverage = options.coverage;
    if (options.resRange) this.resRange = options.resRange;
    this.extent = options.coverage ? options.coverage.extent : MapExtent.default();
  }

  get describedAt(): string {
    return describingDocument(this.options);
  }

  async getMap(query: MapQuery): Promise<ImageResult | null> {
    if (this.resRange && !this.resRange.contains(query.bbox, query.size, query.srs)) return null;
    if (this.coverage && !this.coverage.intersects(query.bbox, query.srs)) return null;
    return (await this.source()).getMap(query);
  }

  /** The SRS this source requests in, once the server is described (for tests and capabilities). */
  async supportedSrs(): Promise<readonly SRS[]> {
    return (await this.source()).options.supportedSrs ?? [];
  }

  private source(): Promise<WmsSource> {
    if (!this.wms) {
      this.wms = this.describe().then((d) => this.wmsLike(d));
      this.wms.catch(() => {
        this.wms = null;
      });
    }
    return this.wms;
  }

  private wmsLike(description: MapsDescription): WmsSource {
    const o = this.options;
    return new WmsSource({
      request: new WmsMapRequest(this.describedAt, [], '1.1.1'),
      transport: new OgcApiMapsTransport(o.http, description),
      supportedFormats: [...description.mapUrls.keys()].map((ext) => `image/${ext}`),
      supportedSrs: description.supportedSrs,
      transparent: o.transparent ?? false,
      ...(o.format !== undefined ? { format: o.format } : {}),
      ...(o.preferredSrcProj ? { preferredSrcProj: o.preferredSrcProj } : {}),
      ...(o.opacity !== undefined ? { opacity: o.opacity } : {}),
      ...(o.coverage ? { coverage: o.coverage } : {}),
      ...(o.resRange ? { resRange: o.resRange } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
      ...(o.resampling ? { resampling: o.resampling } : {}),
      ...(o.transparentColor ? { transparentColor: o.transparentColor } : {}),
      ...(o.transparentColorTolerance !== undefined ? { transparentColorTolerance: o.transparentColorTolerance } : {}),
    });
  }

  private async describe(): Promise<MapsDescription> {
    const url = this.describedAt;
    const doc = (await fetchOgcJson(this.options.http, url)) as { crs?: unknown; storageCrs?: unknown };
    const links = linksOf(doc, url);
    const mapUrls = new Map<string, string>();
    for (const ext of MAP_FORMATS) {
      const href = findHref(links, REL.map, `image/${ext}`);
      if (href) mapUrls.set(ext, resolveHref(url, href));
    }
    if (mapUrls.size === 0) throw new SourceError(`Could not retrieve a map link in ${url} response`);

    const crsUris = new Map<string, string>();
    const listed = [...(Array.isArray(doc.crs) ? doc.crs : []), ...(doc.storageCrs !== undefined ? [doc.storageCrs] : [])];
    for (const uri of listed) {
      const code = typeof uri === 'string' ? crsUriToCode(uri) : null;
      if (code) crsUris.set(normalizeSrsCode(code), uri as string);
    }
    if (crsUris.size === 0) crsUris.set('EPSG:4326', 'http://www.opengis.net/def/crs/OGC/1.3/CRS84');

    let supportedSrs: SRS[];
    const configured = this.options.supportedSrs ?? [];
    if (configured.length) {
      supportedSrs = [...configured];
      for (const srs of configured) crsUris.set(normalizeSrsCode(srs.code), ogcCrsUri(srs.code));
    } else {
      supportedSrs = [];
      for (const code of crsUris.keys()) {
        try {
          supportedSrs.push(getSRS(code));
        } catch {
          this.options.log?.warn(`ogcapimaps ${url}: CRS ${code} is not supported here and is not used`);
        }
      }
      if (supportedSrs.length === 0) throw new SourceError(`None of the CRS of ${url} is supported: ${[...crsUris.keys()].join(', ')}`);
    }
    const settings: OgcApiMapSettings = {
      crsUris,
      severalSrs: supportedSrs.length !== 1,
      // as WMSLikeSource: a transparent_color makes the source transparent, and transparent=true is asked
      transparent: this.transparent,
      ...(this.options.bgcolor ? { bgcolor: this.options.bgcolor } : {}),
    };
    return { mapUrls, settings, supportedSrs };
  }
}
