import { splitTaggedName } from '../config/references.js';
import type { ProxyConfig } from '../config/types.js';

/**
 * How many meta tiles of `cacheName` may be created at the same time, across all seed workers, without any
 * upstream host seeing more than its `concurrent_requests`: each creation sends one request to every source of the
 * cache, so a host limited to k that receives n requests per meta tile allows k/n creations. null: no limit.
 * Caches used as sources count with their own sources.
 */
export function upstreamCreationLimit(config: ProxyConfig, cacheName: string): number | null {
  const perHost = new Map<string, { limit: number; requests: number }>();
  const visit = (name: string, seen: Set<string>): void => {
    const cache = config.caches[name];
    if (!cache || seen.has(name)) return;
    seen.add(name);
    for (const ref of cache.sources) {
      const { name: src } = splitTaggedName(ref);
      if (config.caches[src]) {
        visit(src, seen);
        continue;
      }
      const source = config.sources[src];
      if (!source || source.concurrentRequests <= 0) continue;
      const url = source.type === 'wms' ? source.req.url
        : source.type === 'tile' || source.type === 'arcgis' ? source.url
        : source.type === 'ogcapitiles' || source.type === 'ogcapimaps' ? source.landingpageUrl
        : undefined;
      if (!url) continue;
      const key = `${hostOf(url)}#${source.concurrentRequests}`;
      const entry = perHost.get(key) ?? { limit: source.concurrentRequests, requests: 0 };
      entry.requests++;
      perHost.set(key, entry);
    }
  };
  visit(cacheName, new Set());
  let limit: number | null = null;
  for (const { limit: k, requests: n } of perHost.values()) {
    const allowed = Math.max(1, Math.floor(k / n));
    limit = limit === null ? allowed : Math.min(limit, allowed);
  }
  return limit;
}

/** The host:port the request limiter keys on (as the source builder does). */
function hostOf(url: string): string {
  try {
    return new URL(url.replace(/%\([^)]*\)\w/g, '0')).host;
  } catch {
    return url;
  }
}
