import type { BBox } from '../geo/bbox.js';
import type { TileCoord } from '../geo/grid.js';
import type { CoreRequest } from '../http.js';
import type { TileLayer } from '../layer/tile-layer.js';
import type { QueryExtent } from './authorize.js';
import type { TileAccess } from './limited-tile.js';
import { authorizeTileLayer } from './tile-layers.js';

/**
 * What a tile service hands to loadPublishedTile: asks the hook about the layer with the tile's extent
 * (in the grid's SRS) and wraps decorate_img for this tile. Undefined when the request has no hooks, so
 * unprotected deployments take the plain path. KML tiles are never decorated, as in MapProxy. OGC API tiles from
 * a cache ask `ogcapi.tile`.
 */
export function tileAccessFor(
  req: CoreRequest,
  service: 'tms' | 'kml' | 'wmts' | 'ogcapi.tile',
  layer: TileLayer,
): ((coord: TileCoord, bbox: BBox) => Promise<TileAccess>) | undefined {
  const hooks = req.hooks;
  if (!hooks?.authorize && !hooks?.decorateImg) return undefined;
  return async (_coord, bbox) => {
    const queryExtent: QueryExtent = [layer.grid.srs.code, bbox];
    const limitedTo = await authorizeTileLayer(req, service, layer.name, queryExtent);
    const decorateImg = hooks.decorateImg;
    if (!decorateImg || service === 'kml') return { limitedTo };
    // OGC API tiles are offered as `ogcapi.map`, as MapProxy 7 (which draws every tile as a map) offers them
    const decorated = service === 'ogcapi.tile' ? 'ogcapi.map' : service;
    return { limitedTo, decorate: async (image) => decorateImg(image, decorated, [layer.name], { request: req, queryExtent }) };
  };
}
