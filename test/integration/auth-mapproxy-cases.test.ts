/**
 * MapProxy 7's test/system/test_auth.py and test_decorate_img.py re-expressed against createApp's hooks, on the
 * same auth.yaml configuration (a debug source, a WMS feature info source and a tile source, both served here).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createApp, type App } from '../../src/core/app.js';
import type { AuthorizeFn, AuthResult } from '../../src/core/auth/authorize.js';
import type { DecorateImgFn } from '../../src/core/auth/decorate-img.js';
import { blankImage } from '../../src/core/image/blank.js';
import { imageFormat } from '../../src/core/image/format.js';
import { ImageResult } from '../../src/core/image/image.js';
import { tempDir, writeConfig } from '../support/configs.js';
import { decodeImage, pixelAt, type DecodedImage } from '../support/images.js';
import { get } from '../support/our-app.js';

const CAPS = '/service?request=GetCapabilities&service=WMS&Version=1.1.1';
const MAP = '/service?request=GetMap&service=WMS&Version=1.1.1&SRS=EPSG:4326&BBOX=-80,-40,0,0&WIDTH=200&HEIGHT=100&styles=&FORMAT=image/png&';
const FI = '/service?request=GetFeatureInfo&service=WMS&Version=1.1.1&SRS=EPSG:4326&BBOX=-80,-40,0,0&WIDTH=200&HEIGHT=100&styles=&FORMAT=image/png&X=10&Y=10&';
const TMS = '/tms/1.0.0';
const MERC = 20037508.342789244;

function authYaml(port: number): string {
  return `
services:
  tms:
  kml:
  wmts:
    featureinfo_formats:
      - mimetype: application/json
        suffix: geojson
  demo:
  wms:
    md:
      title: 'My WMS'
layers:
  - name: layer1
    title: layer 1
    sources: [dummy]
    layers:
      - name: layer1a
        title: layer 1a
        sources: [dummy]
      - name: layer1b
        title: layer 1b
        sources: [dummy_fi]
  - name: layer2
    title: layer 2
    layers:
      - name: layer2a
        title: layer 2a
        sources: [dummy]
      - name: layer2b
        title: layer 2b
        layers:
          - name: layer2b1
            title: layer 2b1
            sources: [dummy_fi]
  - name: layer3
    title: layer 3
    sources: [cache]
caches:
  cache:
    grids: [GLOBAL_MERCATOR]
    format: 'image/jpeg'
    disable_storage: True
    meta_size: [1, 1]
    meta_buffer: 0
    sources: [source]
  dummy:
    grids: [GLOBAL_MERCATOR]
    sources: [dummy]
  dummy_fi:
    grids: [GLOBAL_MERCATOR]
    sources: [dummy_fi]
sources:
  dummy:
    type: debug
  dummy_fi:
    type: wms
    wms_opts:
      featureinfo: True
    coverage:
      bbox: [-180, -90, 170, 89.9]
      bbox_srs: 'EPSG:4326'
    req:
      url: http://localhost:${port}/service
      layers: fi
  source:
    type: tile
    url: http://localhost:${port}/%(tms_path)s.png
`;
}

/** The upstream: red 256 px PNG tiles and 'infoinfo' for every feature info request. */
async function startUpstream(): Promise<{ server: Server; port: number; paths: string[] }> {
  const red = await ImageResult.fromRaw(blankImage([256, 256], { bgcolor: [255, 0, 0] })).encode(imageFormat('image/png'));
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    if ((req.url ?? '').includes('GetFeatureInfo')) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('infoinfo');
    } else {
      res.writeHead(200, { 'Content-Type': 'image/png' });
      res.end(red);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, paths };
}

interface Call { service: string; layers: string[]; path: string; queryExtent: readonly [string, readonly number[]] | null }

let app: App;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let answer: AuthResult | ((c: Call) => AuthResult) = { authorized: 'full' };
let calls: Call[] = [];
let decorate: DecorateImgFn | undefined;

const authorize: AuthorizeFn = (service, layers, ctx) => {
  const call: Call = { service, layers, path: ctx.request.path, queryExtent: ctx.queryExtent };
  calls.push(call);
  return typeof answer === 'function' ? answer(call) : answer;
};

before(async () => {
  upstream = await startUpstream();
  const file = writeConfig(tempDir('auth-cases-'), authYaml(upstream.port));
  app = await createApp(file, {
    authorize,
    decorateImg: (image, service, layers, ctx) => (decorate ? decorate(image, service, layers, ctx) : image),
    log: { warn() {}, error() {} },
  });
});
after(async () => {
  await new Promise((r) => upstream.server.close(r));
});
beforeEach(() => {
  answer = { authorized: 'full' };
  calls = [];
  decorate = undefined;
  upstream.paths.length = 0;
});

function names(xml: string, re: RegExp): string[] {
  return [...xml.matchAll(re)].map((m) => m[1]!);
}
const wmsLayerNames = (xml: string) => names(xml, /<Layer[^>]*>\s*<Name>([^<]*)<\/Name>/g);
const bboxClose = (a: readonly number[], b: readonly number[]) => a.every((v, i) => Math.abs(v - b[i]!) < 1e-6);

/** Distinct colours of a region (MapProxy's getcolors()). */
function colours(img: DecodedImage, x0: number, y0: number, x1: number, y1: number): Set<string> {
  const out = new Set<string>();
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out.add(pixelAt(img, x, y).join(','));
  return out;
}

/**
 * Opaque red: MapProxy passes the red source tile through its JPEG cache unencoded (disable_storage); we
 * encode the JPEG tile first, so red comes back as JPEG red (254, 0, 0).
 */
function assertRed(img: DecodedImage, x0: number, y0: number, x1: number, y1: number): void {
  for (const c of colours(img, x0, y0, x1, y1)) {
    const [r, g, b, a] = c.split(',').map(Number);
    assert.ok(r! >= 250 && g! <= 4 && b! <= 4 && a === 255, `not red: ${c}`);
  }
}

describe('WMS (test_auth.py TestWMSAuth)', () => {
  it('capabilities: full lists all layers; the hook sees wms.capabilities and the 8 layers', async () => {
    const res = await get(app, CAPS);
    assert.equal(res.status, 200);
    assert.deepEqual(wmsLayerNames(res.body.toString()), ['layer1', 'layer1a', 'layer1b', 'layer2', 'layer2a', 'layer2b', 'layer2b1', 'layer3']);
    assert.equal(calls[0]!.service, 'wms.capabilities');
    assert.equal(calls[0]!.layers.length, 8);
  });

  it('capabilities: none is 403, unauthenticated 401, as plain text', async () => {
    answer = { authorized: 'none' };
    let res = await get(app, CAPS);
    assert.equal(res.status, 403);
    assert.equal(res.body.toString(), 'forbidden');
    assert.equal(res.headers['content-type'], 'text/plain');
    answer = { authorized: 'unauthenticated' };
    res = await get(app, CAPS);
    assert.equal(res.status, 401);
    assert.equal(res.body.toString(), 'unauthorized');
  });

  it('capabilities: partial hides layer1a with its parent layer1', async () => {
    answer = { authorized: 'partial', layers: { layer1a: { map: true }, layer2: { map: true }, layer2b: { map: true }, layer2b1: { map: true } } };
    const res = await get(app, CAPS);
    assert.deepEqual(wmsLayerNames(res.body.toString()), ['layer2', 'layer2b', 'layer2b1']);
  });

  it('capabilities: a layer limited_to shrinks its LatLonBoundingBox', async () => {
    answer = {
      authorized: 'partial',
      layers: {
        layer1a: { map: true },
        layer2: { map: true, limited_to: { srs: 'EPSG:4326', geometry: [-40, -50, 0, 5] } },
        layer2b: { map: true },
        layer2b1: { map: true },
      },
    };
    const xml = (await get(app, CAPS)).body.toString();
    assert.deepEqual(wmsLayerNames(xml), ['layer2', 'layer2b', 'layer2b1']);
    const ll = [...xml.matchAll(/<LatLonBoundingBox minx="([^"]+)" miny="([^"]+)" maxx="([^"]+)" maxy="([^"]+)"/g)][1]!;
    assert.deepEqual(ll.slice(1, 5).map(Number), [-40, -50, 0, 5]);
  });

  it('capabilities: a global limited_to shrinks the extents and drops layers outside it', async () => {
    const layers = { layer1: { map: true }, layer1a: { map: true }, layer2: { map: true }, layer2b: { map: true }, layer2b1: { map: true } };
    answer = { authorized: 'partial', limited_to: { srs: 'EPSG:4326', geometry: [171, -50, 178, 5] }, layers };
    let xml = (await get(app, CAPS)).body.toString();
    // MapProxy drops layer2/2b/2b1 here because its cache layers take the source coverage (to 170°E) as extent;
    // ours take the grid's, so they stay (see docs/authorization.md)
    assert.deepEqual(wmsLayerNames(xml), ['layer1', 'layer1a', 'layer2', 'layer2b', 'layer2b1']);
    const ll = [...xml.matchAll(/<LatLonBoundingBox minx="([^"]+)" miny="([^"]+)" maxx="([^"]+)" maxy="([^"]+)"/g)][1]!;
    assert.deepEqual(ll.slice(1, 5).map(Number), [171, -50, 178, 5]);
    // beyond the Mercator grids' 85.05° no layer meets the limit: only the root stays
    answer = { authorized: 'partial', limited_to: { srs: 'EPSG:4326', geometry: [-10, 86, 10, 89] }, layers };
    xml = (await get(app, CAPS)).body.toString();
    assert.deepEqual(wmsLayerNames(xml), []);
    assert.match(xml, /<Title>My WMS<\/Title>/);
  });

  it('capabilities: featureinfo permission makes layers queryable', async () => {
    answer = {
      authorized: 'partial',
      layers: {
        layer1: { map: true },
        layer1a: { map: true },
        layer2: { map: true, featureinfo: true },
        layer2b: { map: true, featureinfo: true },
        layer2b1: { map: true, featureinfo: true },
      },
    };
    const xml = (await get(app, CAPS)).body.toString();
    assert.deepEqual(wmsLayerNames(xml), ['layer1', 'layer1a', 'layer2', 'layer2b', 'layer2b1']);
    const queryable = Object.fromEntries([...xml.matchAll(/<Layer( queryable="1")?>\s*<Name>([^<]*)</g)].map((m) => [m[2], !!m[1]]));
    assert.deepEqual(queryable, { layer1: false, layer1a: false, layer2: true, layer2b: true, layer2b1: true });
  });

  it('GetMap: the hook sees wms.map, the one drawn layer and the query extent', async () => {
    answer = { authorized: 'partial', layers: { layer1: { map: true } } };
    const res = await get(app, `${MAP}layers=layer1`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.deepEqual(calls.map((c) => [c.service, c.layers, c.queryExtent]), [['wms.map', ['layer1'], ['EPSG:4326', [-80, -40, 0, 0]]]]);
  });

  for (const [label, a] of [
    ['layer', { authorized: 'partial', layers: { layer1: { map: true, limited_to: { srs: 'EPSG:4326', geometry: [-40, -40, 0, 0] } } } }],
    ['global', { authorized: 'partial', limited_to: { srs: 'EPSG:4326', geometry: [-40, -40, 0, 0] }, layers: { layer1: { map: true } } }],
  ] as const) {
    it(`GetMap: a ${label} limited_to leaves only the background outside`, async () => {
      answer = a as AuthResult;
      const img = await decodeImage((await get(app, `${MAP}layers=layer1`)).body);
      assert.equal(colours(img, 0, 0, 100, 100).size, 1);
      assert.ok(colours(img, 100, 0, 200, 100).size >= 2);
    });
  }

  it('GetMap: none is 403 before any source is asked', async () => {
    answer = { authorized: 'none' };
    const res = await get(app, `${MAP}layers=layer1b`);
    assert.equal(res.status, 403);
    assert.equal(upstream.paths.length, 0);
  });

  it('GetMap: a group draws only its permitted layers; a forbidden layer named in LAYERS refuses', async () => {
    answer = { authorized: 'partial', layers: { layer2a: { map: true } } };
    const res = await get(app, `${MAP}layers=layer2`);
    assert.equal(res.status, 200);
    assert.deepEqual(calls[0]!.layers, ['layer2a', 'layer2b1']);
    assert.equal(upstream.paths.length, 0, 'layer2b1 (a WMS source) is not asked');
    assert.equal((await get(app, `${MAP}layers=layer2a,layer2b1`)).status, 403);
  });

  it('GetFeatureInfo: inside the layer limited_to the source answers', async () => {
    answer = { authorized: 'partial', layers: { layer1b: { featureinfo: true, limited_to: { srs: 'EPSG:4326', geometry: [-80, -40, 0, 0] } } } };
    const res = await get(app, `${FI}query_layers=layer1b&layers=layer1b`);
    assert.equal(res.body.toString(), 'infoinfo');
    assert.deepEqual([calls[0]!.service, calls[0]!.layers, calls[0]!.queryExtent], ['wms.featureinfo', ['layer1b'], ['EPSG:4326', [-80, -40, 0, 0]]]);
  });

  it('GetFeatureInfo: outside a layer or global limited_to nothing is asked', async () => {
    answer = { authorized: 'partial', layers: { layer1b: { featureinfo: true, limited_to: { srs: 'EPSG:4326', geometry: [-20, -40, 0, 0] } } } };
    let res = await get(app, `${FI}query_layers=layer1b&layers=layer1b`);
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 0);
    answer = { authorized: 'partial', limited_to: { srs: 'EPSG:4326', geometry: [-20, -40, 0, 0] }, layers: { layer1b: { featureinfo: true } } };
    res = await get(app, `${FI}query_layers=layer1b&layers=layer1b`);
    assert.equal(res.body.length, 0);
    assert.equal(upstream.paths.length, 0);
  });
});

describe('TMS (test_auth.py TestTMSAuth)', () => {
  const titles = (xml: string) => names(xml, /<TileMap[^>]*title="([^"]*)"/g);

  it('capabilities: full, none (403), unauthenticated (401), partial', async () => {
    let res = await get(app, TMS);
    // (our tile layers come in another order than MapProxy's: compared as sets)
    assert.deepEqual(titles(res.body.toString()).sort(), ['layer 1', 'layer 1a', 'layer 1b', 'layer 2a', 'layer 2b1', 'layer 3']);
    assert.equal(calls[0]!.service, 'tms');
    assert.equal(calls[0]!.layers.length, 6);
    assert.equal(calls[0]!.path, '/tms/1.0.0');
    answer = { authorized: 'none' };
    assert.equal((await get(app, TMS)).status, 403);
    answer = { authorized: 'unauthenticated' };
    assert.equal((await get(app, TMS)).status, 401);
    answer = { authorized: 'partial', layers: { layer1a: { tile: true }, layer2b1: { tile: true }, layer3: { map: true } } };
    res = await get(app, TMS);
    assert.deepEqual(titles(res.body.toString()), ['layer 1a', 'layer 2b1']);
  });

  it('layer capabilities: full and partial answer, none and a denying partial are 403', async () => {
    const path = `${TMS}/layer1_EPSG900913`;
    assert.match((await get(app, path)).body.toString(), /<Title>layer 1<\/Title>/);
    assert.equal(calls[0]!.queryExtent, null);
    answer = { authorized: 'partial', layers: { layer1: { tile: true } } };
    assert.equal((await get(app, path)).status, 200);
    answer = { authorized: 'partial', layers: { layer1: { tile: false } } };
    assert.equal((await get(app, path)).status, 403);
    answer = { authorized: 'none' };
    assert.equal((await get(app, path)).status, 403);
  });

  it('tile: the hook sees the tile extent in the grid SRS', async () => {
    answer = { authorized: 'partial', layers: { layer1: { tile: true } } };
    const res = await get(app, `${TMS}/layer1_EPSG900913/0/0/0.png`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.ok(res.body.length > 1000);
    assert.equal(calls[0]!.path, '/tms/1.0.0/layer1_EPSG900913/0/0/0.png');
    assert.equal(calls[0]!.queryExtent![0], 'EPSG:900913');
    assert.ok(bboxClose(calls[0]!.queryExtent![1], [-MERC, -MERC, 0, 0]));
  });

  for (const [label, a] of [
    ['global', { authorized: 'partial', limited_to: { geometry: [-180, -89, -90, 89], srs: 'EPSG:4326' }, layers: { layer3: { tile: true } } }],
    ['layer', { authorized: 'partial', layers: { layer3: { tile: true, limited_to: { geometry: [-180, -89, -90, 89], srs: 'EPSG:4326' } } } }],
  ] as const) {
    it(`tile: a ${label} limited_to makes the JPEG tile a PNG, transparent outside`, async () => {
      answer = a as AuthResult;
      const res = await get(app, `${TMS}/layer3/0/0/0.jpeg`);
      assert.equal(res.headers['content-type'], 'image/png');
      assert.deepEqual(upstream.paths, ['/1/0/0.png']);
      const img = await decodeImage(res.body);
      assertRed(img, 0, 0, 127, 255);
      for (const c of colours(img, 129, 0, 255, 255)) assert.equal(c.split(',')[3], '0');
    });
  }

  it('tile: entirely outside its limited_to is a transparent PNG and the source is not asked', async () => {
    answer = { authorized: 'partial', layers: { layer3: { tile: true, limited_to: { geometry: [-180, -89, -90, 89], srs: 'EPSG:4326' } } } };
    // /tms level 1 is grid level 2 (global profile): tile 2/0 spans 0°..90°E
    const res = await get(app, `${TMS}/layer3/1/2/0.jpeg`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.equal(upstream.paths.length, 0);
    const img = await decodeImage(res.body);
    assert.deepEqual([...colours(img, 0, 0, 256, 256)].map((c) => c.split(',')[3]), ['0']);
  });

  it('tile: none is 403, also on /tiles', async () => {
    answer = { authorized: 'none' };
    assert.equal((await get(app, `${TMS}/layer1/0/0/0.png`)).status, 403);
    assert.equal((await get(app, '/tiles/layer1/0/0/0.png')).status, 403);
    assert.equal(calls.at(-1)!.service, 'tms');
  });
});

describe('KML (test_auth.py TestKMLAuth)', () => {
  it('super-overlay: full, none (403), unauthenticated (401), partial', async () => {
    let res = await get(app, '/kml/layer1/0/0/0.kml');
    assert.equal(res.status, 200);
    assert.match(res.body.toString(), /<href>[^<]*layer1\/EPSG900913\/1\/0\/0\.kml<\/href>/);
    assert.deepEqual([calls[0]!.service, calls[0]!.layers, calls[0]!.path], ['kml', ['layer1'], '/kml/layer1/0/0/0.kml']);
    answer = { authorized: 'none' };
    assert.equal((await get(app, '/kml/layer1/0/0/0.kml')).status, 403);
    answer = { authorized: 'unauthenticated' };
    assert.equal((await get(app, '/kml/layer1/0/0/0.kml')).status, 401);
    answer = { authorized: 'partial', layers: { layer1: { tile: true } } };
    assert.equal((await get(app, '/kml/layer1/0/0/0.kml')).status, 200);
    answer = { authorized: 'partial', layers: { layer1: { tile: false } } };
    assert.equal((await get(app, '/kml/layer1/0/0/0.kml')).status, 403);
  });

  it('tile: limited_to clips as in TMS, and KML tiles are never decorated', async () => {
    answer = { authorized: 'partial', layers: { layer3: { tile: true, limited_to: { geometry: [-180, -89, -90, 89], srs: 'EPSG:4326' } } } };
    let decorated = 0;
    decorate = (image) => { decorated++; return image; };
    // KML has no profiles: level 1 tile 0/0 is the south-west quarter, 180°W to 0°
    const res = await get(app, '/kml/layer3/1/0/0.jpeg');
    assert.equal(res.headers['content-type'], 'image/png');
    const img = await decodeImage(res.body);
    assertRed(img, 0, 0, 127, 255);
    assert.equal(decorated, 0);
  });
});

describe('WMTS (test_auth.py TestWMTSAuth)', () => {
  const WMTS_CAPS = '/wmts/1.0.0/WMTSCapabilities.xml';
  const ids = (xml: string) => names(xml, /<Layer>\s*<ows:Title>[^<]*<\/ows:Title>[\s\S]*?<ows:Identifier>([^<]*)<\/ows:Identifier>/g);

  it('capabilities: full, none (403), unauthenticated (401), partial (REST and KVP)', async () => {
    assert.deepEqual(ids((await get(app, WMTS_CAPS)).body.toString()).sort(), ['layer1', 'layer1a', 'layer1b', 'layer2a', 'layer2b1', 'layer3']);
    assert.equal(calls[0]!.service, 'wmts');
    assert.equal(calls[0]!.layers.length, 6);
    answer = { authorized: 'none' };
    assert.equal((await get(app, WMTS_CAPS)).status, 403);
    answer = { authorized: 'unauthenticated' };
    assert.equal((await get(app, '/service?service=WMTS&request=GetCapabilities')).status, 401);
    answer = { authorized: 'partial', layers: { layer1a: { tile: true }, layer2b1: { tile: true }, layer3: { map: true } } };
    assert.deepEqual(ids((await get(app, WMTS_CAPS)).body.toString()), ['layer1a', 'layer2b1']);
    assert.deepEqual(ids((await get(app, '/service?service=WMTS&request=GetCapabilities')).body.toString()), ['layer1a', 'layer2b1']);
  });

  it('tile: extent in the grid SRS, partial permits, none refuses', async () => {
    answer = { authorized: 'partial', layers: { layer1: { tile: true } } };
    const res = await get(app, '/wmts/layer1/GLOBAL_MERCATOR/0/0/0.png');
    assert.equal(res.status, 200);
    assert.equal(calls[0]!.service, 'wmts');
    assert.ok(bboxClose(calls[0]!.queryExtent![1], [-MERC, -MERC, MERC, MERC]));
    answer = { authorized: 'none' };
    assert.equal((await get(app, '/wmts/layer1/GLOBAL_MERCATOR/0/0/0.png')).status, 403);
  });

  it('tile: limited_to clips (tile 1/0/0 from the north-west is the TMS tile 1/0/1)', async () => {
    answer = { authorized: 'partial', layers: { layer3: { tile: true, limited_to: { geometry: [-180, -89, -90, 89], srs: 'EPSG:4326' } } } };
    const res = await get(app, '/wmts/layer3/GLOBAL_MERCATOR/1/0/0.jpeg');
    assert.equal(res.headers['content-type'], 'image/png');
    assert.deepEqual(upstream.paths, ['/1/0/1.png']);
    const img = await decodeImage(res.body);
    assertRed(img, 0, 0, 127, 255);
    for (const c of colours(img, 129, 0, 255, 255)) assert.equal(c.split(',')[3], '0');
  });

  it('feature info: asks wmts.featureinfo and needs the featureinfo permission', async () => {
    const fi = '/service?service=WMTS&request=GetFeatureInfo&version=1.0.0&layer=layer1b&style=&tilematrixset=GLOBAL_MERCATOR&tilematrix=0&tilerow=0&tilecol=0&format=image/png&infoformat=application/json&i=10&j=10';
    answer = { authorized: 'partial', layers: { layer1b: { tile: true } } };
    assert.equal((await get(app, fi)).status, 403);
    assert.equal(calls[0]!.service, 'wmts.featureinfo');
    answer = { authorized: 'partial', layers: { layer1b: { featureinfo: true, limited_to: { geometry: [0, 0, 10, 10], srs: 'EPSG:4326' } } } };
    const res = await get(app, fi);
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 0, 'the click (near 172°W, 84°N) is outside limited_to');
    assert.equal(upstream.paths.length, 0);
  });
});

describe('demo (test_auth.py TestDemoAuth)', () => {
  it('full shows the demo; partial and none are 403; unauthenticated 401; static files are not asked', async () => {
    assert.equal((await get(app, '/demo/')).status, 200);
    assert.deepEqual(calls.map((c) => [c.service, c.layers]), [['demo', []]]);
    answer = { authorized: 'partial', layers: {} };
    assert.equal((await get(app, '/demo/')).status, 403);
    answer = { authorized: 'none' };
    assert.equal((await get(app, '/demo/')).status, 403);
    answer = { authorized: 'unauthenticated' };
    assert.equal((await get(app, '/demo/')).status, 401);
    calls = [];
    await get(app, '/demo/static/site.css');
    assert.equal(calls.length, 0);
  });
});

describe('decorate_img (test_decorate_img.py)', () => {
  const green = (image: ImageResult) => {
    void image;
    return ImageResult.fromRaw(blankImage([256, 256], { bgcolor: [0, 255, 0] }));
  };

  it('WMS GetMap: called with wms.map, the drawn layers and the query extent; its image is served', async () => {
    const seen: unknown[] = [];
    decorate = (image, service, layers, ctx) => {
      seen.push([service, layers, ctx.queryExtent]);
      return ImageResult.fromRaw(blankImage([200, 100], { bgcolor: [0, 255, 0] }));
    };
    const res = await get(app, `${MAP}layers=layer1`);
    assert.deepEqual(seen, [['wms.map', ['layer1'], ['EPSG:4326', [-80, -40, 0, 0]]]]);
    const img = await decodeImage(res.body);
    assert.deepEqual(pixelAt(img, 50, 50), [0, 255, 0, 255]);
  });

  it('TMS and WMTS tiles: called with the service, the layer and the tile extent', async () => {
    const seen: unknown[] = [];
    decorate = (image, service, layers, ctx) => {
      seen.push([service, layers, ctx.queryExtent![0]]);
      return green(image);
    };
    let img = await decodeImage((await get(app, `${TMS}/layer1_EPSG900913/0/0/0.png`)).body);
    assert.deepEqual(pixelAt(img, 10, 10), [0, 255, 0, 255]);
    img = await decodeImage((await get(app, '/wmts/layer1/GLOBAL_MERCATOR/0/0/0.png')).body);
    assert.deepEqual(pixelAt(img, 10, 10), [0, 255, 0, 255]);
    assert.deepEqual(seen, [['tms', ['layer1'], 'EPSG:900913'], ['wmts', ['layer1'], 'EPSG:900913']]);
  });

  it('a per-request hook (as a WSGI middleware sets environ) wins over the app one', async () => {
    answer = { authorized: 'full' };
    const res = await app.handle({
      method: 'GET', path: '/service', query: CAPS.split('?')[1]!, headers: {},
      hooks: { authorize: () => ({ authorized: 'none' }) },
    });
    assert.equal(res.status, 403);
    assert.equal(calls.length, 0);
  });
});
