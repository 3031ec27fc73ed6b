import type { CoreResponse } from '../../http.js';
import { landingHtml } from './html-pages.js';
import { checkDocFormat, checkParams, MIME } from './negotiation.js';
import type { Published } from './published.js';
import type { Link, OgcRequest } from './request-context.js';

const LANDING = 'the landing page for this OGC (geospatial) API Service providing links to the API definition, the conformance declaration and information about the data collections offered at this endpoint.';
const CONFORMANCE = 'The JSON representation of the conformance declaration for this server listing the requirement classes implemented by this server';
const DATA = 'the list of all data collections served from this endpoint';

/** `/ogcapi`: links to the API definition, conformance, collections, dataset maps and tile matrix sets (MapProxy 7's order). */
export function landingPage(pub: Published, ctx: OgcRequest): CoreResponse {
  checkParams(ctx.params, ['f']);
  checkDocFormat(ctx.params);
  const opts = pub.opts;
  const links: Link[] = [
    ...ctx.selfLinks('', LANDING),
    { rel: 'conformance', type: MIME.json, title: CONFORMANCE, href: ctx.href('/conformance?f=json') },
    { rel: 'http://www.opengis.net/def/rel/ogc/1.0/conformance', type: MIME.json, title: CONFORMANCE, href: ctx.href('/conformance?f=json') },
    { rel: 'http://www.opengis.net/def/rel/ogc/1.0/conformance', type: MIME.html, title: CONFORMANCE.replace('JSON', 'HTML'), href: ctx.href('/conformance?f=html') },
    { rel: 'service-desc', type: MIME.openapi, title: 'The JSON OpenAPI 3.0 document that describes the API offered at this endpoint', href: ctx.href('/api?f=json') },
    { rel: 'service-doc', type: MIME.html, title: 'The HTML documentation of the API offered at this endpoint', href: ctx.href('/api?f=html') },
  ];
  for (const rel of ['data', 'http://www.opengis.net/def/rel/ogc/1.0/data']) {
    links.push(
      { rel, type: MIME.json, title: `The JSON representation of ${DATA}`, href: ctx.href('/collections?f=json') },
      { rel, type: MIME.html, title: `The HTML representation of ${DATA}`, href: ctx.href('/collections?f=html') },
    );
  }
  const doc: Record<string, unknown> = { links };
  if (opts.enableMaps && pub.hasDataset) {
    if (ctx.html) doc['has_dataset_map'] = true;
    links.push(
      { rel: 'http://www.opengis.net/def/rel/ogc/1.0/map', type: MIME.png, title: 'Default map of the whole dataset (as PNG)', href: ctx.href('/map.png') },
      { rel: 'http://www.opengis.net/def/rel/ogc/1.0/map', type: MIME.jpeg, title: 'Default map of the whole dataset (as JPEG)', href: ctx.href('/map.jpg') },
    );
  }
  if (opts.enableTiles && pub.tileMatrixSets.size > 0) {
    if (ctx.html) doc['tile'] = true;
    links.push(
      { rel: 'http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes', type: MIME.json, title: 'The list of supported tiling schemes (as JSON)', href: ctx.href('/tileMatrixSets?f=json') },
      { rel: 'http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes', type: MIME.html, title: 'The list of supported tiling schemes (as HTML)', href: ctx.href('/tileMatrixSets?f=html') },
    );
  }
  if (ctx.html && pub.collections.size > 0) doc['collection'] = true;
  return ctx.respond(doc, landingHtml);
}
