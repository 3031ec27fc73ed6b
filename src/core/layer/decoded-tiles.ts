import { LRUCache } from 'lru-cache';
import { decodeTilePixels, tilePixelsBytes, type TilePixels } from '../image/tile-pixels.js';
import type { Tile } from '../tiles/tile.js';

/** Keys remembered per megabyte of the tier, for tiles decoded once and not kept (a 256² RGBA tile is 0.25 MB). */
const SEEN_KEYS_PER_MB = 64;

/**
 * Recently decoded tiles, for WMS GetMaps that overlap (a map client panning asks for the same tiles
 * again and again): decoding is most of the cost of drawing a map from a cache. Entries are keyed by
 * cache, tile, timestamp and size, so a tile rewritten on disk is decoded afresh. Bounded in bytes;
 * paletted tiles are kept as indices, so four times as many fit.
 *
 * A tile is kept when it is asked for a second time while its key is still remembered, not the first time.
 * Maps over places nobody asks for again (a crawler, a client jumping about) would otherwise push out the
 * tiles that are reused, and every tile pushed out is a buffer V8 frees only in a full collection: under such
 * load that kept the workers' resident memory tens of megabytes up and cost a full collection every ~100 ms.
 * A tile decoded once and dropped is freed young, with the map that used it.
 */
export class DecodedTiles {
  private readonly lru: LRUCache<string, TilePixels>;
  private readonly seen: LRUCache<string, true>;

  /** The default bound per worker (`server.decoded_tiles_mb`). */
  static readonly DEFAULT_MB = 16;

  constructor(maxBytes = DecodedTiles.DEFAULT_MB * 1024 * 1024) {
    this.lru = new LRUCache<string, TilePixels>({ maxSize: maxBytes, sizeCalculation: (t) => tilePixelsBytes(t) || 1 });
    this.seen = new LRUCache<string, true>({ max: Math.max(16, Math.ceil((maxBytes / 1048576) * SEEN_KEYS_PER_MB)) });
  }

  /** The tile's pixels, and whether they were decoded for this caller alone (not kept here, nor taken from here). */
  async decoded(cacheId: string, tile: Tile): Promise<{ pixels: TilePixels; own: boolean }> {
    const data = tile.data as Buffer;
    const key = `${cacheId}/${tile.coord.join(',')}/${tile.timestamp}/${data.length}`;
    const hit = this.lru.get(key);
    if (hit) return { pixels: hit, own: false };
    const pixels = await decodeTilePixels(data);
    if (this.seen.has(key)) {
      this.seen.delete(key);
      this.lru.set(key, pixels);
      return { pixels, own: false };
    }
    this.seen.set(key, true);
    return { pixels, own: true };
  }
}
