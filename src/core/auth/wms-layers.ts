import type { Coverage } from '../geo/coverage.js';
import type { CoreRequest } from '../http.js';
import { AccessDenied } from './access-denied.js';
import type { AuthService, QueryExtent } from './authorize.js';
import type { DenialReason } from './denial-reason.js';
import { askAuthorize, limitedCoverage, refusalOf } from './hook-answer.js';

/** Layer names a WMS request may use, each with its own `limited_to`; 'all' when the hook permits everything. */
export interface WmsPermission {
  readonly layers: 'all' | ReadonlyMap<string, Coverage | null>;
  /** The answer's global `limited_to`: the whole map is clipped to it (GetMap) or asked only inside (FI). */
  readonly coverage: Coverage | null;
  /** Why a named layer missing from `layers` is refused: the hook's reason for `none`/`forbidden`, else `layer`. */
  readonly refusal?: DenialReason;
}

const ALL: WmsPermission = { layers: 'all', coverage: null };

/**
 * MapProxy's WMSServer.authorized_layers: asks `wms.map` or `wms.featureinfo` (or OGC API's `service`) about the
 * named layers that would answer, and keeps those whose permission for `feature` is true. `none`/`forbidden` permit no layer
 * (the request is refused once a requested layer is found missing).
 */
export async function authorizeWmsLayers(
  req: CoreRequest,
  feature: 'map' | 'featureinfo' | 'tile',
  layers: readonly string[],
  queryExtent: QueryExtent,
  service: AuthService = feature === 'featureinfo' ? 'wms.featureinfo' : 'wms.map',
): Promise<WmsPermission> {
  const result = await askAuthorize(req, service, layers, queryExtent);
  if (!result || result.authorized === 'full') return ALL;
  const permitted = new Map<string, Coverage | null>();
  if (result.authorized === 'partial') {
    for (const [name, perms] of Object.entries(result.layers ?? {})) {
      if (perms?.[feature] === true) permitted.set(name, limitedCoverage(perms.limited_to));
    }
  }
  if (result.authorized !== 'partial') return { layers: permitted, coverage: null, refusal: refusalOf(result).reason };
  return { layers: permitted, coverage: limitedCoverage(result.limited_to) };
}

/** The layers a request draws or asks, each with the coverage it is limited to (null: unlimited). */
export type PermittedLayers<T> = Map<string, { items: readonly T[]; limitedTo: Coverage | null }>;

/**
 * MapProxy's filter_actual_layers: a layer the client named that is not permitted refuses the whole request
 * (403); one it only reached through a group is silently left out; a permitted one keeps its `limited_to`.
 */
export function filterPermittedLayers<T>(
  actual: ReadonlyMap<string, readonly T[]>,
  requested: readonly string[],
  permission: WmsPermission,
): PermittedLayers<T> {
  const out: PermittedLayers<T> = new Map();
  const named = new Set(requested);
  for (const [name, items] of actual) {
    if (permission.layers === 'all') {
      out.set(name, { items, limitedTo: null });
    } else if (!permission.layers.has(name)) {
      if (named.has(name)) throw AccessDenied.forbidden(permission.refusal ?? 'layer');
    } else {
      out.set(name, { items, limitedTo: permission.layers.get(name) ?? null });
    }
  }
  return out;
}
