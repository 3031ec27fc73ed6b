import { LRUCache } from 'lru-cache';
import { decode } from '../image/encode.js';
import type { RawImage } from '../image/raw-image.js';
import type { Tile } from '../tiles/tile-manager.js';

/**
 * Recently decoded tiles, for WMS GetMaps that overlap (a map client panning asks for the same tiles
 * again and again): decoding is most of the cost of drawing a map from a cache. Entries are keyed by
 * cache, tile, timestamp and size, so a tile rewritten on disk is decoded afresh. Bounded in bytes.
 */
export class DecodedTiles {
  private readonly lru: LRUCache<string, RawImage>;

  constructor(maxBytes = 16 * 1024 * 1024) {
    this.lru = new LRUCache<string, RawImage>({ maxSize: maxBytes, sizeCalculation: (raw) => raw.data.length || 1 });
  }

  async get(cacheId: string, tile: Tile): Promise<RawImage> {
    const data = tile.data as Buffer;
    const key = `${cacheId}/${tile.coord.join(',')}/${tile.timestamp}/${data.length}`;
    const hit = this.lru.get(key);
    if (hit) return hit;
    const raw = await decode(data);
    this.lru.set(key, raw);
    return raw;
  }
}
