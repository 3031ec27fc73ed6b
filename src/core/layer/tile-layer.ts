import type { Dimensions } from '../cache/cache.js';
import type { MapExtent } from '../geo/extent.js';
import type { TileCoord, TileGrid } from '../geo/grid.js';
import type { ImageFormat } from '../image/format.js';
import { blankImage } from '../image/blank.js';
import { ImageResult } from '../image/image.js';
import { detectedMimeType } from '../image/image-bytes.js';
import { imageFormat, servedMimeType } from '../image/format.js';
import type { TileManager } from '../tiles/tile-manager.js';
import type { CacheStatus } from '../tiles/tile.js';
import type { InfoSource } from '../source/info-query.js';
import type { LayerDimensions } from './layer-dimensions.js';
import type { LayerMetadata } from './layer-metadata.js';

export interface TileResponse {
  readonly data: Buffer;
  readonly mimeType: string;
  /** Seconds since the epoch; null when the store keeps no times. */
  readonly timestamp: number | null;
  readonly cacheable: boolean;
  /** hit, miss (created now) or stale (served because the source failed): the X-Cache header. */
  readonly cacheStatus: CacheStatus;
  /** The transparent stand-in for a tile no source has data for (never offered to decorate_img). */
  readonly empty?: boolean;
}

/** One (layer, grid) pair published through TMS, /tiles, WMTS and KML. */
export interface TileLayer {
  readonly name: string;
  readonly title: string;
  readonly md: LayerMetadata;
  readonly grid: TileGrid;
  readonly format: ImageFormat;
  readonly extent: MapExtent;
  /** The sources a WMTS GetFeatureInfo of this layer asks; empty or absent: not queryable. */
  readonly infoSources?: readonly InfoSource[];
  /** The dimensions the layer declares (`dimensions:`); absent or empty: none. */
  readonly dimensions?: LayerDimensions;
  getTile(coord: TileCoord, opts?: { dimensions?: Dimensions }): Promise<TileResponse>;
}

const PNG = imageFormat('image/png');

/** A tile layer served from a cache's tile manager for one grid. */
export class CacheTileLayer implements TileLayer {
  private blank: Promise<Buffer> | null = null;

  constructor(
    readonly name: string,
    readonly title: string,
    readonly md: LayerMetadata,
    private readonly manager: TileManager,
    readonly extent: MapExtent,
    readonly infoSources: readonly InfoSource[] = [],
    readonly dimensions?: LayerDimensions,
  ) {}

  get grid(): TileGrid {
    return this.manager.grid;
  }
  get format(): ImageFormat {
    return this.manager.format;
  }

  async getTile(coord: TileCoord, opts?: { dimensions?: Dimensions }): Promise<TileResponse> {
    const tile = await this.manager.loadTile(coord, opts?.dimensions);
    if (!tile.data) {
      // No source has data here: a transparent PNG of tile size, as MapProxy answers.
      return { data: await this.blankTile(), mimeType: "image/png", timestamp: tile.timestamp, cacheable: true, cacheStatus: tile.cacheStatus ?? 'miss', empty: true };
    }
    const mimeType = servedMimeType(this.format, detectedMimeType(tile.data));
    return { data: tile.data, mimeType, timestamp: tile.timestamp, cacheable: tile.cacheable, cacheStatus: tile.cacheStatus ?? 'miss' };
  }

  private blankTile(): Promise<Buffer> {
    this.blank ??= ImageResult.fromRaw(blankImage(this.grid.tileSize, { transparent: true }), { transparent: true }).encode(PNG);
    return this.blank;
  }
}
