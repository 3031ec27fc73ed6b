import type { LayerConfig, OgcapiServiceConfig, ProxyConfig } from '../config/types.js';
import type { ImageFormat, ImageGlobals } from '../image/format.js';
import type { TileLayer } from '../layer/tile-layer.js';
import type { WmsLayer } from '../layer/wms-layer.js';
import type { OgcapiServiceOptions } from '../service/ogcapi/options.js';
import { buildGrids } from './grids.js';
import { resolvedFormat } from './image-formats.js';

/** The nominal scale of every named layer: its own, else (a group) the largest of its layers', as MapProxy 7. */
function nominalScales(root: LayerConfig | null): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (layer: LayerConfig): number => {
    const children = layer.layers.map(walk);
    const scale = layer.nominalScale ?? Math.max(0, ...children);
    if (layer.name && scale > 0) out.set(layer.name, scale);
    return scale;
  };
  if (root) walk(root);
  return out;
}

/** `services.ogcapi` with the layers, caches and grids it publishes. */
export function ogcapiOptions(
  config: ProxyConfig,
  conf: OgcapiServiceConfig,
  rootLayer: WmsLayer,
  tileLayers: readonly TileLayer[],
  imageGlobals: ImageGlobals,
): OgcapiServiceOptions {
  // the API serves PNG and JPEG: each with the options of the image_formats entry naming it (the last, as MapProxy)
  const imageFormats = new Map<'png' | 'jpeg', ImageFormat>();
  for (const name of conf.imageFormats) {
    const format = resolvedFormat(name, imageGlobals);
    if (format.mimeType.startsWith('image/png')) imageFormats.set('png', format);
    else if (format.mimeType.startsWith('image/jpeg')) imageFormats.set('jpeg', format);
  }
  return {
    rootLayer,
    tileLayers,
    grids: buildGrids(config),
    enableTiles: conf.enableTiles,
    enableMaps: conf.enableMaps,
    mapSrs: conf.mapSrs,
    imageFormats,
    ...(conf.attribution?.text ? { attribution: { text: conf.attribution.text } } : {}),
    onSourceErrors: conf.onSourceErrors,
    maxOutputPixels: conf.maxOutputPixels,
    md: conf.md,
    ...(conf.defaultDatasetLayers ? { defaultDatasetLayers: conf.defaultDatasetLayers } : {}),
    nominalScales: nominalScales(config.rootLayer),
    maxTileAge: config.globals.tiles.expiresHours * 3600,
  };
}
