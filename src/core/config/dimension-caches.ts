import { cacheBackend } from '../cache/registry.js';
import { splitTaggedName } from './references.js';
import type { ReadContext } from './config-reader.js';
import type { ProxyConfig } from './types.js';

/**
 * A layer with dimensions keeps the tiles of each dimension value apart, so every cache it draws from must be
 * able to: a file cache (one directory per value) or a cache with `disable_storage`. Any other store would hand
 * out the tiles of one time for another, so such a configuration is refused with MapProxy 7's message.
 * MapProxy checks this only when it builds the tile services' layers; we check every cache a layer with
 * dimensions names, for WMS too, where MapProxy would silently mix the values.
 */
export function checkDimensionCaches(ctx: ReadContext, config: ProxyConfig): void {
  for (const layer of config.namedLayers) {
    if (!layer.dimensions?.length) continue;
    for (const ref of [...(layer.tileSources ?? []), ...(layer.sources ?? [])]) {
      const name = splitTaggedName(ref).name;
      const cache = config.caches[name];
      if (!cache) continue;
      const backend = cache.backend.type === 'disabled' ? null : cacheBackend(cache.backend.type);
      if (cache.disableStorage || backend?.supportsDimensions) continue;
      throw ctx.error(
        `caches.${name}`,
        `caching of dimension layer (${layer.name}) is not supported yet. need to \`disable_storage: true\` on ${name} cache`,
      );
    }
  }
}
