import type { CoreResponse } from '../../http.js';
import { serviceResponse } from '../response.js';
import { apiHtml } from './html-pages.js';
import { OgcApiError } from './errors.js';
import { checkDocFormat, checkParams, MIME } from './negotiation.js';
import type { Published } from './published.js';
import type { OgcRequest } from './request-context.js';

/** The OGC bundles whose parameters and responses the document refers to (as MapProxy 7's). */
const MAPS = 'https://schemas.opengis.net/ogcapi/maps/part1/1.0/openapi/ogcapi-maps-1.bundled.json';
const TILES = 'https://schemas.opengis.net/ogcapi/tiles/part1/1.0/openapi/ogcapi-tiles-1.bundled.json';

/** The version the document's `info.version` reports. */
export const API_VERSION = '7.0.0';

type Json = Record<string, unknown>;
const ref = (target: string): Json => ({ $ref: target });
const local = (name: string): Json => ref(`#/components/parameters/${name}`);

function responses(bundle: string, ok: string, extra: Record<string, string> = {}): Json {
  const out: Json = { '200': ref(`${bundle}#/components/responses/${ok}`) };
  for (const [code, name] of Object.entries(extra)) out[code] = ref(`${bundle}#/components/responses/${name}`);
  out['400'] = ref(`${bundle}#/components/responses/InvalidParameter`);
  out['500'] = ref(`${bundle}#/components/responses/ServerError`);
  return out;
}

function get(summary: string, description: string, operationId: string, parameters: Json[], res: Json): Json {
  return { get: { summary, description, tags: ['server'], operationId, parameters, responses: res } };
}

const mapParams = (first: Json[]): Json[] => [
  ...first,
  local('f_img'),
  local('width'),
  local('height'),
  ...['crs', 'bbox', 'bbox-crs', 'center', 'center-crs', 'subset', 'subset-crs', 'scale-denominator', 'bgcolor', 'transparent', 'mm-per-pixel'].map((n) => ref(`${MAPS}#/components/parameters/${n}`)),
];

const tileParams = (first: Json[], maps: boolean): Json[] => [
  ...first,
  local('tileMatrixSetId'),
  ...['tileMatrix', 'tileRow', 'tileCol'].map((n) => ref(`${TILES}#/components/parameters/${n}`)),
  ref(`${MAPS}#/components/parameters/bgcolor`),
  local('f_img'),
  ...(maps ? [ref(`${MAPS}#/components/parameters/scale-denominator`), ref(`${MAPS}#/components/parameters/transparent`), ref(`${MAPS}#/components/parameters/mm-per-pixel`), local('width'), local('height')] : []),
];

/** The OpenAPI 3.0 document of this API: the paths enabled here, parameters local and from the OGC bundles. */
export function openApiDocument(pub: Published, ctx: OgcRequest): Json {
  const { enableMaps, enableTiles, defaultDatasetLayers, maxOutputPixels, md } = pub.opts;
  const identification = (md['identification'] ?? {}) as Json;
  const info: Json = { version: API_VERSION, title: identification['title'] ?? 'OGCAPI implementation' };
  if (identification['description']) info['description'] = identification['description'];
  if (identification['keywords']) info['x-keywords'] = identification['keywords'];
  if (identification['terms_of_service']) info['termsOfService'] = identification['terms_of_service'];
  if (md['license']) info['license'] = md['license'];
  const maxSide = Math.trunc(Math.sqrt(maxOutputPixels)) * 10;
  if (enableMaps && maxOutputPixels > 0) info['x-OGC-limits'] = { maps: { maxWidth: maxSide, maxHeight: maxSide, maxPixels: maxOutputPixels } };

  const server: Json = { url: ctx.apiBase };
  if (identification['description']) server['description'] = identification['description'];
  const f = local('f');
  const paths: Json = {
    '/': get('Landing page', 'Landing page', 'getLandingPage', [f], responses(MAPS, 'LandingPage')),
    '/api': get('This document', 'This document', 'getOpenapi', [f, { name: 'ui', in: 'query', description: 'UI to render the OpenAPI document', required: false, schema: { type: 'string', enum: ['swagger', 'redoc'], default: 'swagger' }, style: 'form', explode: false }], responses(MAPS, 'API')),
    '/collections': get('Retrieve the description of the collections available from this service.', 'Collections', 'getCollections', [f], responses(MAPS, 'CollectionsList')),
    '/collections/{collectionId}': get('Retrieve the description of a collection available from this service.', 'Collection', 'getCollection', [local('collectionId'), f], responses(MAPS, 'Collection', { '404': 'NotFound' })),
  };
  if (enableMaps) {
    paths['/collections/{collectionId}/map'] = get('Retrieve the default map for the specified collection.', 'Map', 'getCollectionMap', mapParams([local('collectionId')]), responses(MAPS, 'Map', { '204': 'EmptyMap', '404': 'NotFound' }));
  }
  if (enableTiles) {
    const c = local('collectionId');
    paths['/collections/{collectionId}/map/tiles'] = get('Retrieve a list of all map tilesets for specified collection', 'CollectionMapTileSets', 'listCollectionMapTileSets', [c, f], responses(TILES, 'TileSetsList', { '404': 'NotFound' }));
    paths['/collections/{collectionId}/map/tiles/{tileMatrixSetId}'] = get('Retrieve a map tile set metadata for the specified collection and tiling scheme (tile matrix set)', 'CollectionMapTileSet', 'describeCollectionMapTileSet', [c, local('tileMatrixSetId'), f], responses(TILES, 'TileSet', { '404': 'NotFound' }));
    paths['/collections/{collectionId}/map/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}'] = get('Retrieve a map tile from the specified collection', 'CollectionMapTile', 'getCollectionMapTile', tileParams([c], enableMaps), responses(TILES, 'MapTile', { '204': 'EmptyTile', '404': 'NotFound' }));
  }
  if (enableMaps && defaultDatasetLayers) {
    paths['/map'] = get('Retrieve the default map for the whole dataset.', 'Map', 'getDatasetMap', mapParams([ref(`${MAPS}#/components/parameters/collections`)]), responses(MAPS, 'Map'));
  }
  if (enableTiles && defaultDatasetLayers) {
    paths['/map/tiles'] = get('Retrieve a list of all map tilesets for the whole dataset', 'DatasetMapTileSets', 'listDatasetMapTileSets', [f], responses(TILES, 'TileSetsList', { '404': 'NotFound' }));
    paths['/map/tiles/{tileMatrixSetId}'] = get('Retrieve a map tile set metadata for the whole dataset and tiling scheme (tile matrix set)', 'DatasetMapTileSet', 'describeDatasetMapTileSet', [local('tileMatrixSetId'), f], responses(TILES, 'TileSet', { '404': 'NotFound' }));
    paths['/map/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}'] = get('Retrieve a map tile from the whole dataset', 'DatasetMapTile', 'getDatasetMapTile', tileParams([ref(`${TILES}#/components/parameters/collections`)], enableMaps), responses(TILES, 'MapTile', { '204': 'EmptyTile', '404': 'NotFound' }));
  }
  if (enableTiles && pub.tileMatrixSets.size > 0) {
    paths['/tileMatrixSets'] = get('Retrieve the list of available tiling schemes (tile matrix sets)', 'TileMatrixSets', 'listTileMatrixSets', [f], responses(TILES, 'TileMatrixSetsList'));
    paths['/tileMatrixSets/{tileMatrixSetId}'] = get('Retrieve the definition of the specified tiling scheme (tile matrix set)', 'TileMatrixSet', 'describeTileMatrixSet', [f, local('tileMatrixSetId')], responses(TILES, 'TileMatrixSet'));
  }
  paths['/conformance'] = get('API conformance definition', 'API conformance definition', 'getConformanceDeclaration', [f], responses(MAPS, 'Conformance'));

  const tag: Json = { name: 'server', description: identification['description'] ?? 'OGCAPI implementation' };
  if (identification['url']) tag['externalDocs'] = { description: 'information', url: identification['url'] };
  return {
    openapi: '3.0.2',
    tags: [tag],
    info,
    servers: [server],
    paths,
    components: { responses: { '200': { description: 'Successful operation' } }, parameters: parameters(pub, maxSide) },
  };
}

function parameters(pub: Published, maxSide: number): Json {
  const { enableMaps, enableTiles, maxOutputPixels } = pub.opts;
  const out: Json = {
    f: {
      name: 'f',
      in: 'query',
      description: 'The optional f parameter indicates the output format which the server shall provide as part of the response document.  The default format is JSON.',
      required: false,
      schema: { type: 'string', enum: ['json', 'html'], default: 'json' },
      style: 'form',
      explode: false,
    },
    collectionId: { name: 'collectionId', in: 'path', description: 'Local identifier of a collection', required: true, schema: { type: 'string', enum: [...pub.collections.keys()] } },
  };
  if (enableTiles && pub.tileMatrixSets.size > 0) {
    out['tileMatrixSetId'] = { name: 'tileMatrixSetId', in: 'path', description: 'Identifier for a supported TileMatrixSet', required: true, schema: { type: 'string', enum: [...pub.tileMatrixSets.keys()] } };
  }
  if (enableMaps) {
    out['f_img'] = {
      name: 'f',
      in: 'query',
      description: 'The optional f parameter indicates the output format which the server shall provide as part of the response document.  The default format is PNG.',
      required: false,
      schema: { type: 'string', enum: ['png', 'jpeg'], default: 'png' },
      style: 'form',
      explode: false,
    };
    for (const [name, other] of [['width', 'height'], ['height', 'width']] as const) {
      const schema: Json = { type: 'integer' };
      if (maxOutputPixels > 0) schema['maximum'] = maxSide;
      out[name] = {
        name,
        in: 'query',
        description: `${name === 'width' ? 'Width' : 'Height'} of the map in pixels. If omitted and \`${other}\` is specified, defaults to the ${name} maintaining a 1:1 aspect ratio. If both are omitted, the server selects default dimensions.`,
        required: false,
        style: 'form',
        explode: false,
        schema,
      };
    }
  }
  return out;
}

/** `/api`: the OpenAPI document as JSON (its own media type), or as an HTML page (`ui` accepted for either UI name). */
export function api(pub: Published, ctx: OgcRequest): CoreResponse {
  checkParams(ctx.params, ['f', 'ui']);
  checkDocFormat(ctx.params);
  const ui = ctx.params.get('ui');
  if (ui !== undefined && ui !== 'swagger' && ui !== 'redoc') throw OgcApiError.invalidParameter('Invalid value for ui query parameter');
  if (ui !== undefined && !ctx.html) throw OgcApiError.invalidParameter('ui query parameter can only be used with HTML output');
  const doc = openApiDocument(pub, ctx);
  if (ctx.html) return serviceResponse(apiHtml(doc, ctx), { mimetype: MIME.html });
  return serviceResponse(JSON.stringify(doc, null, 2), { contentType: MIME.openapi });
}
