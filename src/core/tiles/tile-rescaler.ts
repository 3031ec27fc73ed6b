import type { Dimensions } from '../cache/cache.js';
import type { TileCoord } from '../geo/grid.js';
import { composeWindow } from '../image/compose.js';
import { ImageResult } from '../image/image.js';
import { decodeTilePixels } from '../image/tile-pixels.js';
import { resample } from '../image/transform.js';
import { coordKey, type Tile } from './tile.js';
import type { RescaleOptions, TileManagerOptions } from './tile-options.js';

/**
 * Loads tiles of another level the way the tile manager loads any tiles (cache, then sources, then rescaling
 * again), sharing the `rescaled` memo: what the rescaler asks of its manager.
 */
export type LevelLoader = (
  coords: readonly (TileCoord | null)[],
  dimensions: Dimensions | undefined,
  stopLevel: number,
  rescaled: RescaledTiles,
) => Promise<(Tile | null)[]>;

/** The tiles rescaled (or found missing: null) during one request, so none is looked at twice. */
export type RescaledTiles = Map<string, Tile | null>;

/**
 * MapProxy's upscale_tiles / downscale_tiles (TileManager._scaled_tile): a tile that is neither cached nor
 * created by the sources is drawn from the tiles of the next coarser (upscale) or finer (downscale) level,
 * which may themselves be rescaled, level by level until `stopLevel`; stored when cache_rescaled_tiles is set.
 */
export class TileRescaler {
  constructor(
    private readonly opts: TileManagerOptions,
    private readonly rescale: RescaleOptions,
    private readonly loadLevel: LevelLoader,
  ) {}

  /** The level rescaling stops at for a request of tiles at `level`: `levels` away, within the grid. */
  stopLevel(level: number): number {
    const stop = level + this.rescale.levels;
    // MapProxy clamps to grid.levels, one past the last level, which fails when reached; the last level is the end
    return Math.max(0, Math.min(this.opts.grid.levels - 1, stop));
  }

  async scaledTile(coord: TileCoord, stopLevel: number, rescaled: RescaledTiles, dimensions?: Dimensions): Promise<Tile | null> {
    const key = coordKey(coord);
    if (rescaled.has(key)) return rescaled.get(key) ?? null;
    rescaled.set(key, null); // missing until drawn: a tile reached again on the way is not looked at twice
    const level = coord[2];
    if (stopLevel === level) return null;
    const grid = this.opts.grid;
    const srcLevel = stopLevel > level ? level + 1 : level - 1;
    const bbox = grid.tileBBox(coord);
    // MapProxy drops the tiles outside the cache's coverage before anything else: they are never rescaled
    if (this.opts.coverage && !this.opts.coverage.intersects(bbox, grid.srs)) return null;
    const affected = grid.affectedLevelTiles(bbox, srcLevel);
    const tiles = await this.loadLevel(affected.tiles, dimensions, stopLevel, rescaled);
    if (tiles.every((t) => !t?.data)) return null;

    // MapProxy's TiledImage: the tiles merged on the cache's canvas, then transformed to the tile's bbox.
    const pixels = await Promise.all(tiles.map((t) => (t?.data ? decodeTilePixels(t.data) : null)));
    const [tw, th] = grid.tileSize;
    const window = { x: 0, y: 0, width: affected.gridSize[0] * tw, height: affected.gridSize[1] * th };
    const transparent = this.opts.transparent;
    const mosaic = await composeWindow(pixels, affected.gridSize, grid.tileSize, window, { transparent });
    const raw = await resample(mosaic, affected.bbox, bbox, grid.tileSize, this.rescale.resampling);
    const data = await ImageResult.fromRaw(raw, { transparent }).encode(this.opts.format, { transparent });
    const tile: Tile = { coord, data, timestamp: Date.now() / 1000, cacheable: true };
    if (this.rescale.store) await this.opts.cache.storeMany([{ coord, data }], dimensions);
    rescaled.set(key, tile);
    return tile;
  }
}
