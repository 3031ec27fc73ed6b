import type { CacheConfig } from '../config/types.js';
import type { TileGrid } from '../geo/grid.js';
import { MetaGrid } from '../geo/meta-grid.js';
import { TileWatermark } from '../image/watermark.js';
import type { MapSource } from '../source/source.js';
import type { TileManagerOptions } from '../tiles/tile-options.js';

type CreationOptions = Pick<TileManagerOptions, 'metaGrid' | 'bulkMetaTiles' | 'watermark' | 'rescale'>;

/**
 * How the tiles of a cache on `grid` are created, as MapProxy's TileManager sets it up: meta tiles when every
 * source draws them (meta_size or meta_buffer); for sources that do not (tile sources) `bulk_meta_tiles` asks
 * for the tiles of a meta tile one by one under its lock; the watermark and the rescaling of missing tiles.
 */
export function tileCreationOptions(conf: CacheConfig, sources: readonly MapSource[], grid: TileGrid): CreationOptions {
  const metaSized = conf.metaSize[0] !== 1 || conf.metaSize[1] !== 1;
  const out: { -readonly [K in keyof CreationOptions]: CreationOptions[K] } = { metaGrid: null };
  if ((metaSized || conf.metaBuffer > 0) && sources.length > 0) {
    if (sources.every((s) => s.supportsMetaTiles)) out.metaGrid = new MetaGrid(grid, conf.metaSize, conf.metaBuffer);
    else if (metaSized && conf.bulkMetaTiles && !sources.some((s) => s.supportsMetaTiles)) {
      out.metaGrid = new MetaGrid(grid, conf.metaSize, 0);
      out.bulkMetaTiles = true;
    }
  }
  if (conf.watermark) out.watermark = new TileWatermark(conf.watermark);
  if (conf.rescaleTiles) out.rescale = { levels: conf.rescaleTiles, store: conf.cacheRescaledTiles, resampling: conf.image.resampling };
  return out;
}
