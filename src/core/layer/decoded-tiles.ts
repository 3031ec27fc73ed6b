import { LRUCache } from 'lru-cache';
import { decodeTilePixels, tilePixelsBytes, type TilePixels } from '../image/tile-pixels.js';
import type { Tile } from '../tiles/tile.js';

/**
 * Recently decoded tiles, for WMS GetMaps that overlap (a map client panning asks for the same tiles
 * again and again): decoding is most of the cost of drawing a map from a cache. Entries are keyed by
 * cache, tile, timestamp and size, so a tile rewritten on disk is decoded afresh. Bounded in bytes;
 * paletted tiles are kept as indices, so four times as many fit.
 */
export class DecodedTiles {
  private readonly lru: LRUCache<string, TilePixels>;

  /** The default bound per worker (`server.decoded_tiles_mb`). */
  static readonly DEFAULT_MB = 16;

  constructor(maxBytes = DecodedTiles.DEFAULT_MB * 1024 * 1024) {
    this.lru = new LRUCache<string, TilePixels>({ maxSize: maxBytes, sizeCalculation: (t) => tilePixelsBytes(t) || 1 });
  }

  async get(cacheId: string, tile: Tile): Promise<TilePixels> {
    const data = tile.data as Buffer;
    const key = `${cacheId}/${tile.coord.join(',')}/${tile.timestamp}/${data.length}`;
    const hit = this.lru.get(key);
    if (hit) return hit;
    const pixels = await decodeTilePixels(data);
    this.lru.set(key, pixels);
    return pixels;
  }
}
