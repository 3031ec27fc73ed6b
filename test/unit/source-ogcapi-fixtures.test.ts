import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createApp, get, type OurApp } from '../support/our-app.js';
import { decodeImage, pixelAt } from '../support/images.js';
import { localHttpServer } from '../support/local-http.js';

/*
 * The ogcapitiles and ogcapimaps sources against the documents of MapProxy 7's own system tests
 * (test_source_ogcapitiles.py, test_source_ogcapimaps.py), served by a small server in place of their mock_httpd,
 * with the fixture configurations they run (ogcapitiles_source.yaml, ogcapimaps_source*.yaml): the same upstream
 * requests, in the same order, and the same answers. Then what those tests leave out: failures and on_error.
 */
const FIXTURES = fileURLToPath(new URL('../../../shared/reference/mapproxy-fixtures/', import.meta.url));

const OGC = 'http://www.opengis.net/def/rel/ogc/1.0/';
const EPSG3857 = 'http://www.opengis.net/def/crs/EPSG/0/3857';

const tileMatrix = (id: string, cellSize: number, n: number) => ({
  id,
  scaleDenominator: cellSize / 0.00028,
  cellSize,
  cornerOfOrigin: 'topLeft',
  pointOfOrigin: [-20037508.3427892, 20037508.3427892],
  matrixWidth: n,
  matrixHeight: n,
  tileWidth: 256,
  tileHeight: 256,
});

const tilesetEntry = (tms: string, selfHref: string) => ({
  title: 'my_collection',
  tileMatrixSetURI: `http://www.opengis.net/def/tilematrixset/OGC/1.0/${tms}`,
  crs: EPSG3857,
  dataType: 'map',
  links: [
    { rel: `${OGC}tiling-scheme`, type: 'application/json', title: `${tms} definition (as JSON)`, href: `/ogcapi/tileMatrixSets/${tms}` },
    { rel: 'self', type: 'application/json', title: `${tms} map tileset (as JSON)`, href: selfHref },
  ],
});

const tilesDoc = (template: string) => ({
  title: 'dataset',
  crs: EPSG3857,
  dataType: 'map',
  links: [{ rel: 'item', type: 'image/png', title: 'map tiles (as PNG)', href: template, templated: true }],
});

/** MapProxy 7's documents, by path (and query, when the source asks with one). */
const DOCS: Record<string, unknown> = {
  '/ogcapi': {
    links: [
      { rel: `${OGC}tilesets-map`, type: 'application/json', title: 'Map tilesets (as JSON)', href: '/ogcapi/map/tiles?f=json' },
      { rel: `${OGC}map`, type: 'image/png', title: 'Map available for this dataset (as PNG)', href: '/ogcapi/map.png' },
    ],
  },
  '/ogcapi/map/tiles?f=json': { tilesets: [tilesetEntry('WebMercatorQuad', '/ogcapi/map/tiles/WebMercatorQuad?f=json')] },
  '/ogcapi/tileMatrixSets/WebMercatorQuad': {
    id: 'WebMercatorQuad',
    uri: 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad',
    crs: EPSG3857,
    orderedAxes: ['E', 'N'],
    tileMatrices: [tileMatrix('0', 156543.03392804, 1), tileMatrix('1', 78271.5169640205, 2), tileMatrix('2', 39135.7584820102, 4)],
  },
  '/ogcapi/map/tiles/WebMercatorQuad?f=json': tilesDoc('/ogcapi/map/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}.png'),
  '/ogcapi/collections/my_collection': {
    links: [
      { rel: `${OGC}tilesets-map`, type: 'application/json', title: 'Map tilesets (as JSON)', href: '/ogcapi/collections/my_collection/map/tiles?f=json' },
      { rel: `${OGC}map`, type: 'image/png', title: 'Map available for this dataset (as PNG)', href: '/ogcapi/collections/my_collection/map.png' },
    ],
    storageCrs: EPSG3857,
  },
  '/ogcapi/collections/my_collection/map/tiles?f=json': {
    tilesets: [
      tilesetEntry('tileMatrixSet', '/ogcapi/collections/my_collection/map/tiles/tileMatrixSet?f=json'),
      tilesetEntry('my_tms', '/ogcapi/collections/my_collection/map/tiles/my_tms?f=json'),
    ],
  },
  '/ogcapi/tileMatrixSets/my_tms': { id: 'my_tms', crs: EPSG3857, tileMatrices: [tileMatrix('0', 78271.5169640205, 2)] },
  '/ogcapi/collections/my_collection/map/tiles/my_tms?f=json': tilesDoc('/ogcapi/collections/my_collection/map/tiles/my_tms/{tileMatrix}/{tileRow}/{tileCol}.png'),
};

const png = (w: number, h: number, rgb: [number, number, number]) =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();

/** Every request the upstream saw, path and query as sent. */
const seen: string[] = [];
/** What the next requests for a path answer instead of the documents (status and body). */
const overrides = new Map<string, { status: number; type: string; body: string | Buffer }>();

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  seen.push(url);
  const path = url.split('?')[0]!;
  const o = overrides.get(path);
  if (o) {
    res.writeHead(o.status, { 'content-type': o.type }).end(o.body);
    return;
  }
  const doc = DOCS[url] ?? DOCS[path];
  if (doc) {
    assert.equal(req.headers.accept, 'application/json', `${url} asked for JSON`);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
    return;
  }
  if (/\.png$/.test(path)) {
    const q = new URL(url, 'http://x').searchParams;
    const size: [number, number] = q.has('width') ? [Number(q.get('width')), Number(q.get('height'))] : [256, 256];
    // tiles of level 0 green, others red: which tile arrived shows in its colour
    const rgb: [number, number, number] = /\/0\/0\/0\.png$/.test(path) ? [0, 255, 0] : [255, 0, 0];
    res.writeHead(200, { 'content-type': 'image/png' }).end(await png(size[0], size[1], rgb));
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"NotFound"}');
}

const { base } = await localHttpServer((req, res) => void answer(req, res));
const dir = mkdtempSync(join(tmpdir(), 'ogcapi-source-fixtures-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A fixture with its landing page moved to our server, and optional YAML appended to its sources. */
async function fixtureApp(file: string, replace: [string, string][] = []): Promise<OurApp> {
  let yaml = readFileSync(join(FIXTURES, file), 'utf8').replaceAll('http://localhost:42423', base);
  for (const [a, b] of replace) {
    assert.ok(yaml.includes(a), `${file} contains ${a}`);
    yaml = yaml.replace(a, b);
  }
  const path = join(dir, `${Math.random().toString(36).slice(2)}-${file}`);
  writeFileSync(path, `${yaml}\n`);
  const app = await createApp(path, { log: { warn() {}, error() {} } });
  after(() => app.runtime.close());
  return app;
}

async function colourOf(body: Buffer): Promise<number[]> {
  const img = await decodeImage(body);
  return pixelAt(img, Math.floor(img.width / 2), Math.floor(img.height / 2));
}

describe('ogcapitiles against MapProxy 7 documents (ogcapitiles_source.yaml)', () => {
  it('reads landing page, tilesets, tile matrix set and tileset once, then asks only for tiles', async () => {
    const app = await fixtureApp('ogcapitiles_source.yaml');
    seen.length = 0;
    const res = await get(app, '/tiles/test_cache_global/webmercator/2/1/0.png');
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.headers['content-type'], 'image/png');
    assert.deepEqual(seen, [
      '/ogcapi',
      '/ogcapi/map/tiles?f=json',
      '/ogcapi/tileMatrixSets/WebMercatorQuad',
      '/ogcapi/map/tiles/WebMercatorQuad?f=json',
      '/ogcapi/map/tiles/WebMercatorQuad/2/0/1.png',
    ]);
    assert.deepEqual(await colourOf(res.body), [255, 0, 0, 255]);

    seen.length = 0;
    const top = await get(app, '/tiles/test_cache_global/webmercator/0/0/0.png');
    assert.equal(top.status, 200);
    assert.deepEqual(seen, ['/ogcapi/map/tiles/WebMercatorQuad/0/0/0.png']);
    assert.deepEqual(await colourOf(top.body), [0, 255, 0, 255]);
  });

  it('refuses a tile of a tile matrix set that does not match the cache grid: BBOX does not align to tile', async () => {
    const app = await fixtureApp('ogcapitiles_source.yaml');
    seen.length = 0;
    const res = await get(app, '/tiles/test_cache/webmercator/0/0/0.png');
    assert.equal(res.status, 500);
    assert.match(res.body.toString(), /BBOX does not align to tile/);
    // tile_matrix_set_id: my_tms leaves out the other tileset: only my_tms is read, and no tile is asked for
    assert.deepEqual(seen.sort(), [
      '/ogcapi/collections/my_collection',
      '/ogcapi/collections/my_collection/map/tiles/my_tms?f=json',
      '/ogcapi/collections/my_collection/map/tiles?f=json',
      '/ogcapi/tileMatrixSets/my_tms',
    ]);
  });

  it('uses the tile matrix set that has the tile when the collection offers several in the same CRS', async () => {
    const app = await fixtureApp('ogcapitiles_source.yaml', [['    tile_matrix_set_id: "my_tms"\n', '']]);
    overrides.set('/ogcapi/tileMatrixSets/tileMatrixSet', { status: 200, type: 'application/json', body: JSON.stringify(DOCS['/ogcapi/tileMatrixSets/WebMercatorQuad']) });
    DOCS['/ogcapi/collections/my_collection/map/tiles/tileMatrixSet?f=json'] = tilesDoc('/ogcapi/collections/my_collection/map/tiles/tileMatrixSet/{tileMatrix}/{tileRow}/{tileCol}.png');
    try {
      seen.length = 0;
      // level 1 of the cache is level 0 of my_tms and level 1 of tileMatrixSet; level 0 only exists in tileMatrixSet
      const l0 = await get(app, '/tiles/test_cache/webmercator/0/0/0.png');
      assert.equal(l0.status, 200, l0.body.toString());
      assert.ok(seen.includes('/ogcapi/collections/my_collection/map/tiles/tileMatrixSet/0/0/0.png'), seen.join(' '));
      seen.length = 0;
      const l1 = await get(app, '/tiles/test_cache/webmercator/1/1/0.png');
      assert.equal(l1.status, 200);
      assert.deepEqual(seen, ['/ogcapi/collections/my_collection/map/tiles/tileMatrixSet/1/0/1.png']);
    } finally {
      overrides.delete('/ogcapi/tileMatrixSets/tileMatrixSet');
      delete DOCS['/ogcapi/collections/my_collection/map/tiles/tileMatrixSet?f=json'];
    }
  });

  it('turns upstream tile failures into errors, or into the on_error colour', async () => {
    const plain = await fixtureApp('ogcapitiles_source.yaml');
    const onError = await fixtureApp('ogcapitiles_source.yaml', [
      ['    landingpage_url: ' + base + '/ogcapi\n\ngrids', `    landingpage_url: ${base}/ogcapi\n    on_error:\n      500: {response: '#0000ff', cache: false}\n\ngrids`],
    ]);
    overrides.set('/ogcapi/map/tiles/WebMercatorQuad/2/3/3.png', { status: 500, type: 'text/plain', body: 'boom' });
    try {
      const failed = await get(plain, '/tiles/test_cache_global/webmercator/2/3/3.png');
      assert.equal(failed.status, 500);
      const blue = await get(onError, '/tiles/test_cache_global/webmercator/2/3/3.png');
      assert.equal(blue.status, 200, blue.body.toString());
      assert.deepEqual(await colourOf(blue.body), [0, 0, 255, 255]);
    } finally {
      overrides.delete('/ogcapi/map/tiles/WebMercatorQuad/2/3/3.png');
    }
  });

  it('fails with a message when the server cannot be read, and reads it again on the next request', async () => {
    const app = await fixtureApp('ogcapitiles_source.yaml');
    overrides.set('/ogcapi', { status: 200, type: 'application/json', body: '{"title": "no links"}' });
    let res = await get(app, '/tiles/test_cache_global/webmercator/2/2/2.png');
    assert.equal(res.status, 500);
    assert.match(res.body.toString(), /Could not retrieve 'links'/);
    overrides.set('/ogcapi', { status: 200, type: 'application/json', body: 'not json' });
    res = await get(app, '/tiles/test_cache_global/webmercator/2/2/2.png');
    assert.match(res.body.toString(), /as JSON/);
    overrides.set('/ogcapi', { status: 503, type: 'text/plain', body: 'down' });
    res = await get(app, '/tiles/test_cache_global/webmercator/2/2/2.png');
    assert.match(res.body.toString(), /Cannot retrieve/);
    overrides.delete('/ogcapi');
    res = await get(app, '/tiles/test_cache_global/webmercator/2/2/2.png');
    assert.equal(res.status, 200);
  });
});

/** The upstream map requests since `from`, as parameter maps. */
function mapRequests(from: number): { path: string; params: Record<string, string> }[] {
  return seen.slice(from).filter((u) => u.includes('map.png')).map((u) => {
    const url = new URL(u, 'http://x');
    return { path: url.pathname, params: Object.fromEntries(url.searchParams) };
  });
}

function assertBBox(actual: string | undefined, expected: number[]): void {
  const got = (actual ?? '').split(',').map(Number);
  assert.equal(got.length, 4, actual);
  got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-6 * Math.max(1, Math.abs(expected[i]!)), `${actual} ≈ ${expected.join(',')}`));
}

describe('ogcapimaps against MapProxy 7 documents (ogcapimaps_source*.yaml)', () => {
  const getMap = (app: OurApp, layer: string, bbox: string, w: number, h: number, extra = '') =>
    get(app, `/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=${layer}&BBOX=${bbox}&CRS=EPSG:4326&WIDTH=${w}&HEIGHT=${h}&FORMAT=image/png&STYLES=${extra}`);

  it('asks the dataset map in CRS84 with bbox, width and height only', async () => {
    const app = await fixtureApp('ogcapimaps_source.yaml');
    const from = seen.length;
    const res = await getMap(app, 'test_source_global', '-90,-180,90,180', 256, 256);
    assert.equal(res.status, 200, res.body.toString());
    assert.deepEqual(seen.slice(from), ['/ogcapi', '/ogcapi/map.png?bbox=-180,-90,180,90&width=256&height=256']);
    assert.deepEqual(await colourOf(res.body), [255, 0, 0, 255]);
  });

  it('asks for a format the server links: a JPEG map from a server with PNG maps only', async () => {
    const app = await fixtureApp('ogcapimaps_source.yaml');
    const from = seen.length;
    const res = await get(app, '/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=test_source_global&BBOX=-90,-180,90,180&CRS=EPSG:4326&WIDTH=256&HEIGHT=256&FORMAT=image/jpeg&STYLES=');
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.headers['content-type'], 'image/jpeg');
    assert.deepEqual(mapRequests(from).map((r) => r.path), ['/ogcapi/map.png']);
  });

  it('asks a collection stored in EPSG:3857 with bbox-crs, crs and transparent, and reprojects the answer', async () => {
    const app = await fixtureApp('ogcapimaps_source.yaml');
    const from = seen.length;
    const res = await getMap(app, 'test_source', '-85,-180,85,180', 512, 256);
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(seen[from], '/ogcapi/collections/my_collection');
    const [req] = mapRequests(from);
    assert.equal(req!.path, '/ogcapi/collections/my_collection/map.png');
    assert.deepEqual(Object.keys(req!.params), ['bbox', 'bbox-crs', 'crs', 'width', 'height', 'transparent']);
    assertBBox(req!.params['bbox'], [-20037508.342789244, -19971868.880408566, 20037508.342789244, 19971868.880408566]);
    assert.equal(req!.params['bbox-crs'], EPSG3857);
    assert.equal(req!.params['crs'], EPSG3857);
    assert.deepEqual([req!.params['width'], req!.params['height'], req!.params['transparent']], ['512', '510', 'true']);
    const img = await decodeImage(res.body);
    assert.deepEqual([img.width, img.height], [512, 256]);
    assert.deepEqual(pixelAt(img, 256, 128), [255, 0, 0, 255]);
  });

  it('requests in the configured supported_srs with the bgcolor as 0xRRGGBB', async () => {
    const app = await fixtureApp('ogcapimaps_source_with_supported_srs.yaml');
    const from = seen.length;
    const res = await getMap(app, 'test_source', '-85,-180,85,180', 512, 256);
    assert.equal(res.status, 200, res.body.toString());
    const [req] = mapRequests(from);
    assert.deepEqual(Object.keys(req!.params), ['bbox', 'bbox-crs', 'crs', 'width', 'height', 'bgcolor']);
    assert.equal(req!.params['bgcolor'], '0xFF00FF');
    assert.equal(req!.params['crs'], EPSG3857);
  });

  it('makes the transparent_color transparent', async () => {
    const app = await fixtureApp('ogcapimaps_source.yaml');
    overrides.set('/ogcapi/collections/my_collection/map.png', { status: 200, type: 'image/png', body: await png(512, 510, [255, 0, 255]) });
    try {
      const res = await getMap(app, 'test_source', '-85,-180,85,180', 512, 256, '&TRANSPARENT=TRUE');
      assert.equal(res.status, 200, res.body.toString());
      assert.equal((await colourOf(res.body))[3], 0);
    } finally {
      overrides.delete('/ogcapi/collections/my_collection/map.png');
    }
  });

  it('answers upstream failures as WMS exceptions, or with the on_error colour', async () => {
    const plain = await fixtureApp('ogcapimaps_source.yaml');
    const onError = await fixtureApp('ogcapimaps_source.yaml', [
      ['    landingpage_url: ' + base + '/ogcapi\n\ngrids', `    landingpage_url: ${base}/ogcapi\n    on_error:\n      404: {response: '#00ff00'}\n      other: {response: '#0000ff'}\n\ngrids`],
    ]);
    overrides.set('/ogcapi/map.png', { status: 404, type: 'application/json', body: '{"code":"NotFound"}' });
    try {
      const failed = await getMap(plain, 'test_source_global', '-90,-180,90,180', 256, 256);
      // the status is what the WMS answers for every failed source (500, as MapProxy's internal errors)
      assert.equal(failed.status, 500);
      assert.match(failed.headers['content-type']!, /xml/);
      assert.match(failed.body.toString(), /ServiceException/);
      const green = await getMap(onError, 'test_source_global', '-90,-180,90,180', 256, 256);
      assert.deepEqual(await colourOf(green.body), [0, 255, 0, 255]);
      // a 200 that is not an image counts as 'other'
      overrides.set('/ogcapi/map.png', { status: 200, type: 'application/json', body: '{}' });
      const blue = await getMap(onError, 'test_source_global', '-90,-180,90,180', 256, 256);
      assert.deepEqual(await colourOf(blue.body), [0, 0, 255, 255]);
    } finally {
      overrides.delete('/ogcapi/map.png');
    }
  });

  it('refuses a server without map links', async () => {
    const app = await fixtureApp('ogcapimaps_source.yaml');
    overrides.set('/ogcapi', { status: 200, type: 'application/json', body: JSON.stringify({ links: [{ rel: 'self', href: '/ogcapi' }] }) });
    try {
      const res = await getMap(app, 'test_source_global', '-90,-180,90,180', 256, 256);
      assert.match(res.body.toString(), /Could not retrieve a map link/);
    } finally {
      overrides.delete('/ogcapi');
    }
  });
});
