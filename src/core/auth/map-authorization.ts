import type { Coverage } from '../geo/coverage.js';
import type { CoreRequest } from '../http.js';
import type { MapLayer } from '../layer/map-layer.js';
import type { MapQuery } from '../source/source.js';
import { authorizeWmsLayers, filterPermittedLayers } from './wms-layers.js';

/** A map layer to draw and the `limited_to` it is clipped to (null: unlimited). */
export interface PermittedMapLayer {
  readonly layer: MapLayer;
  readonly limitedTo: Coverage | null;
}

/** What a GetMap may draw: its layers, and the global `limited_to` the merged map is clipped to. */
export interface PermittedMap {
  readonly layers: readonly PermittedMapLayer[];
  /** The names (MapProxy's actual_layers keys) that remain: what decorate_img is told about. */
  readonly names: ReadonlySet<string>;
  readonly coverage: Coverage | null;
}

/** Who draws a map through the WMS renderer: WMS GetMap, and OGC API maps and the tiles it draws. */
export type MapAuthService = 'wms.map' | 'ogcapi.map' | 'ogcapi.tile';

/**
 * The GetMap half of MapProxy's WMSServer.map authorization: asks `wms.map` (or OGC API's service) about the
 * named layers that would draw (with the query's extent), refuses a request naming a forbidden layer and leaves
 * out the forbidden parts of groups. Without a hook everything is drawn unlimited. OGC API tiles need `tile`.
 */
export async function permittedMapLayers(
  request: CoreRequest | undefined,
  requested: readonly string[],
  actual: ReadonlyMap<string, readonly MapLayer[]>,
  query: MapQuery,
  service: MapAuthService = 'wms.map',
): Promise<PermittedMap> {
  const all = (): PermittedMap => ({
    layers: [...actual.values()].flat().map((layer) => ({ layer, limitedTo: null })),
    names: new Set(actual.keys()),
    coverage: null,
  });
  if (!request?.hooks?.authorize) return all();
  const feature = service === 'ogcapi.tile' ? 'tile' : 'map';
  const permission = await authorizeWmsLayers(request, feature, [...actual.keys()], [query.srs.code, query.bbox], service);
  if (permission.layers === 'all') return all();
  const layers: PermittedMapLayer[] = [];
  const kept = filterPermittedLayers(actual, requested, permission);
  for (const { items, limitedTo } of kept.values()) {
    for (const layer of items) layers.push({ layer, limitedTo });
  }
  return { layers, names: new Set(kept.keys()), coverage: permission.coverage };
}
