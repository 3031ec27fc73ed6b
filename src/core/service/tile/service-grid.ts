import type { BBox } from '../../geo/bbox.js';
import { bboxUnion } from '../../geo/bbox.js';
import type { TileCoord, TileGrid } from '../../geo/grid.js';

export type TmsProfile = 'global-mercator' | 'global-geodetic' | 'local';

/**
 * A grid as the tile services publish it (MapProxy's TileServiceGrid). TMS "profiles": the
 * default global grids start with 2 (geodetic) or 4 (mercator) tiles at TMS level 0, which is
 * our level 1. Grids with a √2 resolution factor publish only even levels.
 */
export class TileServiceGrid {
  readonly profile: TmsProfile;
  /** SRS as written in TMS documents ('OSGEO:41001' for global-mercator, as TMS 1.0.0 requires). */
  readonly srsName: string;
  readonly skipFirstLevel: boolean;
  readonly skipOddLevel: boolean;

  constructor(readonly grid: TileGrid) {
    const profile = grid.tmsProfile();
    this.profile = profile ?? 'local';
    this.srsName = profile === 'global-mercator' ? 'OSGEO:41001' : profile === 'global-geodetic' ? 'EPSG:4326' : grid.srs.code;
    this.skipFirstLevel = profile !== null;
    this.skipOddLevel = grid.levels > 1 && grid.resolutions[0]! / grid.resolutions[1]! === Math.SQRT2;
  }

  /** Public coord → grid coord (same origin), or null outside the grid. `useProfiles` only for /tms. */
  internalTileCoord(coord: TileCoord, useProfiles: boolean): TileCoord | null {
    let [x, y, z] = coord;
    if (z < 0) return null;
    if (useProfiles && this.skipFirstLevel) z += 1;
    if (this.skipOddLevel) z *= 2;
    return this.grid.limitTile([x, y, z]);
  }

  /** The level MapProxy's internal_level gives for a published TMS level. */
  internalLevel(level: number): number {
    let l = level;
    if (this.skipFirstLevel) {
      l += 1;
      if (this.skipOddLevel) l += 1;
    }
    if (this.skipOddLevel) l *= 2;
    return l;
  }

  /** Bbox of all tiles of the first published level: where the published tile rows and columns begin. */
  get bbox(): BBox {
    const level = Math.min(this.internalLevel(0), this.grid.levels - 1);
    const [nx, ny] = this.grid.gridSize(level);
    return bboxUnion(this.grid.tileBBox([0, 0, level]), this.grid.tileBBox([nx - 1, ny - 1, level]));
  }

  /** Published TMS tile sets: [order, resolution]. */
  get tileSets(): [number, number][] {
    const start = this.skipFirstLevel ? (this.skipOddLevel ? 2 : 1) : 0;
    const step = this.skipOddLevel ? 2 : 1;
    const sets: [number, number][] = [];
    for (let level = start, order = 0; level < this.grid.levels; level += step, order++) {
      sets.push([order, this.grid.resolutions[level]!]);
    }
    return sets;
  }
}
