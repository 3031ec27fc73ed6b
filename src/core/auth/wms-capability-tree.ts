import type { Coverage } from '../geo/coverage.js';
import type { MapExtent } from '../geo/extent.js';
import type { CoreRequest } from '../http.js';
import type { WmsLayer } from '../layer/wms-layer.js';
import type { LayerPermissions } from './authorize.js';
import { askAuthorize, limitedCoverage, refusalOf } from './hook-answer.js';
import { hasOwnSources } from './map-layers-by-name.js';

/**
 * MapProxy's authorized_capability_layers: asks `wms.capabilities` about every named layer and returns the
 * tree the capabilities document shows — the whole tree, the permitted part, or a refusal. OGC API asks the same
 * as `ogcapi.capabilities` for its collections (they are the WMS layers).
 */
export async function authorizedCapabilityTree(
  req: CoreRequest,
  root: WmsLayer,
  names: Iterable<string>,
  service: 'wms.capabilities' | 'ogcapi.capabilities' = 'wms.capabilities',
): Promise<WmsLayer> {
  const result = await askAuthorize(req, service, [...names], null);
  if (!result || result.authorized === 'full') return root;
  if (result.authorized === 'partial') return filteredLayerTree(root, result.layers ?? {}, limitedCoverage(result.limited_to));
  throw refusalOf(result);
}

/**
 * MapProxy's FilteredRootLayer: a named layer shows when its `map` permission is true and its extent meets its
 * own and the global `limited_to`; a layer hidden hides its sub-layers (layer1a vanishes with layer1). Unnamed
 * layers pass through. A group without sources of its own shows only while it keeps a layer. Extents shrink to
 * the `limited_to` areas; `queryable` needs the `featureinfo` permission.
 */
export function filteredLayerTree(root: WmsLayer, permissions: Readonly<Record<string, LayerPermissions>>, coverage: Coverage | null): WmsLayer {
  const perms = (layer: WmsLayer): LayerPermissions => (layer.name !== undefined ? permissions[layer.name] : undefined) ?? {};

  const permitted = (layer: WmsLayer): boolean => {
    if (perms(layer).map !== true) return false;
    const own = limitedCoverage(perms(layer).limited_to);
    if (own && !own.intersects(layer.extent.bbox, layer.extent.srs)) return false;
    return !coverage || coverage.intersects(layer.extent.bbox, layer.extent.srs);
  };

  const limitedExtent = (layer: WmsLayer): MapExtent => {
    let extent = layer.extent;
    for (const c of [limitedCoverage(perms(layer).limited_to), coverage]) {
      if (!c) continue;
      const part = c.intersection(extent.bbox, extent.srs);
      if (part) extent = part.extent;
    }
    return extent;
  };

  const filter = (layer: WmsLayer): WmsLayer => {
    const children: WmsLayer[] = [];
    for (const child of layer.children) {
      if (child.name && !permitted(child)) continue;
      const filtered = filter(child);
      if (drawsItself(child) || filtered.children.length > 0) children.push(filtered);
    }
    const queryable = layer.queryable && (!layer.name || perms(layer).featureinfo === true);
    return { ...layer, children, extent: limitedExtent(layer), queryable };
  };
  return filter(root);
}

/** MapProxy's is_active: a leaf, or a group with sources of its own (not just its layers' drawn together). */
function drawsItself(layer: WmsLayer): boolean {
  return layer.children.length === 0 || hasOwnSources(layer);
}
