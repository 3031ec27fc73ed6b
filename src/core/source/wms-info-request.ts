import type { BBox, Size } from '../geo/bbox.js';
import type { SRS } from '../geo/srs.js';
import { pyFloat } from '../util/py-format.js';
import type { OrderedParams } from './params.js';
import { completeUrl, type UpstreamRequest, type WmsMapRequest } from './wms-request.js';

export interface GetFeatureInfoParams {
  bbox: BBox;
  size: Size;
  srs: SRS;
  pos: readonly [number, number];
  /** Write the position as floats ('10.5'), as the client sent it; else as integers. */
  floatPos?: boolean;
  featureCount?: string;
  infoFormat?: string;
  /** The image format of the map clicked; image/png when neither the source nor the client names one. */
  format?: string;
}

/** Python's str() of a number MapProxy holds as int or float. */
function pyNumber(n: number, asFloat: boolean): string {
  return asFloat ? pyFloat(n) : String(n);
}

/**
 * The upstream GetFeatureInfo of a WMS-like source, built as MapProxy's WMSInfoClient builds it: the
 * source's `req` parameters (with `wms_opts.featureinfo_format` as INFO_FORMAT and `wms_opts.query_layers`
 * as QUERY_LAYERS when configured), then bbox, size, position, feature count, query layers (else the
 * layers), info format and format, SRS, and the fixed request, version and service. 1.3.0 flips the bbox
 * of north/east SRS and sends CRS, I and J.
 */
export class WmsInfoRequest {
  constructor(
    private readonly template: WmsMapRequest,
    private readonly opts: { infoFormat?: string; queryLayers?: string } = {},
  ) {}

  /** `wms_opts.featureinfo_format`: the info format always asked, whatever the client asked. */
  get fixedInfoFormat(): string | undefined {
    return this.opts.infoFormat;
  }

  build(q: GetFeatureInfoParams): UpstreamRequest {
    const version = this.template.version;
    const p: OrderedParams = this.template.templateParams();
    if (this.opts.infoFormat !== undefined) p.set('info_format', this.opts.infoFormat);
    if (this.opts.queryLayers !== undefined) p.set('query_layers', this.opts.queryLayers);
    p.set('bbox', q.bbox.map(pyFloat).join(','));
    p.set('width', String(q.size[0]));
    p.set('height', String(q.size[1]));
    p.set('x', pyNumber(q.pos[0], q.floatPos ?? false));
    p.set('y', pyNumber(q.pos[1], q.floatPos ?? false));
    if (q.featureCount) p.set('feature_count', q.featureCount);
    if (!p.has('query_layers')) p.set('query_layers', p.get('layers') ?? '');
    if (!p.has('info_format') && q.infoFormat) p.set('info_format', q.infoFormat);
    if (!p.get('format')) p.set('format', q.format || 'image/png');
    p.set('srs', q.srs.code);

    if (version === '1.0.0') {
      p.set('request', 'feature_info').set('wmtver', '1.0.0');
    } else {
      p.set('request', 'GetFeatureInfo').set('version', version).set('service', 'WMS');
    }
    if (!p.has('styles')) p.set('styles', '');
    if (version === '1.0.0') {
      p.delete('version');
    } else if (version === '1.3.0') {
      if (q.srs.isAxisOrderNE) p.set('bbox', [q.bbox[1], q.bbox[0], q.bbox[3], q.bbox[2]].map(pyFloat).join(','));
      const srs = p.get('srs')!;
      p.delete('srs').set('crs', srs);
      const [x, y] = [p.get('x')!, p.get('y')!];
      p.delete('x').delete('y').set('i', x).set('j', y);
    }
    const queryString = p.toQueryString();
    return { url: completeUrl(this.template.url, queryString), baseUrl: this.template.url.replace(/\?+$/, ''), queryString };
  }
}
