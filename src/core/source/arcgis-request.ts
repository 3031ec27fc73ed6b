import type { BBox, Size } from '../geo/bbox.js';
import type { SRS } from '../geo/srs.js';
import { pyFloat } from '../util/py-format.js';
import { pixelToMap } from './info-query.js';
import { OrderedParams, pyStr } from './params.js';
import { completeUrl, type GetMapParams, type UpstreamRequest } from './wms-request.js';

/** scheme://netloc, path, query and fragment of a URL, as Python's urlsplit cuts them (nothing normalised). */
function splitUrl(url: string): { origin: string; path: string; query: string; fragment: string } {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*)?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(url)!;
  return { origin: m[1] ?? '', path: m[2] ?? '', query: m[3] ?? '', fragment: m[4] ?? '' };
}

/** urlunsplit after changing the path's last segments; an empty query or fragment is dropped, as there. */
function withPath(url: string, edit: (segments: string[]) => void): string {
  const { origin, path, query, fragment } = splitUrl(url);
  const segments = path.replace(/\/+$/, '').split('/');
  edit(segments);
  return origin + segments.join('/') + (query ? `?${query}` : '') + (fragment ? `#${fragment}` : '');
}

/**
 * The export endpoint of a configured URL (MapProxy's rest_endpoint): a MapServer exports with `export`,
 * an ImageServer with `exportImage`, whichever of the two the URL names; a bare service URL gets it appended.
 */
export function restExportEndpoint(url: string): string {
  return withPath(url, (path) => {
    const last = path[path.length - 1];
    const service = path[path.length - 2];
    if (last === 'export' || last === 'exportImage') {
      if (service === 'MapServer') path[path.length - 1] = 'export';
      else if (service === 'ImageServer') path[path.length - 1] = 'exportImage';
    } else if (last === 'MapServer') path.push('export');
    else if (last === 'ImageServer') path.push('exportImage');
  });
}

/** The identify endpoint of a configured URL (MapProxy's rest_identify_endpoint). */
export function restIdentifyEndpoint(url: string): string {
  return withPath(url, (path) => {
    const last = path[path.length - 1];
    if (last === 'export' || last === 'exportImage') path[path.length - 1] = 'identify';
    else if (last === 'MapServer' || last === 'ImageServer') path.push('identify');
  });
}

/** 'EPSG:3857' → '3857': ArcGIS takes well-known ids (MapProxy sends whatever follows the last ':'). */
export function wkid(srs: SRS): string {
  const code = srs.code;
  return code.slice(code.lastIndexOf(':') + 1);
}

function templateOf(params: Iterable<readonly [string, string]>): OrderedParams {
  const p = new OrderedParams();
  for (const [k, v] of params) if (k.toLowerCase() !== 'url') p.set(k, v);
  return p;
}

/**
 * An ArcGIS REST export as MapProxy's ArcGISClient asks for it: the `req` parameters in configuration order,
 * then format (the part after the last '/' of the mime type), bbox, size, bboxSR and imageSR (both the query's
 * SRS) and f=image. The query's transparency is not sent (MapProxy sets it on the parameter object, not in it):
 * only a configured `req.transparent` reaches the server, as 'True' or 'False'.
 */
export class ArcGisExportRequest {
  readonly url: string;
  private readonly template: OrderedParams;

  /** `params`: the source's `req` without `url`, in order, as strings. */
  constructor(url: string, params: Iterable<readonly [string, string]>) {
    this.url = restExportEndpoint(url);
    this.template = templateOf(params);
  }

  param(name: string): string | undefined {
    return this.template.get(name);
  }

  getMap(q: GetMapParams): UpstreamRequest {
    const p = this.template.copy();
    p.set('format', q.format.slice(q.format.lastIndexOf('/') + 1));
    p.set('bbox', q.bbox.map(pyFloat).join(','));
    p.set('size', `${q.size[0]},${q.size[1]}`);
    p.set('bboxSR', wkid(q.srs));
    p.set('imageSR', wkid(q.srs));
    p.set('f', 'image');
    const queryString = p.toQueryString();
    return { url: completeUrl(this.url, queryString), baseUrl: this.url.replace(/\?+$/, ''), queryString };
  }
}

export interface IdentifyParams {
  bbox: BBox;
  size: Size;
  srs: SRS;
  pos: readonly [number, number];
  /** The client's INFO_FORMAT: text/html asks for f=html, anything else for f=json. */
  infoFormat?: string;
}

/**
 * An ArcGIS REST identify as MapProxy's ArcGISInfoClient asks for it: the `req` parameters, then the map the
 * client saw as mapExtent and imageDisplay (at 96 dpi), the clicked point as geometry (map coordinates with six
 * decimals), sr, f, tolerance (pixels) and returnGeometry, and geometryType=esriGeometryPoint last.
 */
export class ArcGisIdentifyRequest {
  readonly url: string;
  private readonly template: OrderedParams;

  constructor(
    url: string,
    params: Iterable<readonly [string, string]>,
    private readonly opts: { tolerance: number; returnGeometry: boolean },
  ) {
    this.url = restIdentifyEndpoint(url);
    this.template = templateOf(params);
  }

  build(q: IdentifyParams): UpstreamRequest {
    const p = this.template.copy();
    p.set('mapExtent', q.bbox.map(pyFloat).join(','));
    p.set('imageDisplay', `${q.size[0]},${q.size[1]},96`);
    const [x, y] = pixelToMap(q.bbox, q.size, q.pos);
    p.set('geometry', `${x.toFixed(6)},${y.toFixed(6)}`);
    p.set('sr', wkid(q.srs));
    p.set('f', (q.infoFormat ?? '').startsWith('text/html') ? 'html' : 'json');
    p.set('tolerance', pyStr(this.opts.tolerance));
    p.set('returnGeometry', String(this.opts.returnGeometry));
    p.set('geometryType', 'esriGeometryPoint');
    const queryString = p.toQueryString();
    return { url: completeUrl(this.url, queryString), baseUrl: this.url.replace(/\?+$/, ''), queryString };
  }
}
