import type { RequestParams } from '../../http.js';
import { DimensionMapLayer } from '../../layer/dimension-map-layer.js';
import { DimensionValueError } from '../../layer/layer-dimensions.js';
import type { WmsLayer } from '../../layer/wms-layer.js';
import { RequestError } from '../request-error.js';
import type { WmsMapRequest } from './request.js';

function dimensionLayers(names: readonly string[], layers: ReadonlyMap<string, WmsLayer>): DimensionMapLayer[] {
  return names.flatMap((n) => layers.get(n)?.mapLayers ?? []).filter((l): l is DimensionMapLayer => l instanceof DimensionMapLayer);
}

/**
 * The dimension parameters of a GetMap, for the layers it draws:
 * - every value a requested layer declares a dimension for must be one of its values (or 'default'), else the
 *   request is refused with InvalidDimensionValue (WMS 1.1.1 and 1.3.0) before any source is asked; MapProxy
 *   itself takes any value here and caches it;
 * - parameters named by `forward_req_params` of a source drawn directly are added to the request's dimensions
 *   (MapProxy's update_query_with_fwd_params: any parameter, not only TIME, ELEVATION and DIM_*).
 */
export function checkedMapDimensions(req: WmsMapRequest, params: RequestParams, layers: ReadonlyMap<string, WmsLayer>): WmsMapRequest {
  const drawn = dimensionLayers(req.layers, layers);
  try {
    for (const l of drawn) l.check(req.dimensions);
  } catch (err) {
    if (err instanceof DimensionValueError) throw new RequestError(err.message, { code: 'InvalidDimensionValue' });
    throw err;
  }
  const forwarded: Record<string, string> = {};
  const present = new Set(Object.keys(req.dimensions).map((k) => k.toLowerCase()));
  for (const name of drawn.flatMap((l) => l.forwardReqParams)) {
    const value = params.get(name);
    if (value !== undefined && !present.has(name.toLowerCase())) {
      forwarded[name] = value;
      present.add(name.toLowerCase());
    }
  }
  return Object.keys(forwarded).length ? { ...req, dimensions: { ...req.dimensions, ...forwarded } } : req;
}
