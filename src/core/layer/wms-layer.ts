import type { MapExtent } from '../geo/extent.js';
import type { ResolutionRange } from '../geo/resolution-range.js';
import type { InfoSource } from '../source/info-query.js';
import type { LayerLegends } from './layer-legends.js';
import type { LayerDimensions } from './layer-dimensions.js';
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
  /** True when a GetFeatureInfo of this layer reaches a source (its own, or for a group one of its layers'). */
  readonly queryable: boolean;
  /**
   * What a GetFeatureInfo of this layer asks, per named layer (a group without sources of its own asks
   * its layers'): MapProxy's info_layers_for_query. Absent: nothing.
   */
  readonly infoLayers?: readonly InfoLayer[];
  /** The dimensions a layer without sublayers declares, for capabilities (GetMap checks them per source). */
  readonly dimensions?: LayerDimensions;
  /** What GetLegendGraphic of this layer combines; absent: the layer has no legend. */
  readonly legends?: LayerLegends;
}

/** The info sources of one named layer. */
export interface InfoLayer {
  readonly name: string;
  readonly sources: readonly InfoSource[];
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
