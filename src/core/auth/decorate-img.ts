import type { CoreRequest } from '../http.js';
import type { ImageResult } from '../image/image.js';
import type { QueryExtent } from './authorize.js';

/**
 * The services that offer their images to the hook, as MapProxy: WMS GetMap, TMS and /tiles, WMTS (not KML), and
 * OGC API as `ogcapi.map` for maps and tiles alike (MapProxy 7 draws its tiles as maps).
 */
export type DecoratedService = 'wms.map' | 'tms' | 'wmts' | 'ogcapi.map';

/**
 * MapProxy's `environ['mapproxy.decorate_img']`: may replace the image of a response before it is encoded
 * (a watermark per customer, a stamp). Must return an image; tiles answered as empty (no data, outside
 * `limited_to`) are not offered, as in MapProxy.
 */
export type DecorateImgFn = (
  image: ImageResult,
  service: DecoratedService,
  layers: string[],
  ctx: { request: CoreRequest; queryExtent: QueryExtent },
) => ImageResult | Promise<ImageResult>;
