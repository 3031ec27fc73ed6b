import type { BBox } from '../geo/bbox.js';
import type { Coverage } from '../geo/coverage.js';
import type { TileGrid } from '../geo/grid.js';
import { blankImage } from '../image/blank.js';
import { clipToCoverage } from '../image/clip.js';
import { imageFormat } from '../image/format.js';
import { ImageResult } from '../image/image.js';

/** How the hooks change one tile: the area it may show, and the image hook. */
export interface TileAccess {
  /** Null: no limit. */
  readonly limitedTo: Coverage | null;
  /** MapProxy's decorate_img for this tile (absent for KML, which MapProxy never decorates). */
  readonly decorate?: (image: ImageResult) => Promise<ImageResult>;
}

/** Where a tile stands against a `limited_to`: inside (served as is), partly (masked) or outside (empty). */
export type TilePlacement = 'inside' | 'partly' | 'outside';

export function tilePlacement(coverage: Coverage | null, grid: TileGrid, bbox: BBox): TilePlacement {
  if (!coverage || coverage.contains(bbox, grid.srs)) return 'inside';
  return coverage.intersects(bbox, grid.srs) ? 'partly' : 'outside';
}

const PNG = imageFormat('image/png');

/** MapProxy's empty_response (empty_response_as_png): a transparent PNG of tile size. */
export function transparentTile(grid: TileGrid): Promise<Buffer> {
  return ImageResult.fromRaw(blankImage(grid.tileSize, { transparent: true }), { transparent: true }).encode(PNG);
}

/**
 * A tile partly outside its `limited_to`: everything outside becomes transparent and the tile is sent as PNG
 * whatever its format (MapProxy's mask_image_result_from_coverage with empty_response_as_png).
 */
export async function maskedTile(image: ImageResult, coverage: Coverage, grid: TileGrid, bbox: BBox): Promise<Buffer> {
  const raw = clipToCoverage(await image.raw(), coverage, bbox, grid.tileSize, grid.srs);
  return ImageResult.fromRaw(raw, { transparent: true }).encode(PNG);
}
