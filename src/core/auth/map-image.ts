import type { Coverage } from '../geo/coverage.js';
import type { CoreRequest } from '../http.js';
import type { CanvasOptions } from '../image/blank.js';
import { clipToCoverage } from '../image/clip.js';
import type { ImageResult } from '../image/image.js';
import { mergeImages } from '../image/merge.js';
import type { RawImage } from '../image/raw-image.js';
import type { MapQuery } from '../source/source.js';
import type { MapAuthService } from './map-authorization.js';

/**
 * The merged map cut to the hook's global `limited_to`: outside it the request's background shows (transparent
 * or bgcolor), as MapProxy's LayerMerger pastes the masked map onto a fresh canvas.
 */
export async function clipMergedMap(merged: RawImage, coverage: Coverage, query: MapQuery, canvas: CanvasOptions): Promise<RawImage> {
  const masked = clipToCoverage(merged, coverage, query.bbox, query.size, query.srs);
  return masked === merged ? merged : mergeImages([{ image: masked }], query.size, canvas);
}

/**
 * decorate_img for a GetMap (`wms.map`, the drawn layers, the query's extent); the image itself without a hook.
 * OGC API maps and drawn tiles are offered as `ogcapi.map`, as MapProxy 7 offers them.
 */
export async function decorateMap(
  request: CoreRequest | undefined,
  image: ImageResult,
  layers: string[],
  query: MapQuery,
  service: MapAuthService = 'wms.map',
): Promise<ImageResult> {
  const decorate = request?.hooks?.decorateImg;
  if (!decorate) return image;
  return decorate(image, service === 'wms.map' ? 'wms.map' : 'ogcapi.map', layers, { request, queryExtent: [query.srs.code, query.bbox] });
}
