import { getSRS } from '../../geo/srs.js';
import type { CoreRequest, CoreResponse, RequestParams } from '../../http.js';
import { permittedInfoSources } from '../../auth/info-authorization.js';
import type { WmsLayer } from '../../layer/wms-layer.js';
import { combineDocs } from '../../source/featureinfo-combine.js';
import type { FeatureInfoDoc, InfoType } from '../../source/featureinfo-doc.js';
import type { InfoQuery, InfoSource } from '../../source/info-query.js';
import type { XsltTransformer } from '../../source/xslt-transform.js';
import { RequestError } from '../request-error.js';
import { serviceResponse } from '../response.js';
import { infoFormatMimeType } from './capabilities.js';
import { infoTypeOfMimeType } from './info-formats.js';
import { parseInfoPosition } from './info-position.js';
import type { WmsFeatureInfoRequest } from './request.js';

export interface FeatureInfoContext {
  readonly layers: ReadonlyMap<string, WmsLayer>;
  /** `services.wms.featureinfo_xslt`: info type → stylesheet applied to the merged answer. */
  readonly transformers: ReadonlyMap<InfoType, XsltTransformer>;
  /** The request, for the authorization hook it carries. */
  readonly request?: CoreRequest;
}

/** XML and HTML answers are trees an XSLT can transform. */
export function isTree(doc: FeatureInfoDoc): boolean {
  return doc.type === 'xml' || doc.type === 'html';
}

/** The sources to ask by named layer, in QUERY_LAYERS order, each named layer once (MapProxy's actual_layers). */
export function infoSourcesFor(queryLayers: readonly string[], layers: ReadonlyMap<string, WmsLayer>): Map<string, readonly InfoSource[]> {
  const byName = new Map<string, readonly InfoSource[]>();
  for (const name of queryLayers) {
    const layer = layers.get(name)!;
    if (!layer.queryable) throw new RequestError(`layer ${name} is not queryable`);
    for (const info of layer.infoLayers ?? []) byName.set(info.name, info.sources);
  }
  return byName;
}

/**
 * Answers a validated GetFeatureInfo as MapProxy 7 does: every info source of the queried layers is
 * asked for the click; their answers are merged (combineDocs) and sent with the mime type of the merged
 * type in the request's version (GML for XML before 1.3.0). No answer at all is an empty body with the
 * client's INFO_FORMAT. A service-wide `featureinfo_xslt` for the answer's type transforms the merge.
 */
export async function answerFeatureInfo(req: WmsFeatureInfoRequest, params: RequestParams, ctx: FeatureInfoContext): Promise<CoreResponse> {
  const { pos, floatPos } = parseInfoPosition(params, req.version);
  const featureCount = params.get('feature_count');
  const query: InfoQuery = {
    bbox: req.bbox,
    size: req.size,
    srs: getSRS(req.srs),
    pos,
    ...(floatPos ? { floatPos } : {}),
    ...(req.infoFormat !== undefined ? { infoFormat: req.infoFormat } : {}),
    ...(req.format ? { format: req.format } : {}),
    ...(featureCount !== undefined ? { featureCount } : {}),
  };
  const sources = await permittedInfoSources(ctx.request, req.layers, infoSourcesFor(req.queryLayers, ctx.layers), query);
  const answers = await Promise.all(sources.map((s) => s.getInfo(query)));
  const docs = answers.filter((d): d is FeatureInfoDoc => d !== null);

  let mimetype = req.infoFormat || undefined;
  if (docs.length === 0) return serviceResponse('', mimetype ? { mimetype } : {});

  let merged = combineDocs(docs);
  if (ctx.transformers.size > 0) {
    let wanted: InfoType | undefined;
    if (!mimetype) {
      wanted = ctx.transformers.has('xml') ? 'xml' : ctx.transformers.has('html') ? 'html' : 'text';
      mimetype = infoFormatMimeType(req.version, wanted);
    } else wanted = infoTypeOfMimeType(req.version, mimetype);
    // answers of mixed types merge as text and are not transformed (MapProxy's combine_docs); nor are text
    // and JSON, which have no tree to transform (MapProxy fails on them)
    const transformer = wanted ? ctx.transformers.get(wanted) : undefined;
    if (transformer && isTree(merged)) {
      merged = await transformer.transform(merged);
      return serviceResponse(merged.content, { mimetype });
    }
    if (merged.type !== wanted) mimetype = infoFormatMimeType(req.version, merged.type);
    return serviceResponse(merged.content, { mimetype });
  }
  return serviceResponse(merged.content, { mimetype: infoFormatMimeType(req.version, merged.type) });
}
