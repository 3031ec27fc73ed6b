import type { MapExtent } from '../geo/extent.js';
import type { ResolutionRange } from '../geo/resolution-range.js';
import type { LayerMetadata } from './layer-metadata.js';
import type { MapLayer } from './map-layer.js';

/** A node of the published WMS layer tree. */
export interface WmsLayer {
  readonly name?: string;
  readonly title: string;
  readonly md: LayerMetadata;
  readonly children: readonly WmsLayer[];
  /** What GetMap of this layer draws, bottom to top (for a group: its own sources, else all leaves'). */
  readonly mapLayers: readonly MapLayer[];
  readonly extent: MapExtent;
  readonly resRange?: ResolutionRange;
  readonly queryable: boolean;
  readonly legendUrl?: string;
}

/** Every named layer of a tree, by name (a group's name draws all of its leaves). */
export function namedLayers(root: WmsLayer): Map<string, WmsLayer> {
  const result = new Map<string, WmsLayer>();
  const walk = (layer: WmsLayer) => {
    if (layer.name) result.set(layer.name, layer);
    layer.children.forEach(walk);
  };
  walk(root);
  return result;
}
