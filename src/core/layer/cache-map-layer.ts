import { bboxEquals, type BBox, type Size } from '../geo/bbox.js';
import { bboxPositionInImage } from '../geo/bbox-position.js';
import { MapExtent } from '../geo/extent.js';
import type { ResolutionRange } from '../geo/resolution-range.js';
import { NoTilesError } from '../geo/grid.js';
import type { SRS } from '../geo/srs.js';
import { blankImage } from '../image/blank.js';
import { ImageResult } from '../image/image.js';
import type { PixelRect, Resampling } from '../image/raw-image.js';
import { pasteImage } from '../image/split.js';
import { tileMosaic } from '../image/compose.js';
import { decodeTilePixels } from '../image/tile-pixels.js';
import { warpedMosaic } from '../image/transform.js';
import { resampledMosaic } from '../image/mosaic-map.js';
import type { MapQuery, MapSource } from '../source/source.js';
import { selectSrs, type PreferredSrcProj } from '../geo/srs-selection.js';
import type { TileManager } from '../tiles/tile-manager.js';
import { MapQueryError, type MapLayer } from './map-layer.js';
import type { DecodedTiles } from './decoded-tiles.js';
import { exactTile } from './exact-tile.js';
import { ownBuffer, releasingTiles, type DecodedMapTiles, type PoolMapTurns } from './map-tiles.js';
import { drawsOnPool } from '../native/pool.js';

export interface CacheMapLayerOptions {
  /** One tile manager per grid of the cache (MapProxy's SRSConditional over them). */
  readonly managers: readonly TileManager[];
  readonly extent: MapExtent;
  /** The cache's coverage extent, which limits every grid; without it each grid's bbox does. */
  readonly coverageExtent?: MapExtent;
  readonly transparent: boolean;
  readonly opacity?: number;
  readonly resRange?: ResolutionRange;
  readonly maxTileLimit: number;
  readonly resampling: Resampling;
  readonly preferredSrcProj?: PreferredSrcProj;
  /** Shared per process: tiles decoded for earlier maps. */
  readonly decodedTiles?: DecodedTiles;
  /** Shared by the runtime's layers: turns of the maps drawn on the libuv pool (none: maps do not wait for one). */
  readonly poolTurns?: PoolMapTurns;
}

/**
 * A cache drawn as a map: pick the grid for the query SRS, load (or create) the affected tiles,
 * compose the part of them the query needs and scale or warp it to the query. Also usable as the source of another cache.
 */
export class CacheMapLayer implements MapLayer, MapSource {
  readonly supportsMetaTiles = true;

  constructor(private readonly opts: CacheMapLayerOptions) {}

  get extent(): MapExtent {
    return this.opts.extent;
  }
  get transparent(): boolean {
    return this.opts.transparent;
  }
  get opacity(): number | undefined {
    return this.opts.opacity;
  }
  get resRange(): ResolutionRange | undefined {
    return this.opts.resRange;
  }
  get managers(): readonly TileManager[] {
    return this.opts.managers;
  }

  managerFor(srs: SRS): TileManager {
    const srsList = this.opts.managers.map((m) => m.grid.srs);
    const chosen = selectSrs(srs, srsList, this.opts.preferredSrcProj);
    return this.opts.managers[srsList.indexOf(chosen)];
  }

  async getMap(query: MapQuery): Promise<ImageResult | null> {
    if (this.opts.resRange && !this.opts.resRange.contains(query.bbox, query.size, query.srs)) return null;
    const manager = this.managerFor(query.srs);
    // WMS-C: one stored tile as it is, or MapProxy's error; never clipped to the extent
    if (query.tiledOnly) return exactTile(manager, query, this.opts.transparent);
    const grid = manager.grid;

    // Only the part of the query inside the cache's extent is rendered, at the proportional size,
    // then pasted (MapProxy's CacheMapLayer). The query is tested in the extent's SRS, never the
    // other way round: a world grid transformed into a local projection is meaningless.
    const extent = this.opts.coverageExtent ?? new MapExtent(grid.bbox, grid.srs);
    const queryExtent = new MapExtent(query.bbox, query.srs);
    if (!extent.contains(queryExtent)) {
      if (!extent.intersects(queryExtent)) return null;
      const pos = bboxPositionInImage(query.bbox, query.size, extent.bboxFor(query.srs));
      if (pos.size[0] <= 0 || pos.size[1] <= 0) return null;
      const part = await this.render(manager, { ...query, bbox: pos.bbox, size: pos.size });
      if (!part) return null;
      // MapProxy's SubImageSource: always a transparent canvas around the part, whatever the cache.
      const canvas = blankImage(query.size, { transparent: true });
      pasteImage(canvas, await part.raw(), pos.offset[0], pos.offset[1]);
      return ImageResult.fromRaw(canvas, { transparent: true, cacheable: part.cacheable });
    }
    return this.render(manager, query);
  }

  private async render(manager: TileManager, query: MapQuery): Promise<ImageResult | null> {
    const grid = manager.grid;
    // The query's bbox in the grid SRS: what the tiles are chosen for, and later what the map samples.
    let gridBBox: BBox;
    let affected;
    try {
      const chosen = grid.affectedBBoxAndLevel(query.bbox, query.size, query.srs);
      gridBBox = chosen.bbox;
      affected = grid.affectedLevelTiles(gridBBox, chosen.level);
    } catch (err) {
      // Outside the grid, or far coarser than its first level: nothing to draw (MapProxy's BlankImage).
      if (err instanceof NoTilesError) return null;
      throw err;
    }
    // MapProxy's CacheMapLayer: the whole rectangle of tiles counts, the limit itself is too many, 0 is no limit
    const numTiles = affected.gridSize[0] * affected.gridSize[1];
    if (this.opts.maxTileLimit && numTiles >= this.opts.maxTileLimit) {
      throw new MapQueryError(
        `Request too large or invalid BBOX. (too many tiles, max_tile_limit: ${this.opts.maxTileLimit}, num_tiles: ${numTiles})`,
      );
    }
    const tiles = await manager.loadTiles(affected.tiles, query.dimensions);
    if (tiles.every((t) => !t || !t.data)) return null;
    const cacheable = tiles.every((t) => !t || t.cacheable);

    // A query for exactly one tile gets the stored bytes as they are (tiled WMS clients, WMS-C).
    if (
      tiles.length === 1 &&
      tiles[0]?.data &&
      grid.srs.equals(query.srs) &&
      query.size[0] === grid.tileSize[0] &&
      query.size[1] === grid.tileSize[1] &&
      bboxEquals(affected.bbox, query.bbox)
    ) {
      return ImageResult.fromEncoded(tiles[0].data, { transparent: this.opts.transparent, cacheable });
    }

    const decoded = this.opts.decodedTiles;
    const cacheId = manager.cache.lockId;
    const decodeAll = async (): Promise<DecodedMapTiles> => {
      const own: ArrayBuffer[] = [];
      const pixels = await Promise.all(
        tiles.map(async (t) => {
          if (!t?.data) return null;
          const d = decoded ? await decoded.decoded(cacheId, t) : { pixels: await decodeTilePixels(t.data), own: true };
          const buffer = d.own ? ownBuffer(d.pixels) : null;
          if (buffer) own.push(buffer);
          return d.pixels;
        }),
      );
      return { pixels, own };
    };
    const sameSrs = grid.srs.equals(query.srs);
    const mosaicSize: Size = [affected.gridSize[0] * grid.tileSize[0], affected.gridSize[1] * grid.tileSize[1]];
    // Only the source pixels the map samples are composed: the query's extent in the grid SRS, plus the taps.
    const window = sourceWindow(affected.bbox, mosaicSize, gridBBox, !sameSrs);
    const srcBBox = windowBBox(affected.bbox, mosaicSize, window);
    const opts = { transparent: this.opts.transparent, cacheable };
    // Where no tile is (outside the grid, or no source had data) the canvas of an opaque cache is its background.
    // The kernels compose the window as they sample it: it never becomes a JavaScript buffer.
    const mosaic = (pixels: DecodedMapTiles['pixels']) =>
      tileMosaic(pixels, affected.gridSize, grid.tileSize, window, { transparent: this.opts.transparent });
    const resampling = this.opts.resampling;
    // Drawn when encoded or merged: a map only written as a paletted PNG never becomes RGBA in JavaScript memory.
    // Reprojected likewise (a paletted PNG is warped, quantized and written in one native call), on the libuv pool
    // for big maps: the event loop keeps answering cached tiles meanwhile.
    const draw = sameSrs
      ? (pixels: DecodedMapTiles['pixels']) => resampledMosaic(mosaic(pixels), srcBBox, query.bbox, query.size, resampling)
      : (pixels: DecodedMapTiles['pixels']) =>
          warpedMosaic(mosaic(pixels), srcBBox, query.bbox, query.size, (pts) => query.srs.transformTo(grid.srs, pts), resampling);
    // Decoded when drawn; the tiles decoded for this map alone are freed as soon as it is drawn (map-tiles.ts).
    const pooled = drawsOnPool(window, { width: query.size[0], height: query.size[1] });
    return ImageResult.fromDeferred(releasingTiles(query.size, pooled ? this.opts.poolTurns ?? null : null, decodeAll, draw), opts);
  }
}

/** Source pixels beyond the needed area: the widest resampling kernel reaches two pixels out. */
const TAP_MARGIN = 3;

/**
 * The pixels of a mosaic (covering `mosaicBBox` with `mosaicSize` pixels) inside `needed`, widened by the
 * resampling taps and, for a reprojected query (whose bbox was transformed through a few points per edge),
 * by 2 % against edges that bow outwards. Clamped to the mosaic; never empty.
 */
function sourceWindow(mosaicBBox: BBox, [mw, mh]: Size, needed: BBox, reprojected: boolean): PixelRect {
  const resX = (mosaicBBox[2] - mosaicBBox[0]) / mw;
  const resY = (mosaicBBox[3] - mosaicBBox[1]) / mh;
  const x0 = (needed[0] - mosaicBBox[0]) / resX;
  const x1 = (needed[2] - mosaicBBox[0]) / resX;
  const y0 = (mosaicBBox[3] - needed[3]) / resY;
  const y1 = (mosaicBBox[3] - needed[1]) / resY;
  if (!Number.isFinite(x0 + x1 + y0 + y1)) return { x: 0, y: 0, width: mw, height: mh };
  const mx = TAP_MARGIN + (reprojected ? 0.02 * (x1 - x0) : 0);
  const my = TAP_MARGIN + (reprojected ? 0.02 * (y1 - y0) : 0);
  const left = clampInt(Math.floor(x0 - mx), 0, mw - 1);
  const top = clampInt(Math.floor(y0 - my), 0, mh - 1);
  const right = clampInt(Math.ceil(x1 + mx), left + 1, mw);
  const bottom = clampInt(Math.ceil(y1 + my), top + 1, mh);
  return { x: left, y: top, width: right - left, height: bottom - top };
}

function windowBBox(mosaicBBox: BBox, [mw, mh]: Size, w: PixelRect): BBox {
  const resX = (mosaicBBox[2] - mosaicBBox[0]) / mw;
  const resY = (mosaicBBox[3] - mosaicBBox[1]) / mh;
  return [
    mosaicBBox[0] + w.x * resX,
    mosaicBBox[3] - (w.y + w.height) * resY,
    mosaicBBox[0] + (w.x + w.width) * resX,
    mosaicBBox[3] - w.y * resY,
  ];
}

function clampInt(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
