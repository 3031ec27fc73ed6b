import type { MapLayer } from '../layer/map-layer.js';
import type { WmsLayer } from '../layer/wms-layer.js';

/**
 * MapProxy's map_layers_for_query: what a WMS layer draws, named by the layer that owns it — the layer itself
 * when it has sources of its own, else each of its sub-layers in turn. These names are what the authorization
 * hook is asked about, so a group can be drawn with some of its layers left out.
 */
export function mapLayersByName(layer: WmsLayer): [string, readonly MapLayer[]][] {
  if (layer.children.length === 0 || hasOwnSources(layer)) {
    return layer.mapLayers.length > 0 ? [[layer.name ?? '', layer.mapLayers]] : [];
  }
  return layer.children.flatMap(mapLayersByName);
}

/** A group draws its own sources when its map layers are not just its sub-layers' drawn together. */
export function hasOwnSources(layer: WmsLayer): boolean {
  const leaves = layer.children.flatMap((c) => c.mapLayers);
  return leaves.length !== layer.mapLayers.length || leaves.some((l, i) => l !== layer.mapLayers[i]);
}
