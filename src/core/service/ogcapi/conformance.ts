import type { CoreResponse } from '../../http.js';
import { conformanceHtml } from './html-pages.js';
import { checkDocFormat, checkParams } from './negotiation.js';
import type { Published } from './published.js';
import type { OgcRequest } from './request-context.js';

const COMMON = 'http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/';
const MAPS = 'http://www.opengis.net/spec/ogcapi-maps-1/1.0/conf/';
const TILES = 'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/';

/** The requirement classes implemented, by what is enabled (MapProxy 7's list). */
export function conformsTo(pub: Published): string[] {
  const { enableMaps, enableTiles, defaultDatasetLayers } = pub.opts;
  const out = [
    ...['core', 'html', 'json', 'landing-page', 'oas30'].map((c) => COMMON + c),
    'http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections',
  ];
  if (enableMaps) {
    out.push(...['core', 'scaling', 'spatial-subsetting', 'crs', 'display-resolution', 'background', 'collection-map', 'collections-selection', 'png', 'jpeg'].map((c) => MAPS + c));
    if (defaultDatasetLayers) out.push(MAPS + 'dataset-map');
    if (enableTiles) out.push(MAPS + 'tilesets');
  }
  if (enableTiles) {
    out.push(...['core', 'oas30', 'tileset', 'tilesets-list', 'geodata-tilesets'].map((c) => TILES + c));
    if (defaultDatasetLayers) out.push(TILES + 'dataset-tilesets');
  }
  return out;
}

export function conformance(pub: Published, ctx: OgcRequest): CoreResponse {
  checkParams(ctx.params, ['f']);
  checkDocFormat(ctx.params);
  return ctx.respond({ conformsTo: conformsTo(pub) }, conformanceHtml);
}
