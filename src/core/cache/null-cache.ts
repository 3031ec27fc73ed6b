import { createHash } from 'node:crypto';
import type { TileCoord } from '../geo/grid.js';
import type { CachedTile, Dimensions, TileCache } from './cache.js';

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

  async load(_coord: TileCoord, _dims?: Dimensions): Promise<CachedTile | null> {
    return null;
  }

  async isCached(_coord: TileCoord, _dims?: Dimensions): Promise<boolean> {
    return false;
  }

  async store(_coord: TileCoord, _data: Buffer, _dims?: Dimensions): Promise<void> {}

  async remove(_coord: TileCoord, _dims?: Dimensions): Promise<void> {}
}
