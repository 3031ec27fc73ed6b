import { createHash } from 'node:crypto';
import type { CachedTile, TileCache } from './cache.js';

/**
 * The cache of `disable_storage: true` (MapProxy's DummyCache): nothing is ever stored, so
 * every request goes to the sources.
 */
export class NullCache implements TileCache {
  readonly lockId: string;

  /** `name` only distinguishes lock ids of different disabled caches. */
  constructor(name = '') {
    this.lockId = createHash('md5').update(`null-${name}`).digest('hex');
  }

  async load(): Promise<CachedTile | null> {
    return null;
  }

  async isCached(): Promise<boolean> {
    return false;
  }

  async store(): Promise<void> {}

  async remove(): Promise<void> {}
}
