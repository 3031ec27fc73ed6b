import { getSRS } from '../../geo/srs.js';
import { resToOgcScale } from '../../geo/resolution-range.js';
import type { CoreResponse } from '../../http.js';
import type { WmsLayer } from '../../layer/wms-layer.js';
import { CRS84_URI, ogcCrsUri } from '../../geo/ogc-crs-uri.js';
import { defaultCoordinateCrs } from './crs.js';
import { collectionHtml, collectionsHtml, type PageMap } from './html-pages.js';
import { checkDocFormat, checkParams, MIME } from './negotiation.js';
import type { Published } from './published.js';
import type { Link, OgcRequest } from './request-context.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** `attribution` (markdown with the logo when configured) from the layer's md.attribution, as MapProxy 7. */
function attribution(layer: WmsLayer): { attribution: string; attributionMediaType?: string } | null {
  const a = layer.md['attribution'] as Record<string, unknown> | undefined;
  const title = str(a?.['title']);
  if (!a || !title) return null;
  const url = str(a['url']);
  if (!url) return { attribution: title };
  const logo = str((a['logo'] as Record<string, unknown> | undefined)?.['url']);
  return { attribution: logo ? `[![${title}](${logo})](${url})` : `[${title}](${url})`, attributionMediaType: 'text/markdown' };
}

/** One collection's description: extent in CRS84 (and its storage CRS), CRS list, links to maps and tilesets. */
export function collectionDocument(pub: Published, ctx: OgcRequest, id: string, layer: WmsLayer): Record<string, unknown> {
  const col: Record<string, unknown> = { dataType: 'map', id, title: layer.title };
  const abstract = str(layer.md['abstract']);
  if (abstract) col['description'] = abstract;
  const attr = attribution(layer);
  if (attr) Object.assign(col, attr);
  const extent = layer.extent;
  // OGC API Common: the extent in CRS84, or for another world in its geographic CRS, named in `crs`
  const bboxSrs = defaultCoordinateCrs(extent.srs);
  const earth = bboxSrs.code === 'CRS:84';
  // transformed world extents come back a few ulps outside ±180: clients that reproject them would wrap around
  const ll = extent.bboxFor(bboxSrs);
  const spatial: Record<string, unknown> = { bbox: [[Math.max(ll[0], -180), Math.max(ll[1], -90), Math.min(ll[2], 180), Math.min(ll[3], 90)]] };
  if (!earth) spatial['crs'] = ogcCrsUri(bboxSrs.code);
  if (!extent.srs.equals(bboxSrs)) spatial['storageCrsBbox'] = [[...extent.bbox]];
  col['extent'] = { spatial };
  const mapCrs = pub.opts.mapSrs.filter((s) => s.toUpperCase() !== 'EPSG:4326').map(ogcCrsUri);
  col['crs'] = earth ? [CRS84_URI, ogcCrsUri('EPSG:4326'), ...mapCrs] : mapCrs;
  col['storageCrs'] = extent.srs.code === 'EPSG:4326' ? CRS84_URI : ogcCrsUri(extent.srs.code);
  const path = `/collections/${encodeURIComponent(id)}`;
  const links: Link[] = ctx.selfLinks(path, 'this data collection');
  if (pub.opts.enableMaps) {
    links.push(
      { rel: 'http://www.opengis.net/def/rel/ogc/1.0/map', type: MIME.png, title: 'Default map (as PNG)', href: ctx.href(`${path}/map.png`) },
      { rel: 'http://www.opengis.net/def/rel/ogc/1.0/map', type: MIME.jpeg, title: 'Default map (as JPEG)', href: ctx.href(`${path}/map.jpg`) },
    );
  }
  if (pub.opts.enableTiles) {
    links.push(
      { rel: 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-map', type: MIME.json, title: 'Map tilesets available for this collection (as JSON)', href: ctx.href(`${path}/map/tiles?f=json`) },
      { rel: 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-map', type: MIME.html, title: 'Map tilesets available for this collection (as HTML)', href: ctx.href(`${path}/map/tiles?f=html`) },
    );
  }
  col['links'] = links;
  // MapProxy's max_res is the smallest cell the layer is drawn at: OGC's minCellSize (and min_res its maxCellSize)
  const range = layer.resRange;
  if (range?.maxRes) Object.assign(col, { minCellSize: range.maxRes, minScaleDenominator: resToOgcScale(range.maxRes) });
  if (range?.minRes) Object.assign(col, { maxCellSize: range.minRes, maxScaleDenominator: resToOgcScale(range.minRes) });
  return col;
}

export function collections(pub: Published, ctx: OgcRequest): CoreResponse {
  checkParams(ctx.params, ['f']);
  checkDocFormat(ctx.params);
  const doc = {
    collections: [...pub.collections].map(([id, layer]) => collectionDocument(pub, ctx, id, layer)),
    links: ctx.selfLinks('/collections', 'the list of all data collections served from this endpoint'),
  };
  return ctx.respond(doc, collectionsHtml);
}

/**
 * The map of a collection page: the collection's map endpoint as an image layer in the first map CRS that
 * OpenLayers knows without definitions (EPSG:3857 or EPSG:4326), fit to the layer's extent.
 */
function pageMap(pub: Published, ctx: OgcRequest, id: string, layer: WmsLayer): PageMap | null {
  if (!pub.opts.enableMaps) return null;
  const srs = pub.opts.mapSrs.map((s) => s.toUpperCase()).find((s) => s === 'EPSG:3857' || s === 'EPSG:4326');
  if (!srs) return null;
  let extent;
  try {
    extent = layer.extent.bboxFor(getSRS(srs));
  } catch {
    return null;
  }
  const url = ctx.href(`/collections/${encodeURIComponent(id)}/map`);
  return {
    srs,
    extent,
    units: srs === 'EPSG:4326' ? 'degrees' : 'm',
    layerJs: `new ol.layer.Image({source: new ol.source.ImageWMS({url: ${JSON.stringify(url)}, projection, params: {VERSION: '1.1.1', TRANSPARENT: true}, ratio: 1})})`,
  };
}

export function collection(pub: Published, ctx: OgcRequest, id: string): CoreResponse {
  checkParams(ctx.params, ['f']);
  checkDocFormat(ctx.params);
  const layer = pub.collection(id);
  return ctx.respond(collectionDocument(pub, ctx, id, layer), collectionHtml(ctx.html ? pageMap(pub, ctx, id, layer) : null));
}
