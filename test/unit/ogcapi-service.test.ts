import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createApp, type OurApp } from '../support/our-app.js';
import { SchemaChecker } from '../support/json-schema-check.js';

/*
 * The OGC API service through the whole app: every JSON answer is checked against the response schemas of the
 * OGC API Maps and Tiles bundles (and /api against the OpenAPI 3.0 schema), errors are the standard's exception
 * documents with their status, links follow the proxy headers, tiles are the WMTS tiles byte for byte.
 */
const SCHEMAS = fileURLToPath(new URL('../../../shared/reference/ogc-schemas/', import.meta.url));
const load = (p: string) => JSON.parse(readFileSync(join(SCHEMAS, p), 'utf8')) as Record<string, unknown>;
const maps = new SchemaChecker(load('ogcapi/ogcapi-maps-1.bundled.json'));
const tiles = new SchemaChecker(load('ogcapi/ogcapi-tiles-1.bundled.json'));
const openapi = new SchemaChecker(load('openapi/openapi-3.0.x.json'));
const response = (name: string) => `#/components/responses/${name}/content/application~1json/schema`;

const CONFIG = `
globals:
  cache: {base_dir: CACHE_DIR}
services:
  wms:
  wmts:
  ogcapi:
    md:
      identification:
        title: Test OGC API
        description: A debug layer
        keywords: [test, debug]
      license: {name: CC0, url: 'http://example.com/cc0'}
    default_dataset_layers: [dbg]
    max_output_pixels: [2000, 2000]
layers:
  - name: dbg
    title: Debug layer
    md: {abstract: the debug source}
    sources: [dbg_cache]
    nominal_scale: 50000000
  - name: small
    title: Small layer
    sources: [dbg_small]
caches:
  dbg_cache:
    grids: [GLOBAL_WEBMERCATOR, geodetic_nw]
    sources: [dbg]
sources:
  dbg: {type: debug}
  # never asked in these tests: only its coverage (the layer's extent) matters
  dbg_small:
    type: wms
    req: {url: 'http://127.0.0.1:9/service', layers: small}
    coverage: {bbox: [5, 45, 15, 55], srs: 'EPSG:4326'}
grids:
  geodetic_nw: {srs: 'EPSG:4326', origin: nw, bbox: [-180, -90, 180, 90]}
`;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  json(): Record<string, unknown>;
}

describe('OGC API service', () => {
  let dir: string;
  let app: OurApp;
  const get = async (pathAndQuery: string, headers: Record<string, string> = {}): Promise<Answer> => {
    const q = pathAndQuery.indexOf('?');
    const res = await app.handle({
      method: 'GET',
      path: q < 0 ? pathAndQuery : pathAndQuery.slice(0, q),
      query: q < 0 ? '' : pathAndQuery.slice(q + 1),
      headers: { host: 'localhost', ...headers },
    });
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) h[k.toLowerCase()] = v;
    const body = typeof res.body === 'string' ? Buffer.from(res.body) : res.body;
    return { status: res.status, headers: h, body, json: () => JSON.parse(body.toString()) as Record<string, unknown> };
  };
  /*
   * The bundles' extent-uad gives `additionalProperties` (meant for additional dimensions) without a `properties`
   * list, so by JSON Schema's rules it also applies to `spatial`, which no spatial extent can pass: a defect of the
   * OGC schema every server hits, left out of the comparison (everything else of the extent is checked).
   */
  const BUNDLE_DEFECT = /\.extent\.spatial: matches 0 of oneOf$/;
  const valid = (checker: SchemaChecker, doc: unknown, ref: string) =>
    assert.deepEqual(checker.check(doc, ref).filter((e) => !BUNDLE_DEFECT.test(e)), [], ref);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ogcapi-'));
    const file = join(dir, 'mapproxy.yaml');
    writeFileSync(file, CONFIG.replace('CACHE_DIR', join(dir, 'cache')));
    app = await createApp(file);
  });
  after(async () => {
    await app.runtime.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the landing page with MapProxy 7 links, valid against the landing page schema', async () => {
    const r = await get('/ogcapi');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    const doc = r.json();
    valid(maps, doc, response('LandingPage'));
    valid(tiles, doc, response('LandingPage'));
    const links = doc['links'] as { rel: string; type: string; href: string }[];
    const hrefOf = (rel: string, type: string) => links.find((l) => l.rel === rel && l.type === type)?.href;
    assert.equal(hrefOf('self', 'application/json'), 'http://localhost/ogcapi?f=json');
    assert.equal(hrefOf('alternate', 'text/html'), 'http://localhost/ogcapi?f=html');
    assert.equal(hrefOf('service-desc', 'application/vnd.oai.openapi+json;version=3.0'), 'http://localhost/ogcapi/api?f=json');
    assert.equal(hrefOf('http://www.opengis.net/def/rel/ogc/1.0/data', 'application/json'), 'http://localhost/ogcapi/collections?f=json');
    assert.equal(hrefOf('http://www.opengis.net/def/rel/ogc/1.0/map', 'image/png'), 'http://localhost/ogcapi/map.png');
    assert.equal(hrefOf('http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes', 'application/json'), 'http://localhost/ogcapi/tileMatrixSets?f=json');
  });

  it('builds every link from X-Forwarded-Proto, X-Forwarded-Host and X-Script-Name, as the other services', async () => {
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'maps.example.org', 'x-script-name': '/proxy' };
    for (const path of ['/ogcapi', '/ogcapi/collections', '/ogcapi/collections/dbg/map/tiles/WebMercatorQuad', '/ogcapi/tileMatrixSets']) {
      const text = (await get(path, headers)).body.toString();
      const hrefs = [...text.matchAll(/"href": "([^"]+)"/g)].map((m) => m[1]!);
      assert.ok(hrefs.length > 0, path);
      for (const href of hrefs) assert.ok(href.startsWith('https://maps.example.org/proxy/ogcapi'), `${path}: ${href}`);
    }
    const api = (await get('/ogcapi/api', headers)).json();
    assert.deepEqual((api['servers'] as { url: string }[])[0]!.url, 'https://maps.example.org/proxy/ogcapi');
    const tileset = await get('/ogcapi/collections/dbg/map/tiles/WebMercatorQuad', headers);
    assert.equal(tileset.headers['link-template'], '<https://maps.example.org/proxy/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}.png>; rel="item"; type="image/png"');
    const html = (await get('/ogcapi/collections?f=html', headers)).body.toString();
    assert.match(html, /href="https:\/\/maps.example.org\/proxy\/ogcapi\/collections\/dbg\?f=html"/);
  });

  it('declares the Maps and Tiles conformance classes', async () => {
    const doc = (await get('/ogcapi/conformance')).json();
    valid(maps, doc, response('Conformance'));
    const classes = doc['conformsTo'] as string[];
    for (const c of ['ogcapi-maps-1/1.0/conf/core', 'ogcapi-maps-1/1.0/conf/dataset-map', 'ogcapi-tiles-1/1.0/conf/tileset', 'ogcapi-common-1/1.0/conf/oas30']) {
      assert.ok(classes.includes(`http://www.opengis.net/spec/${c}`), c);
    }
  });

  it('serves an OpenAPI 3.0 document that validates, with its own media type', async () => {
    const r = await get('/ogcapi/api');
    assert.equal(r.headers['content-type'], 'application/vnd.oai.openapi+json;version=3.0');
    const doc = r.json();
    valid(openapi, doc, '#');
    const paths = Object.keys(doc['paths'] as object);
    for (const p of ['/', '/conformance', '/collections/{collectionId}/map', '/collections/{collectionId}/map/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}', '/map', '/tileMatrixSets/{tileMatrixSetId}']) {
      assert.ok(paths.includes(p), p);
    }
    const params = (doc['components'] as { parameters: Record<string, { schema: { enum?: string[]; maximum?: number } }> }).parameters;
    assert.deepEqual(params['collectionId']!.schema.enum, ['dbg', 'small']);
    assert.ok(params['tileMatrixSetId']!.schema.enum!.includes('WebMercatorQuad'));
    assert.equal(params['width']!.schema.maximum, 20000);
  });

  it('describes collections with extents in CRS84, their CRS and links to maps and tilesets', async () => {
    const list = (await get('/ogcapi/collections')).json();
    valid(maps, list, response('CollectionsList'));
    const small = (await get('/ogcapi/collections/small')).json();
    valid(maps, small, response('Collection'));
    assert.deepEqual((small['extent'] as { spatial: { bbox: number[][] } }).spatial.bbox, [[5, 45, 15, 55]]);
    assert.equal(small['storageCrs'], 'http://www.opengis.net/def/crs/OGC/1.3/CRS84');
    assert.deepEqual(small['crs'], ['http://www.opengis.net/def/crs/OGC/1.3/CRS84', 'http://www.opengis.net/def/crs/EPSG/0/4326', 'http://www.opengis.net/def/crs/EPSG/0/3857']);
    const dbg = (await get('/ogcapi/collections/dbg')).json();
    assert.equal(dbg['description'], 'the debug source');
    const rels = (dbg['links'] as { rel: string; href: string }[]).map((l) => `${l.rel} ${l.href}`);
    assert.ok(rels.includes('http://www.opengis.net/def/rel/ogc/1.0/tilesets-map http://localhost/ogcapi/collections/dbg/map/tiles?f=json'));
    assert.ok(rels.includes('http://www.opengis.net/def/rel/ogc/1.0/map http://localhost/ogcapi/collections/dbg/map.png'));
  });

  it('lists tile matrix sets with the well-known WebMercatorQuad and serves OGC 2D TMS 2.0 documents', async () => {
    const list = (await get('/ogcapi/tileMatrixSets')).json();
    valid(tiles, list, response('TileMatrixSetsList'));
    const ids = (list['tileMatrixSets'] as { id: string }[]).map((t) => t.id);
    assert.deepEqual(ids, ['GLOBAL_GEODETIC', 'GLOBAL_MERCATOR', 'WebMercatorQuad', 'geodetic_nw']);
    const wmq = (await get('/ogcapi/tileMatrixSets/WebMercatorQuad')).json();
    valid(tiles, wmq, response('TileMatrixSet'));
    assert.equal(wmq['uri'], 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad');
    assert.equal(wmq['wellKnownScaleSet'], 'http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible');
    assert.equal(wmq['crs'], 'http://www.opengis.net/def/crs/EPSG/0/3857');
    const m1 = (wmq['tileMatrices'] as Record<string, unknown>[])[1]!;
    assert.deepEqual(
      { id: m1['id'], cornerOfOrigin: m1['cornerOfOrigin'], pointOfOrigin: m1['pointOfOrigin'], matrixWidth: m1['matrixWidth'], matrixHeight: m1['matrixHeight'] },
      { id: '1', cornerOfOrigin: 'topLeft', pointOfOrigin: [-20037508.342789244, 20037508.342789244], matrixWidth: 2, matrixHeight: 2 },
    );
    assert.ok(Math.abs((m1['scaleDenominator'] as number) - 279541132.0143588) < 1e-3);
    const geodetic = (await get('/ogcapi/tileMatrixSets/GLOBAL_GEODETIC')).json();
    valid(tiles, geodetic, response('TileMatrixSet'));
    assert.equal(geodetic['crs'], 'http://www.opengis.net/def/crs/OGC/1.3/CRS84');
    const g0 = (geodetic['tileMatrices'] as Record<string, unknown>[])[0]!;
    assert.equal(g0['cornerOfOrigin'], 'bottomLeft');
    assert.deepEqual(g0['pointOfOrigin'], [-180, -90]);
    // degrees counted in metres, as the standard defines the scale denominator
    assert.ok(Math.abs((g0['scaleDenominator'] as number) - 559082264.0287178) < 1e-3);
  });

  it('lists and describes tilesets per collection and for the dataset', async () => {
    const list = (await get('/ogcapi/collections/dbg/map/tiles')).json();
    valid(tiles, list, response('TileSetsList'));
    const ts = (await get('/ogcapi/collections/dbg/map/tiles/WebMercatorQuad')).json();
    valid(tiles, ts, response('TileSet'));
    const item = (ts['links'] as { rel: string; type: string; href: string }[]).find((l) => l.rel === 'item' && l.type === 'image/png');
    assert.equal(item?.href, 'http://localhost/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}.png');
    const dataset = (await get('/ogcapi/map/tiles/WebMercatorQuad')).json();
    valid(tiles, dataset, response('TileSet'));
    assert.equal(dataset['title'], 'Whole dataset with WebMercatorQuad tile matrix set');
  });

  it('serves a cached tile byte for byte as WMTS does, rows from the top for nw grids', async () => {
    for (const [tms, grid, z, row, col] of [['WebMercatorQuad', 'GLOBAL_WEBMERCATOR', 2, 1, 2], ['geodetic_nw', 'geodetic_nw', 1, 0, 1]] as const) {
      const first = await get(`/ogcapi/collections/dbg/map/tiles/${tms}/${z}/${row}/${col}.png`);
      assert.equal(first.status, 200);
      // now cached: both answers carry the stored tile's time, so their ETags agree too
      const ogc = await get(`/ogcapi/collections/dbg/map/tiles/${tms}/${z}/${row}/${col}.png`);
      const wmts = await get(`/wmts/dbg/${grid}/${String(z).padStart(2, '0')}/${col}/${row}.png`);
      assert.equal(ogc.status, 200);
      assert.equal(wmts.status, 200);
      assert.equal(ogc.headers['content-type'], 'image/png');
      assert.ok(ogc.body.equals(wmts.body), `${tms} tile equals the WMTS tile`);
      assert.equal(ogc.headers['etag'], wmts.headers['etag']);
      // the same tile through f= and Accept instead of an extension
      assert.ok((await get(`/ogcapi/collections/dbg/map/tiles/${tms}/${z}/${row}/${col}?f=png`)).body.equals(wmts.body));
      assert.ok((await get(`/ogcapi/collections/dbg/map/tiles/${tms}/${z}/${row}/${col}`, { accept: 'image/png' })).body.equals(wmts.body));
    }
  });

  it('draws tiles with rendering options (and of grids without a cache) from the map layers, at the asked size', async () => {
    const big = await get('/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/1/0/0.png?width=512');
    assert.equal(big.status, 200);
    assert.deepEqual(await sizeOf(big.body), [512, 512]);
    const jpeg = await get('/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/1/0/0.jpg');
    assert.equal(jpeg.headers['content-type'], 'image/jpeg');
    // outside the layer's extent: the background, drawn without asking the source
    const mercator = await get('/ogcapi/collections/small/map/tiles/GLOBAL_MERCATOR/3/1/1.png?bgcolor=0xff0000');
    assert.equal(mercator.status, 200);
    assert.deepEqual(await sizeOf(mercator.body), [256, 256]);
    const { data } = await sharp(mercator.body).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([...data.subarray(0, 3)], [255, 0, 0]);
  });

  it('draws maps: bbox in CRS84 or in EPSG:4326 axis order, width alone keeping the aspect, the nominal scale', async () => {
    const a = await get('/ogcapi/collections/dbg/map.png?bbox=-10,40,10,60&width=300&height=200&crs=EPSG:4326');
    assert.equal(a.status, 200);
    assert.equal(a.headers['content-bbox'], '-10,40,10,60');
    assert.deepEqual(await sizeOf(a.body), [300, 200]);
    const b = await get('/ogcapi/collections/dbg/map.png?bbox=40,-10,60,10&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326&crs=%5BEPSG:4326%5D&width=300&height=200');
    assert.equal(b.headers['content-bbox'], '-10,40,10,60');
    const c = await get('/ogcapi/collections/dbg/map?bbox=-10,40,10,60&width=400&crs=http://www.opengis.net/def/crs/EPSG/0/3857');
    assert.equal(c.headers['content-crs'], '<http://www.opengis.net/def/crs/EPSG/0/3857>');
    const [w, h] = await sizeOf(c.body);
    assert.equal(w, 400);
    assert.ok(h > 400, 'mercator stretches the latitudes');
    // nothing given: the whole layer at 1024 pixels on the longer side (the world of web mercator in EPSG:4326)
    const whole = await get('/ogcapi/collections/dbg/map');
    const wb = whole.headers['content-bbox']!.split(',').map(Number);
    [-180, -85.0511287798066, 180, 85.0511287798066].forEach((v, i) => assert.ok(Math.abs(wb[i]! - v) < 1e-9, whole.headers['content-bbox']));
    assert.deepEqual(await sizeOf(whole.body), [1024, 484]);
    // width alone: centred on the layer at its nominal scale (50 000 000 × 0.28 mm = 14 000 m per pixel)
    const n = await get('/ogcapi/collections/dbg/map.png?width=100&crs=EPSG:3857');
    const nb = n.headers['content-bbox']!.split(',').map(Number);
    assert.ok(Math.abs(nb[2]! - nb[0]! - 100 * 14000) < 1e-6);
    const dataset = await get('/ogcapi/map.jpg?collections=dbg,small&bbox=-50,-40,-30,-20&width=200&height=200');
    assert.equal(dataset.headers['content-type'], 'image/jpeg');
  });

  it('refuses bad requests with the exception document and the standard status', async () => {
    const cases: [string, number, string, RegExp][] = [
      ['/ogcapi/collections/nope', 404, 'Not Found', /Collection not found/],
      ['/ogcapi/collections?foo=1', 400, 'Bad Request', /Unknown query parameter foo/],
      ['/ogcapi/conformance?f=xml', 400, 'Invalid Parameter', /Invalid value for f/],
      ['/ogcapi/collections/dbg/map.tif', 404, 'Not Found', /Not Found/],
      ['/ogcapi/collections/dbg/map?f=tiff', 400, 'Invalid Parameter', /Invalid value for f query parameter/],
      ['/ogcapi/collections/dbg/map', 406, 'Not Acceptable', /Unsupported image format text\/csv/],
      ['/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/1/0/0.gif', 406, 'Not Acceptable', /Unsupported image format gif/],
      ['/ogcapi/collections/dbg/map/tiles/NoSuchSet/0/0/0.png', 404, 'Not Found', /TileMatrixSet not found/],
      ['/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/2/4/0.png', 400, 'Invalid Parameter', /Invalid row number. Valid range is \[0,3\]/],
      ['/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/99/0/0.png', 400, 'Invalid Parameter', /Invalid zoom level/],
      ['/ogcapi/collections/dbg/map?crs=EPSG:31467', 400, 'Invalid Parameter', /crs is incompatible/],
      ['/ogcapi/collections/dbg/map?bbox=1,2,3', 400, 'Invalid Parameter', /bbox must be a list of 4 or 6/],
      ['/ogcapi/collections/dbg/map?bbox=0,0,1,1&center=0,0', 400, 'Invalid Parameter', /mutually exclusive/],
      ['/ogcapi/collections/dbg/map?width=3000&height=3000', 400, 'Invalid Parameter', /exceed max_pixels=4000000/],
      ['/ogcapi/collections/dbg/map?bgcolor=nocolor', 400, 'Invalid Parameter', /invalid value for bgcolor/],
      ['/ogcapi/collections/small/map?width=100', 500, 'InternalError', /lacks a nominal_res\/nominal_scale/],
      ['/ogcapi/api?ui=swagger', 400, 'Invalid Parameter', /only be used with HTML/],
    ];
    for (const [path, status, type, detail] of cases) {
      const r = await get(path, path.endsWith('/map') ? { accept: 'text/csv' } : {});
      assert.equal(r.status, status, path);
      assert.equal(r.headers['content-type'], 'application/json', path);
      const doc = r.json();
      valid(tiles, doc, '#/components/schemas/exception');
      assert.equal(doc['type'], type, path);
      assert.equal(doc['status'], status, path);
      assert.match(doc['detail'] as string, detail, path);
    }
  });

  it('answers HTML by f=html or Accept, with offline OpenLayers maps from /ogcapi/static', async () => {
    const byAccept = await get('/ogcapi', { accept: 'text/html,application/xhtml+xml' });
    assert.equal(byAccept.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(byAccept.body.toString(), /<h1>Test OGC API<\/h1>/);
    // f=json wins over the Accept header
    assert.equal((await get('/ogcapi?f=json', { accept: 'text/html' })).headers['content-type'], 'application/json');
    const tileset = (await get('/ogcapi/collections/dbg/map/tiles/WebMercatorQuad?f=html')).body.toString();
    assert.match(tileset, /<script src="http:\/\/localhost\/ogcapi\/static\/ol.js"><\/script>/);
    assert.match(tileset, /new ol.source.OGCMapTile\(\{url: "http:\/\/localhost\/ogcapi\/collections\/dbg\/map\/tiles\/WebMercatorQuad"/);
    assert.doesNotMatch(tileset, /openstreetmap|cdn|unpkg/i);
    const collection = (await get('/ogcapi/collections/dbg?f=html')).body.toString();
    assert.match(collection, /ImageWMS\(\{url: "http:\/\/localhost\/ogcapi\/collections\/dbg\/map"/);
    const error = await get('/ogcapi/collections/nope?f=html');
    assert.equal(error.status, 404);
    assert.match(error.body.toString(), /Collection not found/);
    for (const page of ['/ogcapi/conformance', '/ogcapi/api', '/ogcapi/tileMatrixSets', '/ogcapi/tileMatrixSets/WebMercatorQuad', '/ogcapi/collections/dbg/map/tiles', '/ogcapi/map/tiles']) {
      const r = await get(`${page}?f=html`);
      assert.equal(r.status, 200, page);
      assert.match(r.body.toString(), /^<!DOCTYPE html>/, page);
    }
    const js = await get('/ogcapi/static/ol.js');
    assert.equal(js.status, 200);
    assert.ok(js.body.length > 100000);
    // the collection page's map asks the map endpoint as OpenLayers' ImageWMS does
    const wms = await get('/ogcapi/collections/dbg/map?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&FORMAT=image%2Fpng&TRANSPARENT=true&LAYERS=&SRS=EPSG%3A3857&WIDTH=300&HEIGHT=150&BBOX=-2000000,-1000000,2000000,1000000');
    assert.equal(wms.status, 200);
    assert.deepEqual(await sizeOf(wms.body), [300, 150]);
  });
});

async function sizeOf(png: Buffer): Promise<[number, number]> {
  const meta = await sharp(png).metadata();
  return [meta.width!, meta.height!];
}
