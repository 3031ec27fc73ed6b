import { splitTaggedName } from '../config/references.js';
import type { LayerConfig, ProxyConfig } from '../config/types.js';
import { MapExtent, mergeExtents } from '../geo/extent.js';
import { ResolutionRange } from '../geo/resolution-range.js';
import { CacheMapLayer } from '../layer/cache-map-layer.js';
import { DimensionMapLayer } from '../layer/dimension-map-layer.js';
import { DirectMapLayer } from '../layer/direct-map-layer.js';
import { LayerDimensions } from '../layer/layer-dimensions.js';
import type { LayerMetadata } from '../layer/layer-metadata.js';
import type { MapLayer } from '../layer/map-layer.js';
import { CacheTileLayer, type TileLayer } from '../layer/tile-layer.js';
import type { InfoLayer, WmsLayer } from '../layer/wms-layer.js';
import type { InfoSource } from '../source/info-query.js';
import type { TileManager } from '../tiles/tile-manager.js';
import type { CacheBuilder } from './caches.js';
import type { InfoSources } from './info-sources.js';
import { layerLegends } from '../layer/layer-legends.js';
import type { LegendSources } from './legend-sources.js';

/** A WMS source with `wms_opts.map: false` or an ArcGIS source with `opts.map: false`: it only answers feature info. */
function infoOnly(config: ProxyConfig, ref: string): boolean {
  const { name } = splitTaggedName(ref);
  const source = config.sources[name];
  if (config.caches[name]) return false;
  if (source?.type === 'arcgis') return !source.opts.map;
  return (source?.type === 'wms' || source?.type === 'mapserver') && !source.wmsOpts.map;
}

/** The published WMS layer tree. */
export function buildWmsTree(
  root: LayerConfig, caches: CacheBuilder, wmsTitle: string, infos?: InfoSources, config?: ProxyConfig, legends?: LegendSources,
): WmsLayer {
  const mapLayerFor = (ref: string, dimensions?: LayerDimensions): MapLayer => {
    const source = caches.resolveLayerSource(ref);
    if (source instanceof CacheMapLayer) return new DimensionMapLayer(source, dimensions, true);
    const conf = config?.sources[splitTaggedName(ref).name];
    return new DimensionMapLayer(new DirectMapLayer(source), dimensions, false, conf && 'forwardReqParams' in conf ? conf.forwardReqParams : []);
  };
  const build = (conf: LayerConfig): WmsLayer => {
    const children = conf.layers.map(build);
    const dimensions = conf.dimensions?.length ? new LayerDimensions(conf.dimensions) : undefined;
    const own = (conf.sources ?? []).filter((ref) => !config || !infoOnly(config, ref)).map((ref) => mapLayerFor(ref, dimensions));
    const ownInfo = infos ? (conf.sources ?? []).flatMap((ref) => infos.forLayerSource(ref)) : [];
    // MapProxy's WMSGroupLayer: a layer with sources of its own answers feature info with those only
    const infoLayers: InfoLayer[] =
      conf.sources !== undefined
        ? (ownInfo.length && conf.name ? [{ name: conf.name, sources: ownInfo }] : [])
        : children.flatMap((c) => c.infoLayers ?? []);
    // A group with sources of its own draws those; otherwise all of its leaves.
    const mapLayers = own.length ? own : children.flatMap((c) => c.mapLayers);
    const resRange = conf.resRange ? new ResolutionRange(conf.resRange.minRes, conf.resRange.maxRes) : undefined;
    return {
      name: conf.name,
      title: conf.title ?? wmsTitle,
      md: conf.md as LayerMetadata,
      children,
      mapLayers,
      extent: mergeExtents(mapLayers.map((l) => l.extent)),
      resRange,
      queryable: ownInfo.length > 0 || children.some((c) => c.queryable),
      infoLayers,
      // MapProxy advertises dimensions of layers without sublayers only (a group's would be inherited by all)
      ...(dimensions && children.length === 0 ? { dimensions } : {}),
      legends: layerLegends(legends?.forLayer(conf) ?? [], children.map((c) => c.legends)),
    };
  };
  return build(root);
}

/**
 * Tile layers for TMS, WMTS and the demo: a layer publishes tiles when it has `tile_sources`, or
 * exactly one source that is a cache; one tile layer per grid of that cache.
 */
export function buildTileLayers(config: ProxyConfig, caches: CacheBuilder, infos?: InfoSources): TileLayer[] {
  const result: TileLayer[] = [];
  for (const layer of config.namedLayers) {
    if (!layer.name) continue;
    let cacheNames = layer.tileSources;
    // feature-info-only sources next to the cache answer the tile layer's GetFeatureInfo (MapProxy's fi_only_sources)
    const infoOnlySources = layer.tileSources ? [] : (layer.sources ?? []).filter((s) => infoOnly(config, s));
    if (!cacheNames) {
      const sources = (layer.sources ?? []).filter((s) => !infoOnly(config, s));
      const cacheSources = sources.filter((s) => config.caches[splitTaggedName(s).name]);
      if (cacheSources.length !== 1 || sources.length !== 1) continue;
      cacheNames = cacheSources;
    }
    for (const cacheName of cacheNames) {
      const cache = caches.get(splitTaggedName(cacheName).name);
      const infoSources: InfoSource[] = infos
        ? [...infos.forCache(splitTaggedName(cacheName).name), ...infoOnlySources.flatMap((s) => infos.forLayerSource(s))]
        : [];
      for (const manager of cache.managers) {
        result.push(
          new CacheTileLayer(
            layer.name, layer.title ?? layer.name, layer.md as LayerMetadata, manager, tileLayerExtent(manager), infoSources,
            layer.dimensions?.length ? new LayerDimensions(layer.dimensions) : undefined,
          ),
        );
      }
    }
  }
  return result;
}

/** A tile layer's extent in MapProxy 7: the cache's coverage, else its sources' extents, else this grid's bbox. */
function tileLayerExtent(manager: TileManager): MapExtent {
  if (manager.options.coverage) return manager.options.coverage.extent;
  const sources = mergeExtents(manager.options.sources.map((s) => s.extent));
  return sources.isDefault ? new MapExtent(manager.grid.bbox, manager.grid.srs) : sources;
}
