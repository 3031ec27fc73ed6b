import { createHash } from 'node:crypto';
import type { TileCoord } from '../geo/grid.js';
import { BasicTileCache, type CachedTile, type Dimensions } from './cache.js';

/**
 * The cache of `disable_storage: true` (MapProxy's DummyCache): nothing is ever stored, so
 * every request goes to the sources.
 */
export class NullCache extends BasicTileCache {
  readonly lockId: string;

  /** `name` only distinguishes lock ids of different disabled caches. */
  constructor(name = '') {
    super();
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

  tileName(coord: TileCoord): string {
    return `${coord[2]}/${coord[0]}/${coord[1]} (not stored)`;
  }
}
