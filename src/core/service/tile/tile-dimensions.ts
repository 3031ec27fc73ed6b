import type { Dimensions } from '../../cache/cache.js';
import { DimensionValueError } from '../../layer/layer-dimensions.js';
import type { TileLayer } from '../../layer/tile-layer.js';
import { RequestError } from '../request-error.js';

/**
 * The dimension values a tile of `layer` is loaded with (MapProxy's TileLayer.checked_dimensions): every
 * dimension the layer declares, from the request or its default; what else the request carries is ignored.
 * A value the layer does not declare is InvalidParameterValue (the WMTS code MapProxy uses), before any cache
 * or source is asked. Tile services without dimensions in their URLs (TMS, /tiles, KML) get the defaults.
 */
export function tileDimensions(layer: TileLayer, requested: Dimensions | undefined): Dimensions | undefined {
  if (!layer.dimensions?.size) return undefined;
  const lower = new Map(Object.entries(requested ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  try {
    return layer.dimensions.resolve((key) => lower.get(key));
  } catch (err) {
    if (err instanceof DimensionValueError) throw new RequestError(err.message, { code: 'InvalidParameterValue' });
    throw err;
  }
}
