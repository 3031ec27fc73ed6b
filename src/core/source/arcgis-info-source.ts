import { HTTPClientError } from '../client/http-client.js';
import { selectSrs, type PreferredSrcProj } from '../geo/srs-selection.js';
import type { SRS } from '../geo/srs.js';
import type { ArcGisIdentifyRequest } from './arcgis-request.js';
import { ArcGisTransport } from './arcgis-error.js';
import { featureInfoDoc, type FeatureInfoDoc } from './featureinfo-doc.js';
import type { InfoQuery, InfoSource } from './info-query.js';
import { SourceError } from './source.js';
import { transformedInfoQuery } from './wms-info-source.js';
import type { WmsTransport } from './wms-transport.js';

export interface ArcGisInfoSourceOptions {
  request: ArcGisIdentifyRequest;
  transport: WmsTransport;
  /** `supported_srs`, else an `sr` fixed in `req`; a click in another SRS is transformed into the best of them. */
  supportedSrs?: readonly SRS[];
  preferredSrcProj?: PreferredSrcProj;
}

/**
 * Feature info of an ArcGIS REST map service through `identify` (MapProxy's ArcGISInfoSource). The answer is
 * typed by the client's INFO_FORMAT, never by the server's content type (ArcGIS servers often call their JSON
 * text/plain), so it merges with other sources' answers as MapProxy merges it: JSON with JSON, HTML with HTML,
 * and as text otherwise. As in MapProxy, the source's coverage does not restrict clicks and no XSLT applies.
 */
export class ArcGisInfoSource implements InfoSource {
  private readonly transport: ArcGisTransport;

  constructor(readonly options: ArcGisInfoSourceOptions) {
    this.transport = new ArcGisTransport(options.transport);
  }

  /** The click as the server should see it: transformed when the source does not serve the query's SRS. */
  sourceQuery(query: InfoQuery): InfoQuery {
    const supported = this.options.supportedSrs;
    if (!supported?.length || supported.some((s) => s.equals(query.srs))) return query;
    return transformedInfoQuery(query, selectSrs(query.srs, supported, this.options.preferredSrcProj));
  }

  async getInfo(query: InfoQuery): Promise<FeatureInfoDoc> {
    const q = this.sourceQuery(query);
    const request = this.options.request.build({ bbox: q.bbox, size: q.size, srs: q.srs, pos: q.pos, infoFormat: q.infoFormat });
    try {
      const res = await this.transport.retrieve(request, 'GET');
      return featureInfoDoc(res.body, query.infoFormat ?? '');
    } catch (err) {
      if (err instanceof HTTPClientError) throw new SourceError(err.message, { cause: err });
      throw err;
    }
  }
}
