import { SourceError } from '../source/source.js';

/**
 * A store that cannot be read (a damaged file, a server that went away). The request that needed the tile gets
 * its protocol's error, as for a source that fails; the next request tries the store again.
 */
export class CacheReadError extends SourceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CacheReadError';
  }
}

/** The failure of a load as the services report it: already a source error, or a CacheReadError naming the cache. */
export function cacheReadFailure(cacheName: string, err: unknown): SourceError {
  if (err instanceof SourceError) return err;
  return new CacheReadError(`cache ${cacheName}: ${(err as Error | null)?.message ?? String(err)}`, { cause: err });
}
