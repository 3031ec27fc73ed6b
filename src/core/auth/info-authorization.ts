import type { CoreRequest } from '../http.js';
import type { InfoQuery, InfoSource } from '../source/info-query.js';
import { infoPointPermitted } from './info-point.js';
import { authorizeWmsLayers, filterPermittedLayers } from './wms-layers.js';

/**
 * The WMS GetFeatureInfo half of MapProxy's authorization: asks `wms.featureinfo` about the named layers that
 * would answer; a forbidden layer named in LAYERS refuses the request, others are left out. A click outside
 * the global `limited_to` asks nobody; a layer's own `limited_to` silences just that layer there.
 */
export async function permittedInfoSources(
  request: CoreRequest | undefined,
  requested: readonly string[],
  actual: ReadonlyMap<string, readonly InfoSource[]>,
  query: InfoQuery,
): Promise<InfoSource[]> {
  if (!request?.hooks?.authorize) return [...actual.values()].flat();
  const permission = await authorizeWmsLayers(request, 'featureinfo', [...actual.keys()], [query.srs.code, query.bbox]);
  const kept = filterPermittedLayers(actual, requested, permission);
  if (!infoPointPermitted(permission.coverage, query)) return [];
  const sources: InfoSource[] = [];
  for (const { items, limitedTo } of kept.values()) {
    sources.push(...(infoPointPermitted(limitedTo, query) ? items : []));
  }
  return sources;
}
