import type { CachedTile, Dimensions, TileCache } from '../cache/cache.js';
import { cacheReadFailure } from '../cache/cache-read-error.js';
import { ThrottledLog } from '../log/throttled-log.js';
import type { TileCoord, TileGrid } from '../geo/grid.js';
import type { ImageFormat } from '../image/format.js';
import { NO_METRICS, type CoreMetrics } from '../metrics.js';
import { blankTile, coordKey, type Tile } from './tile.js';
import type { TileManagerOptions } from './tile-options.js';
import { TileCreator } from './tile-creator.js';
import { TileRescaler, type RescaledTiles } from './tile-rescaler.js';

/**
 * Decides which tiles come from the cache and which must be created, as MapProxy's
 * TileManager: batch load, then hand missing or stale tiles to the creator.
 */
export class TileManager {
  readonly grid: TileGrid;
  readonly cache: TileCache;
  readonly format: ImageFormat;
  private readonly creator: TileCreator;
  private readonly rescaler: TileRescaler | null;
  /** A store that cannot be read fails every request that needs it: logged at once, then once per interval. */
  private readonly readFailures: ThrottledLog;
  readonly metrics: CoreMetrics;

  constructor(readonly options: TileManagerOptions) {
    this.grid = options.grid;
    this.cache = options.cache;
    this.format = options.format;
    this.metrics = options.metrics ?? NO_METRICS;
    this.creator = new TileCreator(this, options);
    this.rescaler = options.rescale?.levels
      ? new TileRescaler(options, options.rescale, (coords, dims, stop, rescaled) => this.loadOrCreate(coords, dims, stop, rescaled))
      : null;
    this.readFailures = new ThrottledLog(options.log ?? console);
  }

  async loadTile(coord: TileCoord, dimensions?: Dimensions): Promise<Tile> {
    const [tile] = await this.loadTiles([coord], dimensions);
    return tile as Tile;
  }

  /** Tiles in the order asked; a null coord (outside the grid) gives null. */
  async loadTiles(coords: readonly (TileCoord | null)[], dimensions?: Dimensions): Promise<(Tile | null)[]> {
    // the level to rescale to is taken from the first tile asked, as MapProxy does
    const first = coords.find((c): c is TileCoord => c !== null);
    const stop = this.rescaler && first ? this.rescaler.stopLevel(first[2]) : 0;
    return this.loadOrCreate(coords, dimensions, stop, new Map());
  }

  /**
   * MapProxy's _load_tile_coords: cached tiles, else created by the sources; when the sources created none of
   * the missing tiles (no source, or none had data there), each is rescaled from the neighbouring level.
   */
  private async loadOrCreate(
    coords: readonly (TileCoord | null)[],
    dimensions: Dimensions | undefined,
    stopLevel: number,
    rescaled: RescaledTiles,
  ): Promise<(Tile | null)[]> {
    // tiles already rescaled (or found missing) in this request are neither loaded nor created again
    const known = (c: TileCoord | null) => c !== null && rescaled.has(coordKey(c));
    const loaded = await this.loadManyCached(coords.map((c) => (known(c) ? null : c)), dimensions);
    const missing: TileCoord[] = [];
    coords.forEach((c, i) => {
      if (!c || known(c)) return;
      if (!loaded[i]) missing.push(c);
      this.metrics.cacheLookup(this.options.name, loaded[i] !== null);
    });
    const created = missing.length ? await this.creator.createTiles(missing, dimensions) : new Map<string, Tile>();
    if (this.rescaler && missing.length && missing.every((c) => !created.get(coordKey(c))?.data)) {
      for (const c of missing) {
        const tile = await this.rescaler.scaledTile(c, stopLevel, rescaled, dimensions);
        if (tile) created.set(coordKey(c), tile);
      }
    }
    return coords.map((c, i) => {
      if (!c) return null;
      if (known(c)) return rescaled.get(coordKey(c)) ?? blankTile(c);
      return loaded[i] ?? created.get(coordKey(c)) ?? blankTile(c);
    });
  }

  /** A fresh cached tile, or null when missing or stale. */
  async loadCached(coord: TileCoord, dimensions?: Dimensions): Promise<Tile | null> {
    const [tile] = await this.loadManyCached([coord], dimensions);
    return tile ?? null;
  }

  /** Fresh cached tiles in one batch from the store; null where missing, stale or outside the grid. */
  private async loadManyCached(coords: readonly (TileCoord | null)[], dimensions?: Dimensions): Promise<(Tile | null)[]> {
    const inGrid = coords.filter((c): c is TileCoord => c !== null);
    let cached: (CachedTile | null)[];
    try {
      cached = inGrid.length === 1 ? [await this.cache.load(inGrid[0] as TileCoord, dimensions)] : await this.cache.loadMany(inGrid, dimensions);
    } catch (err) {
      throw this.readFailed(err);
    }
    let next = 0;
    const out: (Tile | null)[] = [];
    for (const coord of coords) {
      if (!coord) {
        out.push(null);
        continue;
      }
      const c = cached[next++];
      // a store without times answers -1 (older than any limit) when a refresh limit applies, as MapProxy
      const stale = c && this.isStale(c.timestamp ?? -1);
      out.push(c && !stale ? { coord, data: c.data, timestamp: c.timestamp, cacheable: true, cacheStatus: 'hit' } : null);
    }
    return out;
  }

  /** Like loadCached, but returns a stale tile too (to serve when the source fails; marked stale for X-Cache). */
  async loadAny(coord: TileCoord, dimensions?: Dimensions): Promise<Tile | null> {
    let cached: CachedTile | null;
    try {
      cached = await this.cache.load(coord, dimensions);
    } catch (err) {
      throw this.readFailed(err);
    }
    return cached ? { coord, data: cached.data, timestamp: cached.timestamp, cacheable: true, cacheStatus: 'stale' } : null;
  }

  private readFailed(err: unknown): Error {
    const failure = cacheReadFailure(this.options.name, err);
    // a store that reports its own failures (as a SourceError) has logged them already
    if (failure !== err) this.readFailures.error(`${failure.message}; the request fails`, 'more read errors');
    return failure;
  }

  isStale(timestamp: number): boolean {
    const expire = this.options.expireTimestamp?.() ?? null;
    return expire !== null && Math.trunc(timestamp) <= expire;
  }
}
