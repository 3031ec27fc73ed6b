import { getSRS } from '../../core/geo/srs.js';
import type { WmsCapabilitiesInfo, WmsLayerInfo } from './wms-capabilities-parse.js';

type Yaml = Record<string, unknown>;

/**
 * The configuration MapProxy's autoconfig builds from a capabilities document: one WMS source per named layer
 * (`<name>_wms`), a cache per source when a grid of the --base configuration has one of its SRS (`<name>_cache`),
 * the layer tree with titles and abstracts, and a seed and a cleanup task per cache and grid.
 */
export function autoSources(cap: WmsCapabilitiesInfo): Yaml {
  const sources: Yaml = {};
  const named: WmsLayerInfo[] = [];
  const collect = (l: WmsLayerInfo) => {
    if (l.name) named.push(l);
    l.layers.forEach(collect);
  };
  collect(cap.root);
  for (const layer of named) {
    const source: Yaml = { type: 'wms' };
    const req: Yaml = { url: layer.url, layers: layer.name };
    if (!layer.opaque) req.transparent = true;
    const wmsOpts: Yaml = {};
    if (cap.version !== '1.1.1') wmsOpts.version = cap.version;
    if (layer.queryable) wmsOpts.featureinfo = true;
    if (layer.legend) wmsOpts.legendurl = layer.legend.url;
    if (Object.keys(wmsOpts).length) source.wms_opts = wmsOpts;
    source.req = req;
    // SRS we cannot use are left out, as MapProxy leaves out those it cannot initialise
    source.supported_srs = layer.srs.filter(usableSrs).sort();
    if (layer.llbbox) source.coverage = { srs: 'EPSG:4326', bbox: layer.llbbox };
    if (layer.resHint) {
      if (layer.resHint[0]) source.min_res = layer.resHint[0];
      if (layer.resHint[1]) source.max_res = layer.resHint[1];
    }
    sources[`${layer.name}_wms`] = source;
  }
  return sources;
}

function usableSrs(code: string): boolean {
  try {
    getSRS(code);
    return true;
  } catch {
    return false;
  }
}

/** `srsGrids`: SRS code → grid name, from the --base configuration's own grids (not the GLOBAL_ ones). */
export function autoCaches(sources: Yaml, srsGrids: ReadonlyMap<string, string>): Yaml {
  const caches: Yaml = {};
  for (const [name, raw] of Object.entries(sources)) {
    const supported = ((raw as Yaml).supported_srs as string[] | undefined) ?? [];
    const grids = supported.flatMap((srs) => (srsGrids.has(srs) ? [srsGrids.get(srs)!] : []));
    if (!grids.length) continue;
    caches[`${name.slice(0, -'_wms'.length)}_cache`] = { sources: [name], grids };
  }
  return caches;
}

export function autoLayers(cap: WmsCapabilitiesInfo, caches: Yaml): Yaml[] {
  const layer = (l: WmsLayerInfo): Yaml => {
    const conf: Yaml = { title: l.title };
    if (l.name) {
      conf.name = l.name;
      conf.sources = [`${l.name}_cache` in caches ? `${l.name}_cache` : `${l.name}_wms`];
    }
    if (l.abstract) conf.md = { abstract: l.abstract };
    const children = l.layers.map(layer);
    if (children.length) conf.layers = children;
    return conf;
  };
  return [layer(cap.root)];
}

export function autoSeeds(caches: Yaml): { seeds: Yaml; cleanups: Yaml } {
  const seeds: Yaml = {};
  const cleanups: Yaml = {};
  for (const [name, raw] of Object.entries(caches)) {
    for (const grid of (raw as { grids: string[] }).grids) {
      seeds[`${name}_${grid}`] = { caches: [name], grids: [grid] };
      cleanups[`${name}_${grid}`] = { caches: [name], grids: [grid], remove_before: { time: '1900-01-01T00:00:00' } };
    }
  }
  return { seeds, cleanups };
}

const isMap = (v: unknown): v is Yaml => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * MapProxy's overwrite files: values replace, mappings merge, `key__extend__` appends to a list, `__all__` applies to
 * every entry, `___suffix` to the entries ending in it and `prefix___` to those starting with it.
 */
export function updateConfig(conf: Yaml, overwrites: Yaml): Yaml {
  const wildcards: string[] = [];
  for (const [k0, v] of Object.entries(overwrites)) {
    if (k0 === '__all__') continue;
    if (k0.startsWith('___') || k0.endsWith('___')) {
      wildcards.push(k0);
      continue;
    }
    if (k0.endsWith('__extend__')) {
      const k = k0.slice(0, -'__extend__'.length);
      if (!(k in conf)) conf[k] = v;
      else if (Array.isArray(v) && Array.isArray(conf[k])) (conf[k] as unknown[]).push(...v);
      else throw new Error(`cannot extend non-list: ${JSON.stringify(v)}`);
    } else if (isMap(conf[k0]) && isMap(v)) conf[k0] = updateConfig(conf[k0] as Yaml, v);
    else conf[k0] = structuredClone(v);
  }
  const applyTo = (match: (key: string) => boolean, v: unknown) => {
    for (const [ck, cv] of Object.entries(conf)) {
      if (!match(ck)) continue;
      conf[ck] = isMap(cv) && isMap(v) ? updateConfig(cv, v) : v;
    }
  };
  if ('__all__' in overwrites) applyTo(() => true, overwrites.__all__);
  for (const key of wildcards) {
    const v = overwrites[key];
    if (key.startsWith('___')) applyTo((k) => k.endsWith(key.slice(3)), v);
    else applyTo((k) => k.startsWith(key.slice(0, -3)), v);
  }
  return conf;
}
