import { MapReader, joinPath, type ReadContext } from './config-reader.js';
import { describeValue } from './errors.js';
import { isYamlMap, type YamlMap } from './merge-dict.js';
import { pyJoin } from './paths.js';
import { readLayerDimensions } from './layer-dimensions.js';
import { readResolutionRange } from './resolution-range.js';
import type { LayerConfig } from './types.js';

/** A layer mapping with the key path it is reported under. */
interface RawLayer {
  path: string;
  conf: YamlMap;
}

/**
 * Reads `layers:` into MapProxy's unified tree (`ProxyConfiguration._layers_conf_dict`):
 * - a list with one layer that has layers/sources/tile_sources: that layer is the root;
 * - any other list: an unnamed root (title null) with the list as children;
 * - the deprecated forms `layers: {name: {...}}` and `layers: [{name: {...}}, ...]` are converted (warning).
 */
export function readLayers(ctx: ReadContext, raw: unknown): { root: LayerConfig | null; named: LayerConfig[] } {
  if (raw === undefined || raw === null) return { root: null, named: [] };
  let root: RawLayer | { implicit: RawLayer[] };
  if (Array.isArray(raw)) {
    if (raw.length === 0) return { root: null, named: [] };
    const first = raw[0];
    if (isYamlMap(first) && Object.keys(first).length === 1 && !isLayerKey(Object.keys(first)[0]!)) {
      root = { implicit: legacyLayers(ctx, raw) };
    } else if (raw.length === 1 && isYamlMap(first) && ('layers' in first || 'sources' in first || 'tile_sources' in first)) {
      root = { path: 'layers[0]', conf: first };
    } else {
      root = { implicit: raw.map((l, i) => asLayer(ctx, `layers[${i}]`, l)) };
    }
  } else if (isYamlMap(raw)) {
    const known = Object.keys(raw).filter((k) => ['layers', 'name', 'title', 'sources'].includes(k));
    root = known.length < 2 ? { implicit: legacyLayers(ctx, raw) } : { path: 'layers', conf: raw };
  } else {
    throw ctx.error('layers', `expected a list of layers, got ${describeValue(raw)}`);
  }

  const rootLayer = 'implicit' in root
    ? { title: null, layers: root.implicit.map((l) => readLayer(ctx, l)), md: {} }
    : readLayer(ctx, root);
  const named = new Map<string, LayerConfig>();
  flatten(rootLayer, named);
  return { root: rootLayer, named: [...named.values()] };
}

function isLayerKey(k: string): boolean {
  return ['name', 'title', 'sources', 'tile_sources', 'layers'].includes(k);
}

function asLayer(ctx: ReadContext, path: string, v: unknown): RawLayer {
  if (!isYamlMap(v)) throw ctx.error(path, `expected a layer mapping (name, title, sources, ...), got ${describeValue(v)}`);
  return { path, conf: v };
}

/** The old dict form: the key is the layer name. */
function legacyLayers(ctx: ReadContext, raw: YamlMap | unknown[]): RawLayer[] {
  ctx.warn('layers', 'the mapping form of layers (name: {...}) is deprecated; use a list of layers with name:');
  const entries: [string, unknown][] = [];
  if (Array.isArray(raw)) {
    raw.forEach((item, i) => {
      if (!isYamlMap(item)) throw ctx.error(`layers[${i}]`, `expected a mapping of layer name to layer, got ${describeValue(item)}`);
      entries.push(...Object.entries(item));
    });
  } else entries.push(...Object.entries(raw));
  return entries.map(([name, conf]) => {
    const path = joinPath('layers', name);
    const c = conf === null ? {} : conf;
    if (!isYamlMap(c)) throw ctx.error(path, `expected a layer mapping (title, sources, ...), got ${describeValue(conf)}`);
    return { path, conf: { ...c, name } };
  });
}

function readLayer(ctx: ReadContext, raw: RawLayer): LayerConfig {
  const r = new MapReader(ctx, raw.path, raw.conf);
  const title = r.str('title');
  if (title === undefined) throw r.error('title', 'missing required layer title');
  const layer: LayerConfig = { title, layers: [], md: {} };
  const name = r.str('name');
  if (name !== undefined) layer.name = name;
  const sources = r.strList('sources');
  if (sources !== undefined) layer.sources = sources;
  const tileSources = r.strList('tile_sources');
  if (tileSources !== undefined) layer.tileSources = tileSources;
  const children = r.list('layers');
  if (children) layer.layers = children.map((c, i) => readLayer(ctx, asLayer(ctx, joinPath(r.keyPath('layers'), i), c)));
  const dimensions = readLayerDimensions(r);
  if (dimensions) layer.dimensions = dimensions;
  const resRange = readResolutionRange(r);
  if (resRange) layer.resRange = resRange;
  const legendurl = r.str('legendurl');
  if (legendurl !== undefined) {
    layer.legendurl = legendurl.startsWith('file://') && !legendurl.startsWith('file:///')
      ? 'file://' + pyJoin(ctx.configDir, legendurl.slice(7))
      : legendurl;
  }
  const md = r.map('md');
  if (md) {
    layer.md = md.raw;
    md.accept(...md.keys());
  }
  const rest = r.str('wmts_rest_legendurl');
  if (rest !== undefined) layer.wmtsRestLegendurl = rest;
  const kvp = r.str('wmts_kvp_legendurl');
  if (kvp !== undefined) layer.wmtsKvpLegendurl = kvp;
  // OGC API Maps: the scale a map without one is drawn at (nominal_res as its OGC scale, as MapProxy 7)
  const nominalScale = r.num('nominal_scale') || (r.num('nominal_res') ?? 0) / 0.00028;
  if (nominalScale > 0) layer.nominalScale = nominalScale;
  r.finish();
  return layer;
}

/** MapProxy's `_flatten_layers_conf_dict`: children first, then the layer itself if it has a name and sources. */
function flatten(layer: LayerConfig, out: Map<string, LayerConfig>): void {
  for (const child of layer.layers) flatten(child, out);
  if (layer.name !== undefined && (layer.sources !== undefined || layer.tileSources !== undefined)) {
    out.set(layer.name, layer);
  }
}
