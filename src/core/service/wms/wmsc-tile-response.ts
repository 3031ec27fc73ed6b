import type { CoreRequest, CoreResponse } from '../../http.js';
import type { ImageFormat } from '../../image/format.js';
import type { ImageResult } from '../../image/image.js';
import { tileResponse } from '../tile-response.js';

/**
 * A stored tile that a WMS-C GetMap passes through unchanged goes out as the tile services send tiles: ETag
 * and Last-Modified of the stored tile, public max-age, 304 to a matching conditional request (MapProxy sets
 * these only when the merged map is still the tile it loaded, which is when `tileInfo` survives).
 */
export async function wmscTileResponse(req: CoreRequest, tile: ImageResult, format: ImageFormat, maxAge: number | undefined): Promise<CoreResponse> {
  const info = tile.tileInfo!;
  const data = await tile.encode(format);
  return tileResponse(
    req,
    { data, contentType: format.mimeType, timestamp: info.timestamp, size: info.size, cacheable: tile.cacheable },
    { ...(maxAge !== undefined ? { maxAge } : {}), noCacheWhenUncacheable: true },
  );
}
