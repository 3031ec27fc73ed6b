import type { Coverage } from '../geo/coverage.js';
import type { CoreRequest } from '../http.js';
import { AccessDenied } from './access-denied.js';
import type { QueryExtent } from './authorize.js';
import { askAuthorize, limitedCoverage, refusalOf } from './hook-answer.js';

/** The tile services and what they ask the hook: tiles need `tile`, WMTS feature info needs `featureinfo`. */
export type TileAuthService = 'tms' | 'kml' | 'wmts' | 'wmts.featureinfo' | 'ogcapi.tile';

/**
 * MapProxy's authorize_tile_layer (TMS, KML, WMTS): one layer, with the tile's extent (null for a layer's
 * capabilities). Returns the coverage the answer is limited to — the layer's own `limited_to`, else the
 * global one — or null for no limit; refuses with 403 unless `full` or a partial answer permitting it.
 */
export async function authorizeTileLayer(
  req: CoreRequest,
  service: TileAuthService,
  layerName: string,
  queryExtent: QueryExtent | null,
): Promise<Coverage | null> {
  const result = await askAuthorize(req, service, [layerName], queryExtent);
  if (!result || result.authorized === 'full') return null;
  if (result.authorized === 'partial') {
    const perms = result.layers?.[layerName];
    const key = service === 'wmts.featureinfo' ? 'featureinfo' : 'tile';
    if (perms?.[key] === true) return limitedCoverage(perms.limited_to ?? result.limited_to);
    throw AccessDenied.forbidden('layer');
  }
  throw refusalOf(result);
}

/**
 * MapProxy's authorized_tile_layers (TMS and WMTS capabilities): the layers whose `tile` permission is true.
 * `keys` are what the hook is shown (the published names); `nameOf` gives the layer name permissions use.
 */
export async function authorizedTileLayers<T>(
  req: CoreRequest,
  service: 'tms' | 'wmts',
  layers: readonly T[],
  keyOf: (layer: T) => string,
  nameOf: (layer: T) => string,
): Promise<readonly T[]> {
  const result = await askAuthorize(req, service, layers.map(keyOf), null);
  if (!result || result.authorized === 'full') return layers;
  if (result.authorized !== 'partial') throw refusalOf(result);
  return layers.filter((l) => result.layers?.[nameOf(l)]?.tile === true);
}
