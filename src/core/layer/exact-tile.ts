import type { BBox } from '../geo/bbox.js';
import { NoTilesError } from '../geo/grid.js';
import { imageFormat } from '../image/format.js';
import { ImageResult } from '../image/image.js';
import type { MapQuery } from '../source/source.js';
import type { TileManager } from '../tiles/tile-manager.js';
import { MapQueryError } from './map-layer.js';

/**
 * A WMS-C GetMap (`tiled=true`) on a cache: the client asks for exactly one tile of the cache, which is
 * answered as stored; anything else is refused with MapProxy's messages (its CacheMapLayer with
 * `query.tiled_only`). Returns null where no tile has data (MapProxy's BlankImage).
 */
export async function exactTile(manager: TileManager, query: MapQuery, transparent: boolean): Promise<ImageResult | null> {
  const grid = manager.grid;
  // MapProxy compares ImageFormat by extension ('png' for image/png and image/png; mode=8bit) and names it so
  const cacheExt = manager.format.ext;
  if (imageFormat(query.format).ext !== cacheExt) throw new MapQueryError(`Invalid request: invalid tile format, use ${cacheExt}`);
  if (query.size[0] !== grid.tileSize[0] || query.size[1] !== grid.tileSize[1]) {
    throw new MapQueryError(`Invalid request: invalid tile size (use ${grid.tileSize[0]}x${grid.tileSize[1]})`);
  }
  let affected;
  try {
    const chosen = grid.affectedBBoxAndLevel(query.bbox, query.size, query.srs);
    affected = grid.affectedLevelTiles(chosen.bbox, chosen.level);
  } catch (err) {
    if (err instanceof NoTilesError) return null;
    throw err;
  }
  if (affected.gridSize[0] * affected.gridSize[1] > 1) throw new MapQueryError('Request too large or invalid BBOX. (not a single tile)');
  if (!alignsToTile(query.bbox, affected.bbox, query.size)) {
    throw new MapQueryError('Request too large or invalid BBOX. (query does not align to tile boundaries)');
  }
  const coord = affected.tiles[0];
  if (!coord) return null;
  const tile = await manager.loadTile(coord, query.dimensions);
  if (!tile.data) return null;
  return ImageResult.fromEncoded(tile.data, {
    transparent,
    cacheable: tile.cacheable,
    tileInfo: { timestamp: tile.timestamp, size: tile.data.length },
  });
}

/**
 * MapProxy's bbox_equals with a tenth of a pixel as tolerance. It tests minx and miny against the x
 * tolerance and maxx and maxy against the y tolerance; we keep that, so the same requests pass.
 */
function alignsToTile(query: BBox, tile: BBox, size: readonly [number, number]): boolean {
  const dx = Math.abs((query[2] - query[0]) / size[0] / 10);
  const dy = Math.abs((query[3] - query[1]) / size[1] / 10);
  return Math.abs(query[0] - tile[0]) < dx && Math.abs(query[1] - tile[1]) < dx && Math.abs(query[2] - tile[2]) < dy && Math.abs(query[3] - tile[3]) < dy;
}
