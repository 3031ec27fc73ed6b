import { HTTPClientError } from '../client/http-client.js';
import type { Size } from '../geo/bbox.js';
import type { Coverage } from '../geo/coverage.js';
import { selectSrs, type PreferredSrcProj } from '../geo/srs-selection.js';
import type { SRS } from '../geo/srs.js';
import { featureInfoDoc, type FeatureInfoDoc } from './featureinfo-doc.js';
import { infoCoord, mapToPixel, pixelToMap, type InfoQuery, type InfoSource } from './info-query.js';
import { SourceError } from './source.js';
import type { WmsInfoRequest } from './wms-info-request.js';
import type { WmsTransport } from './wms-transport.js';
import type { XsltTransformer } from './xslt-transform.js';

export interface WmsInfoSourceOptions {
  request: WmsInfoRequest;
  transport: WmsTransport;
  /** `supported_srs`, else the SRS fixed in `req`; a click in another SRS is transformed into the best of them. */
  supportedSrs?: readonly SRS[];
  preferredSrcProj?: PreferredSrcProj;
  /** Clicks outside the source's coverage are not forwarded. */
  coverage?: Coverage;
  /** `wms_opts.featureinfo_xslt`. */
  transformer?: XsltTransformer;
}

/** Python's round(): halves go to the even neighbour. */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The click of a query in an SRS the source does not serve, as the source should see it (MapProxy's
 * WMSInfoClient._get_transformed_query): the map's bbox transformed into the source SRS, the width kept
 * and the height chosen for square pixels, and the clicked point transformed and placed in that image,
 * rounded to a whole pixel. The client's image format is not passed on.
 */
export function transformedInfoQuery(query: InfoQuery, target: SRS): InfoQuery {
  const coord = pixelToMap(query.bbox, query.size, query.pos);
  const bbox = query.srs.transformBBoxTo(target, query.bbox);
  const ratio = (bbox[3] - bbox[1]) / (bbox[2] - bbox[0]);
  const size: Size = [query.size[0], Math.trunc(ratio * query.size[0])];
  const [point] = query.srs.transformTo(target, [coord]);
  const pos = mapToPixel(bbox, size, point as [number, number]);
  return {
    bbox,
    size,
    srs: target,
    pos: [pyRound(pos[0]), pyRound(pos[1])],
    ...(query.infoFormat !== undefined ? { infoFormat: query.infoFormat } : {}),
    ...(query.featureCount !== undefined ? { featureCount: query.featureCount } : {}),
  };
}

/** Feature info of an upstream WMS or a MapServer (MapProxy's WMSInfoSource with its WMSInfoClient). */
export class WmsInfoSource implements InfoSource {
  constructor(readonly options: WmsInfoSourceOptions) {}

  async getInfo(query: InfoQuery): Promise<FeatureInfoDoc | null> {
    const { coverage, transformer } = this.options;
    if (coverage && !coverage.contains(pointBBox(infoCoord(query)), query.srs)) return null;
    const doc = await this.fetch(this.sourceQuery(query));
    // text and JSON have no tree to transform (MapProxy fails on them): they are passed on as they are
    return transformer && (doc.type === 'xml' || doc.type === 'html') ? transformer.transform(doc) : doc;
  }

  /** The query as sent upstream: transformed when the source does not serve the query's SRS. */
  sourceQuery(query: InfoQuery): InfoQuery {
    const supported = this.options.supportedSrs;
    if (!supported?.length || supported.some((s) => s.equals(query.srs))) return query;
    return transformedInfoQuery(query, selectSrs(query.srs, supported, this.options.preferredSrcProj));
  }

  private async fetch(query: InfoQuery): Promise<FeatureInfoDoc> {
    const request = this.options.request.build({
      bbox: query.bbox,
      size: query.size,
      srs: query.srs,
      pos: query.pos,
      floatPos: query.floatPos,
      featureCount: query.featureCount,
      infoFormat: query.infoFormat,
      format: query.format,
    });
    let res;
    try {
      res = await this.options.transport.retrieve(request, 'GET');
    } catch (err) {
      if (err instanceof HTTPClientError) throw new SourceError(err.message, { cause: err });
      throw err;
    }
    // the configured featureinfo_format names the type, else the answer's content type, else the query's
    const type = this.options.request.fixedInfoFormat || res.headers['content-type'] || query.infoFormat || '';
    return featureInfoDoc(res.body, type);
  }
}

/** A point as a degenerate bbox, for coverage tests. */
function pointBBox([x, y]: [number, number]): [number, number, number, number] {
  return [x, y, x, y];
}
