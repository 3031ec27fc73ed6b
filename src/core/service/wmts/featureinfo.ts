import { authorizeTileLayer } from '../../auth/tile-layers.js';
import { infoPointPermitted } from '../../auth/info-point.js';
import type { TileCoord } from '../../geo/grid.js';
import type { CoreRequest, CoreResponse, RequestParams } from '../../http.js';
import { combineDocs } from '../../source/featureinfo-combine.js';
import type { FeatureInfoDoc } from '../../source/featureinfo-doc.js';
import type { InfoQuery } from '../../source/info-query.js';
import { XsltError } from '../../source/xslt-transform.js';
import { pyStrList } from '../../util/py-format.js';
import { isSourceError, RequestError } from '../request-error.js';
import { serviceResponse } from '../response.js';
import type { WmtsLayerSet } from './layers.js';

/** A WMTS GetFeatureInfo, from KVP or from the REST FeatureInfo template. */
export interface WmtsFeatureInfoRequest {
  layer: string;
  matrixSet: string;
  /** x, y (north-west origin), z. */
  coord: TileCoord;
  /** INFOFORMAT as given: a mime type, or (REST, and KVP too) a suffix of `featureinfo_formats`. */
  infoFormat: string;
  /** I, J: the pixel in the tile. */
  pos: [number, number];
  featureCount?: string;
}

const KVP_PARAMS = ['version', 'request', 'layer', 'style', 'tilematrixset', 'tilematrix', 'tilerow', 'tilecol', 'format', 'infoformat', 'i', 'j'];

function intParam(value: string, name: string): number {
  if (!/^\s*[-+]?\d+\s*$/.test(value)) throw new RequestError(`invalid ${name}: ${value}`, { code: 'InvalidParameterValue' });
  return Number.parseInt(value, 10);
}

/** KVP GetFeatureInfo: the GetTile parameters plus INFOFORMAT, I and J, all required (MapProxy's WMTS100FeatureInfoRequest). */
export function parseKvpFeatureInfoRequest(params: RequestParams): WmtsFeatureInfoRequest {
  const missing = KVP_PARAMS.filter((p) => !params.has(p));
  if (missing.length > 0) throw new RequestError(`missing parameters ${pyStrList(missing)}`, { code: 'MissingParameterValue' });
  const styles = params.get('styles');
  if (styles !== undefined && styles.replace(/,/g, '').trim() !== '') {
    throw new RequestError(`unsupported styles: ${styles}`, { code: 'StyleNotDefined' });
  }
  const featureCount = params.get('feature_count');
  return {
    layer: params.get('layer')!,
    matrixSet: params.get('tilematrixset')!,
    coord: [intParam(params.get('tilecol')!, 'tilecol'), intParam(params.get('tilerow')!, 'tilerow'), intParam(params.get('tilematrix')!, 'tilematrix')],
    infoFormat: params.get('infoformat')!,
    pos: [intParam(params.get('i')!, 'i'), intParam(params.get('j')!, 'j')],
    ...(featureCount !== undefined ? { featureCount } : {}),
  };
}

/**
 * Answers a WMTS GetFeatureInfo as MapProxy 7: layer and matrix set must exist, the info format must be
 * one of `featureinfo_formats` (by mime type, or by suffix which names its mime type), the layer must have
 * info sources; the click is the pixel I/J of the tile's bbox. Answers are merged as for WMS and sent
 * with the requested mime type; no answer is an empty body.
 */
export async function answerWmtsFeatureInfo(
  t: WmtsFeatureInfoRequest,
  layers: WmtsLayerSet,
  infoFormats: readonly { mimetype: string; suffix: string }[],
  req: CoreRequest,
): Promise<CoreResponse> {
  const wl = layers.layers.get(t.layer);
  if (!wl) throw new RequestError(`unknown layer: ${t.layer}`, { code: 'InvalidParameterValue' });
  const set = wl.byMatrixSet.get(t.matrixSet);
  if (!set) throw new RequestError(`unknown tilematrixset: ${t.matrixSet}`, { code: 'InvalidParameterValue' });
  const mimetype = t.infoFormat.includes('/')
    ? infoFormats.find((f) => f.mimetype === t.infoFormat)?.mimetype
    : infoFormats.find((f) => f.suffix === t.infoFormat)?.mimetype;
  if (!mimetype) throw new RequestError(`unknown infoformat: ${t.infoFormat}`, { code: 'InvalidParameterValue' });

  const sources = set.layer.infoSources ?? [];
  if (sources.length === 0) throw new RequestError(`layer ${t.layer} not queryable`, { code: 'OperationNotSupported' });

  const grid = set.grid.grid;
  // the request addresses tiles from the north-west corner; the grid may count from the south-west
  const internal = grid.origin === 'nw' ? t.coord : grid.flipTileCoord(t.coord);
  if (!grid.limitTile(internal)) {
    throw new RequestError('The requested tile is outside the bounding box of the tile map.', { code: 'TileOutOfRange' });
  }
  const query: InfoQuery = {
    bbox: grid.tileBBox(internal),
    size: grid.tileSize,
    srs: grid.srs,
    pos: t.pos,
    infoFormat: mimetype,
    ...(t.featureCount !== undefined ? { featureCount: t.featureCount } : {}),
  };
  // the hook's limited_to: a click outside it is answered with nothing (MapProxy)
  const limitedTo = await authorizeTileLayer(req, 'wmts.featureinfo', set.layer.name, [grid.srs.code, query.bbox]);
  let docs: FeatureInfoDoc[] = [];
  try {
    if (infoPointPermitted(limitedTo, query)) docs = (await Promise.all(sources.map((s) => s.getInfo(query)))).filter((d): d is FeatureInfoDoc => d !== null);
  } catch (err) {
    if (isSourceError(err) || err instanceof XsltError) throw new RequestError(err.message, { internal: true });
    throw err;
  }
  if (docs.length === 0) return serviceResponse('', { mimetype });
  return serviceResponse(combineDocs(docs).content, { mimetype });
}

/** The REST FeatureInfo template's variables, for a path that matched it. */
export function restFeatureInfoRequest(groups: Record<string, string | undefined>): WmtsFeatureInfoRequest {
  return {
    layer: groups['Layer']!,
    matrixSet: groups['TileMatrixSet']!,
    coord: [Number(groups['TileCol']), Number(groups['TileRow']), Number(groups['TileMatrix'])],
    infoFormat: groups['InfoFormat'] ?? '',
    pos: [Number(groups['I']), Number(groups['J'])],
  };
}
