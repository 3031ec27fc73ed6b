import { bboxEquals, bboxHeight, bboxIntersection, bboxWidth, type BBox, type Size } from '../geo/bbox.js';
import type { MapExtent } from '../geo/extent.js';
import type { ResolutionRange } from '../geo/resolution-range.js';
import { NoTilesError } from '../geo/grid.js';
import type { SRS } from '../geo/srs.js';
import { blankImage } from '../image/blank.js';
import { ImageResult } from '../image/image.js';
import type { RawImage, Resampling } from '../image/raw-image.js';
import { pasteImage, stitchTiles } from '../image/split.js';
import { resample, warp } from '../image/transform.js';
import type { MapQuery, MapSource } from '../source/source.js';
import { selectSrs, type PreferredSrcProj } from '../geo/srs-selection.js';
import type { TileManager } from '../tiles/tile-manager.js';
import { MapQueryError, type MapLayer } from './map-layer.js';

export interface CacheMapLayerOptions {
  /** One tile manager per grid of the cache (MapProxy's SRSConditional over them). */
  readonly managers: readonly TileManager[];
  readonly extent: MapExtent;
  readonly transparent: boolean;
  readonly opacity?: number;
  readonly resRange?: ResolutionRange;
  readonly maxTileLimit: number;
  readonly resampling: Resampling;
  readonly preferredSrcProj?: PreferredSrcProj;
}

/**
 * A cache drawn as a map: pick the grid for the query SRS, load (or create) the affected tiles,
 * stitch them and scale or warp to the query. Also usable as the source of another cache.
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
    const grid = manager.grid;

    // Only the part of the query inside the grid is rendered, at the proportional size, then pasted.
    const gridBBoxInQuery = grid.srs.equals(query.srs) ? grid.bbox : grid.srs.transformBBoxTo(query.srs, grid.bbox);
    const inside = bboxIntersection(query.bbox, gridBBoxInQuery);
    if (!inside) return null;
    if (!bboxEquals(inside, query.bbox, 1e-9)) {
      const [w, h] = query.size;
      const fx = w / bboxWidth(query.bbox);
      const fy = h / bboxHeight(query.bbox);
      const px0 = Math.round((inside[0] - query.bbox[0]) * fx);
      const px1 = Math.round((inside[2] - query.bbox[0]) * fx);
      const py0 = Math.round((query.bbox[3] - inside[3]) * fy);
      const py1 = Math.round((query.bbox[3] - inside[1]) * fy);
      const subSize: Size = [px1 - px0, py1 - py0];
      if (subSize[0] <= 0 || subSize[1] <= 0) return null;
      const subBBox: BBox = [
        query.bbox[0] + px0 / fx,
        query.bbox[3] - py1 / fy,
        query.bbox[0] + px1 / fx,
        query.bbox[3] - py0 / fy,
      ];
      const part = await this.render(manager, { ...query, bbox: subBBox, size: subSize });
      if (!part) return null;
      const canvas = blankImage(query.size, { transparent: true });
      pasteImage(canvas, await part.raw(), px0, py0);
      return ImageResult.fromRaw(canvas, { transparent: true, cacheable: part.cacheable });
    }
    return this.render(manager, query);
  }

  private async render(manager: TileManager, query: MapQuery): Promise<ImageResult | null> {
    const grid = manager.grid;
    let affected;
    try {
      affected = grid.affectedTiles(query.bbox, query.size, query.srs);
    } catch (err) {
      // Outside the grid, or far coarser than its first level: nothing to draw (MapProxy's BlankImage).
      if (err instanceof NoTilesError) return null;
      throw err;
    }
    if (affected.tiles.length > this.opts.maxTileLimit) {
      throw new MapQueryError(
        `Request too large or invalid BBOX. (too many tiles: ${affected.tiles.length} > ${this.opts.maxTileLimit})`,
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

    const raws: (RawImage | null)[] = await Promise.all(
      tiles.map((t) => (t?.data ? ImageResult.fromEncoded(t.data).raw() : null)),
    );
    const stitched = stitchTiles(raws, affected.gridSize, grid.tileSize);
    const out = grid.srs.equals(query.srs)
      ? resample(stitched, affected.bbox, query.bbox, query.size, this.opts.resampling)
      : warp(
          stitched,
          affected.bbox,
          query.bbox,
          query.size,
          (pts) => query.srs.transformTo(grid.srs, pts),
          this.opts.resampling,
        );
    return ImageResult.fromRaw(out, { transparent: this.opts.transparent, cacheable });
  }
}
