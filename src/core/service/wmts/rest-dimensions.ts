import { RequestError } from '../request-error.js';
import type { WmtsLayerSet } from './layers.js';

/**
 * MapProxy's WMTSRestServer.check_request_dimensions: a dimension in the RESTful template that the layer does
 * not declare must be 'default' (a layer without TIME published under a `{Time}` template), else the request
 * is InvalidParameterValue. Values of declared dimensions are checked when the tile is loaded. An unknown layer
 * is left to the layer lookup, which names it.
 */
export function checkRestDimensions(layers: WmtsLayerSet, layer: string, dimensions: Readonly<Record<string, string | undefined>>): void {
  const published = layers.layers.get(layer);
  if (!published) return;
  const declared = published.first.dimensions;
  for (const [dim, value] of Object.entries(dimensions)) {
    const key = dim.toLowerCase();
    if (!declared?.has(key) && value !== 'default') throw new RequestError(`unknown dimension: ${key}`, { code: 'InvalidParameterValue' });
  }
}
