import type { ReadContext } from './config-reader.js';
import type { CacheConfig, GridConfig, LayerConfig, SourceConfig } from './types.js';

/** Splits MapProxy's tagged source names: `'wms:roads,rails'` → ['wms', ['roads', 'rails']]. */
export function splitTaggedName(name: string): { name: string; layers?: string[] } {
  const i = name.indexOf(':');
  if (i < 0) return { name };
  const layers = name.slice(i + 1);
  return layers ? { name: name.slice(0, i), layers: layers.split(',') } : { name: name.slice(0, i) };
}

interface Parts {
  grids: Record<string, GridConfig>;
  sources: Record<string, SourceConfig>;
  caches: Record<string, CacheConfig>;
  rootLayer: LayerConfig | null;
}

/** Checks that every name used by layers, caches and tile sources exists and is usable where it is used. */
export function checkReferences(ctx: ReadContext, p: Parts): void {
  for (const [name, src] of Object.entries(p.sources)) {
    if (src.type === 'tile' && !p.grids[src.grid]) {
      throw ctx.error(`sources.${name}.grid`, `unknown grid '${src.grid}' (known grids: ${Object.keys(p.grids).join(', ')})`);
    }
  }
  for (const [name, cache] of Object.entries(p.caches)) {
    cache.grids.forEach((g, i) => {
      if (!p.grids[g]) throw ctx.error(`caches.${name}.grids[${i}]`, `unknown grid '${g}' (known grids: ${Object.keys(p.grids).join(', ')})`);
    });
    cache.sources.forEach((s, i) => checkSourceName(ctx, p, `caches.${name}.sources[${i}]`, s, true, false));
  }
  checkCacheCycles(ctx, p.caches, p.sources);
  if (p.rootLayer) checkLayer(ctx, p, p.rootLayer, 'layers');
}

function checkLayer(ctx: ReadContext, p: Parts, layer: LayerConfig, path: string): void {
  const where = layer.name !== undefined ? `${path} (${layer.name})` : path;
  layer.sources?.forEach((s, i) => {
    checkSourceName(ctx, p, `${where}.sources[${i}]`, s, true, true);
  });
  layer.tileSources?.forEach((s, i) => {
    if (!p.caches[s]) throw ctx.error(`${where}.tile_sources[${i}]`, `unknown cache '${s}' (tile_sources must name caches)`);
  });
  layer.layers.forEach((child, i) => checkLayer(ctx, p, child, `${path}.layers[${i}]`));
}

function checkSourceName(ctx: ReadContext, p: Parts, path: string, ref: string, allowCaches: boolean, untiled: boolean): void {
  if (allowCaches && p.caches[ref]) return;
  const { name, layers } = splitTaggedName(ref);
  const src = p.sources[name];
  if (!src) {
    throw ctx.error(path, `unknown source or cache '${ref}'`);
  }
  if (untiled && (src.type === 'tile' || src.type === 'ogcapitiles')) {
    throw ctx.error(path, `source '${name}' is a tile source and does not support un-tiled access; put it in a cache and use the cache`);
  }
  if (layers) {
    if (src.type !== 'wms' && src.type !== 'mapserver') {
      throw ctx.error(path, `tagged source '${ref}': layer tags are only supported for wms and mapserver sources`);
    }
    const supported = src.req.layers ? src.req.layers.split(',') : [];
    const unknown = layers.filter((l) => !supported.includes(l));
    if (supported.length > 0 && unknown.length > 0) {
      throw ctx.error(path, `layers (${layers.join(',')}) not supported by source '${name}' (${supported.join(',')})`);
    }
  }
}

/** Follows cache → cache references (a name that is also a source means the source, as in MapProxy). */
function checkCacheCycles(ctx: ReadContext, caches: Record<string, CacheConfig>, sources: Record<string, SourceConfig>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]) => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw ctx.error(`caches.${name}.sources`, `caches use each other as sources in a cycle: ${[...chain, name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const src of caches[name]!.sources) if (caches[src] && !sources[src]) visit(src, [...chain, name]);
    state.set(name, 'done');
  };
  for (const name of Object.keys(caches)) visit(name, []);
}
