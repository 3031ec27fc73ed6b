import type { CoreResponse } from '../../http.js';
import type { MapExtent } from '../../geo/extent.js';
import { gridCrsUri } from './crs.js';
import { tileMatrixSetHtml, tileMatrixSetsHtml, tilesetHtml, tilesetsHtml, type PageMap } from './html-pages.js';
import { checkDocFormat, checkParams, MIME } from './negotiation.js';
import type { Published } from './published.js';
import type { Link, OgcRequest } from './request-context.js';
import { tileMatrixSetDocument, type TileMatrixSet } from './tile-matrix-sets.js';

/** A collection's tilesets live below `/collections/{id}`, the dataset's below `/ogcapi` itself. */
export interface TilesetScope {
  /** The path prefix of its resources: `/collections/{id}` or ''. */
  readonly base: string;
  readonly collection: { id: string; title: string } | null;
  readonly extent: MapExtent;
}

function tilesetDocument(ctx: OgcRequest, scope: TilesetScope, tms: TileMatrixSet): Record<string, unknown> {
  const id = scope.collection?.id;
  const titleEnd = id ? `for ${id}` : 'for the whole dataset';
  const doc: Record<string, unknown> = { title: id ? `${id} with ${tms.id} tile matrix set` : `Whole dataset with ${tms.id} tile matrix set` };
  if (tms.uri) doc['tileMatrixSetURI'] = tms.uri;
  doc['dataType'] = 'map';
  doc['crs'] = gridCrsUri(tms.grid.srs);
  const path = `${scope.base}/map/tiles/${tms.id}`;
  const links: Link[] = [
    { rel: 'http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme', type: MIME.json, title: `${tms.id} definition (as JSON)`, href: ctx.href(`/tileMatrixSets/${tms.id}?f=json`) },
    { rel: 'http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme', type: MIME.html, title: `${tms.id} definition (as HTML)`, href: ctx.href(`/tileMatrixSets/${tms.id}?f=html`) },
    { rel: ctx.html ? 'alternate' : 'self', type: MIME.json, title: `${tms.id} map tileset ${titleEnd} (as JSON)`, href: ctx.href(`${path}?f=json`) },
    { rel: ctx.html ? 'self' : 'alternate', type: MIME.html, title: `${tms.id} map tileset ${titleEnd} (as HTML)`, href: ctx.href(`${path}?f=html`) },
    { rel: 'item', type: MIME.png, title: `${tms.id} map tiles ${titleEnd} (as PNG)`, href: ctx.href(`${path}/{tileMatrix}/{tileRow}/{tileCol}.png`), templated: true },
    { rel: 'item', type: MIME.jpeg, title: `${tms.id} map tiles ${titleEnd} (as JPEG)`, href: ctx.href(`${path}/{tileMatrix}/{tileRow}/{tileCol}.jpg`), templated: true },
  ];
  if (id) {
    links.push(
      { rel: 'http://www.opengis.net/def/rel/ogc/1.0/geodata', type: MIME.json, title: `${id} collection (as JSON)`, href: ctx.href(`${scope.base}?f=json`) },
      { rel: 'http://www.opengis.net/def/rel/ogc/1.0/geodata', type: MIME.html, title: `${id} collection (as HTML)`, href: ctx.href(`${scope.base}?f=html`) },
    );
  }
  doc['links'] = links;
  if (ctx.html) doc['tileMatrixSet'] = tms.id;
  return doc;
}

/** `…/map/tiles`: one tileset per tile matrix set of the layer's celestial body (MapProxy 7 parts Earth from the others). */
export function tilesets(pub: Published, ctx: OgcRequest, scope: TilesetScope): CoreResponse {
  checkParams(ctx.params, ['f']);
  checkDocFormat(ctx.params);
  const titleEnd = scope.collection ? `for ${scope.collection.id}` : 'for the whole dataset';
  const doc = {
    links: ctx.selfLinks(`${scope.base}/map/tiles`, `the available map tilesets ${titleEnd}`),
    // only the tile matrix sets of the layer's world: Earth grids for an Earth layer, Moon grids for a Moon one
    tilesets: [...pub.tileMatrixSets.values()]
      .filter((tms) => tms.grid.srs.body === scope.extent.srs.body)
      .map((tms) => tilesetDocument(ctx, scope, tms)),
  };
  return ctx.respond(doc, tilesetsHtml(scope.base, scope.collection));
}

/** `…/map/tiles/{tileMatrixSetId}`, with the Link-Template header of Tiles' recommendation 5.A. */
export function tileset(pub: Published, ctx: OgcRequest, scope: TilesetScope, tmsId: string): CoreResponse {
  checkParams(ctx.params, ['f']);
  checkDocFormat(ctx.params);
  const tms = pub.tileMatrixSet(tmsId);
  const doc = tilesetDocument(ctx, scope, tms);
  const tilesetUrl = ctx.href(`${scope.base}/map/tiles/${tms.id}`);
  const grid = tms.grid;
  let extent: readonly number[] = grid.bbox;
  try {
    extent = scope.extent.bboxFor(grid.srs);
  } catch {
    // the grid's own bbox then
  }
  const map: PageMap = {
    srs: grid.srs.code,
    extent,
    units: grid.srs.isLatLong ? 'degrees' : 'm',
    // PNG, the format of the caches behind the tiles: OpenLayers would otherwise take the last item link (JPEG)
    layerJs: `new ol.layer.Tile({source: new ol.source.OGCMapTile({url: ${JSON.stringify(tilesetUrl)}, projection, mediaType: 'image/png'})})`,
  };
  const template = `<${tilesetUrl}/{tileMatrix}/{tileRow}/{tileCol}.png>; rel="item"; type="image/png"`;
  return ctx.respond(doc, tilesetHtml(scope.base, scope.collection, tms.id, map), 200, { 'Link-Template': template });
}

/** `/tileMatrixSets`. */
export function tileMatrixSetList(pub: Published, ctx: OgcRequest): CoreResponse {
  checkParams(ctx.params, ['f']);
  checkDocFormat(ctx.params);
  const sets = [...pub.tileMatrixSets.values()].map((tms) => ({
    id: tms.id,
    title: tms.id,
    ...(tms.uri ? { uri: tms.uri } : {}),
    links: ctx.selfLinks(`/tileMatrixSets/${tms.id}`, `the ${tms.id} tiling scheme definition`),
  }));
  return ctx.respond({ tileMatrixSets: sets }, tileMatrixSetsHtml);
}

/** `/tileMatrixSets/{id}`: the 2D TMS 2.0 document. */
export function tileMatrixSet(pub: Published, ctx: OgcRequest, id: string): CoreResponse {
  checkParams(ctx.params, ['f']);
  checkDocFormat(ctx.params);
  return ctx.respond(tileMatrixSetDocument(pub.tileMatrixSet(id)), tileMatrixSetHtml);
}
