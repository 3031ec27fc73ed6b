import type { GridConfig, ProxyConfig } from '../config/types.js';
import { tileGrid, type TileGrid } from '../geo/grid.js';

/** Every configured grid (and the built-ins) as a TileGrid, by configuration key. */
export function buildGrids(config: ProxyConfig): Map<string, TileGrid> {
  const grids = new Map<string, TileGrid>();
  const building = new Set<string>();
  const build = (key: string): TileGrid => {
    const existing = grids.get(key);
    if (existing) return existing;
    const conf: GridConfig | undefined = config.grids[key];
    if (!conf) throw new Error(`grid '${key}' is not defined`);
    if (building.has(key)) throw new Error(`grids.${key}: align_resolutions_with forms a cycle`);
    building.add(key);
    const grid = tileGrid({
      name: conf.name,
      srs: conf.srs,
      bbox: conf.bbox,
      bboxSrs: conf.bboxSrs,
      tileSize: conf.tileSize,
      origin: conf.origin,
      res: conf.res,
      resFactor: conf.resFactor,
      minRes: conf.minRes,
      maxRes: conf.maxRes,
      numLevels: conf.numLevels,
      thresholdRes: conf.thresholdRes,
      stretchFactor: conf.stretchFactor,
      maxShrinkFactor: conf.maxShrinkFactor,
      alignResolutionsWith: conf.alignResolutionsWith ? build(conf.alignResolutionsWith) : undefined,
    });
    building.delete(key);
    grids.set(key, grid);
    return grid;
  };
  for (const key of Object.keys(config.grids)) build(key);
  return grids;
}
