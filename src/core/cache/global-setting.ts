import type { MapReader } from '../config/config-reader.js';
import type { CacheReadContext } from './backend.js';

/**
 * A value of the cache's own options, else of `globals.cache.<section>` (`s3`, `azureblob`): MapProxy's
 * get_value('cache.<key>', conf, global_key='cache.<section>.<key>'). A value set in the cache wins, even false.
 */
export function cacheOrGlobal<T>(r: MapReader, ctx: CacheReadContext, section: string, read: (m: MapReader) => T | undefined): T | undefined {
  const local = read(r);
  if (local !== undefined) return local;
  const globals = ctx.globalCache.map(section);
  return globals ? read(globals) : undefined;
}
