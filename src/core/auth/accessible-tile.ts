import type { Dimensions } from '../cache/cache.js';
import type { TileCoord } from '../geo/grid.js';
import { servedMimeType } from '../image/format.js';
import { ImageResult } from '../image/image.js';
import { detectedMimeType } from '../image/image-bytes.js';
import type { TileLayer, TileResponse } from '../layer/tile-layer.js';
import { maskedTile, tilePlacement, transparentTile, type TileAccess } from './limited-tile.js';

/**
 * A tile as the hooks allow it (MapProxy's TileLayer.render with coverage and decorate_img): outside its
 * `limited_to` a transparent PNG without touching the cache; otherwise the tile, offered to decorate_img,
 * and when it straddles the `limited_to` masked to it and sent as PNG.
 */
export async function loadAccessibleTile(
  layer: TileLayer,
  coord: TileCoord,
  dimensions: Dimensions | undefined,
  access: TileAccess,
): Promise<TileResponse> {
  const bbox = layer.grid.tileBBox(coord);
  const placement = tilePlacement(access.limitedTo, layer.grid, bbox);
  if (placement === 'outside') {
    return { data: await transparentTile(layer.grid), mimeType: 'image/png', timestamp: Date.now() / 1000, cacheable: true, cacheStatus: 'hit', empty: true };
  }
  const tile = await layer.getTile(coord, dimensions ? { dimensions } : undefined);
  if (tile.empty || (!access.decorate && placement === 'inside')) return tile;
  let image = ImageResult.fromEncoded(tile.data, { transparent: layer.format.transparent ?? false });
  if (access.decorate) image = await access.decorate(image);
  if (placement === 'partly' && access.limitedTo) {
    return { ...tile, data: await maskedTile(image, access.limitedTo, layer.grid, bbox), mimeType: 'image/png' };
  }
  if (image.encodedBytes === tile.data) return tile;
  const data = await image.encode(layer.format);
  return { ...tile, data, mimeType: servedMimeType(layer.format, detectedMimeType(data)) };
}
