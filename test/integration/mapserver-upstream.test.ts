// mapproxy-ts with a real MapServer upstream: caching through WMS, WMTS and TMS, tiles on disk in
// MapProxy's layout, and the number of upstream requests (one per meta tile).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startMapServer, TEST_COLORS, type TestMapServer } from '../support/mapserver.js';
import { listFiles, tcTilePath, tempDir, upstreamConfig, writeConfig } from '../support/configs.js';
import { colorFraction, colorNear, decodeImage, pixelAt } from '../support/images.js';
import { createApp, get, type OurApp } from '../support/our-app.js';
import { waitUntil } from '../support/wait-until.js';

describe('MapServer as upstream of mapproxy-ts', () => {
  let ms: TestMapServer;
  let dir: string;
  let cacheDir: string;
  let app: OurApp;
  /** Upstream GetMap requests for the `areas` layer since the last call. */
  let seen = 0;
  const newAreaRequests = () => {
    const fresh = ms.requests.slice(seen);
    seen = ms.requests.length;
    return fresh.filter((q) => /(^|&)layers=areas(&|$)/i.test(q));
  };

  before(async () => {
    ms = await startMapServer();
    dir = tempDir();
    cacheDir = join(dir, 'cache');
    app = await createApp(writeConfig(dir, upstreamConfig({ mapserverUrl: ms.url, cacheDir })));
  });
  after(async () => {
    await ms?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves a WMTS tile from one meta tile request and stores its 2×2 tiles', async () => {
    newAreaRequests();
    const res = await get(app, '/wmts/areas_cached/GLOBAL_WEBMERCATOR/02/2/1.png');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'image/png');
    const img = await decodeImage(res.body);
    assert.deepEqual([img.width, img.height], [256, 256]);
    // lon 0..90, lat 0..66.5: the red square (lon 0..20, lat 40..60) is at x 0..57, y 41..131.
    assert.ok(colorNear(pixelAt(img, 10, 100), TEST_COLORS.redArea), String(pixelAt(img, 10, 100)));
    assert.ok(colorNear(pixelAt(img, 200, 200), TEST_COLORS.background), String(pixelAt(img, 200, 200)));

    const upstream = newAreaRequests();
    assert.equal(upstream.length, 1, upstream.join('\n'));
    assert.match(upstream[0], /width=512/i);
    assert.match(upstream[0], /height=512/i);
    assert.match(upstream[0], /srs=EPSG(%3A|:)3857/i);
    // the asked tile is stored before the answer, the rest of its meta tile right after
    const stored = [[2, 0], [3, 0], [2, 1], [3, 1]].map(([x, y]) => tcTilePath(cacheDir, 'areas_cache', 'EPSG3857', 2, x!, y!, 'png'));
    await waitUntil(() => stored.every((f) => existsSync(f)), `the meta tile's tiles: ${stored.join(', ')}`);
  });

  it('answers further tiles of the same meta tile from the cache', async () => {
    newAreaRequests();
    for (const path of ['/wmts/areas_cached/GLOBAL_WEBMERCATOR/02/2/1.png', '/wmts/areas_cached/GLOBAL_WEBMERCATOR/02/3/0.png',
      '/service?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=areas_cached&STYLE=&TILEMATRIXSET=GLOBAL_WEBMERCATOR' +
      '&TILEMATRIX=02&TILEROW=1&TILECOL=3&FORMAT=image/png']) {
      const res = await get(app, path);
      assert.equal(res.status, 200, path);
    }
    assert.deepEqual(newAreaRequests(), []);
  });

  it('maps TMS coordinates (sw origin, level shift of the global profiles) to the cache layout', async () => {
    newAreaRequests();
    const merc = await get(app, '/tms/1.0.0/areas_cached/GLOBAL_WEBMERCATOR/2/0/0.png');
    assert.equal(merc.status, 200);
    assert.ok(existsSync(tcTilePath(cacheDir, 'areas_cache', 'EPSG3857', 3, 0, 7, 'png')));
    const geo = await get(app, '/tms/1.0.0/areas_cached/GLOBAL_GEODETIC/0/0/0.png');
    assert.equal(geo.status, 200);
    assert.ok(existsSync(tcTilePath(cacheDir, 'areas_cache', 'EPSG4326', 1, 0, 0, 'png')));
    // western hemisphere: the green square (lon -80..-40, lat -40..0)
    assert.ok(colorFraction(await decodeImage(geo.body), TEST_COLORS.greenArea) > 0.02);
    assert.equal(newAreaRequests().length, 2);
  });

  it('stores JPEG tiles with the .jpeg extension', async () => {
    const res = await get(app, '/wmts/areas_jpeg/GLOBAL_WEBMERCATOR/02/2/1.jpeg');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'image/jpeg');
    assert.ok(existsSync(tcTilePath(cacheDir, 'areas_jpeg_cache', 'EPSG3857', 2, 2, 1, 'jpeg')));
    assert.ok(colorNear(pixelAt(await decodeImage(res.body), 10, 100), TEST_COLORS.redArea, 25));
  });

  it('serves WMS GetMap from the cache, reprojected to EPSG:25832', async () => {
    const cachedBefore = listFiles(join(cacheDir, 'areas_cache_EPSG3857')).length;
    const res = await get(app, '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=areas_cached&STYLES=' +
      '&SRS=EPSG:25832&BBOX=400000,5400000,700000,5700000&WIDTH=100&HEIGHT=100&FORMAT=image/png');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'image/png');
    const img = await decodeImage(res.body);
    assert.ok(colorFraction(img, TEST_COLORS.redArea) > 0.95);
    assert.ok(listFiles(join(cacheDir, 'areas_cache_EPSG3857')).length > cachedBefore, 'GetMap filled the cache');
  });

  it('forwards direct WMS layers to MapServer with their own layers and transparency', async () => {
    seen = ms.requests.length;
    const res = await get(app, '/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=lines_direct&STYLES=' +
      '&CRS=EPSG:4326&BBOX=-90,-180,90,180&WIDTH=512&HEIGHT=256&FORMAT=image/png&TRANSPARENT=TRUE');
    assert.equal(res.status, 200);
    const img = await decodeImage(res.body);
    assert.deepEqual([img.width, img.height], [512, 256]);
    const px = (lon: number, lat: number) => pixelAt(img, Math.floor((lon + 180) / 360 * 512), Math.floor((90 - lat) / 180 * 256));
    assert.ok(colorNear(px(-120, 20), TEST_COLORS.line), String(px(-120, 20)));
    assert.equal(px(10, -70)[3], 0, 'transparent where nothing is drawn');
    const upstream = ms.requests.slice(seen);
    assert.equal(upstream.length, 1);
    assert.match(upstream[0], /layers=lines(%2C|,)points/i);
    assert.match(upstream[0], /transparent=true/i);
  });

  it('merges cached and direct sources of one layer, bottom to top', async () => {
    const res = await get(app, '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=combined&STYLES=' +
      '&SRS=EPSG:3857&BBOX=-20037508.34,-20037508.34,20037508.34,20037508.34&WIDTH=256&HEIGHT=256&FORMAT=image/png');
    assert.equal(res.status, 200);
    const img = await decodeImage(res.body);
    assert.ok(colorFraction(img, TEST_COLORS.redArea, 20) > 0.002, 'areas from the cache');
    assert.ok(colorFraction(img, TEST_COLORS.line, 20) > 0.005, 'lines from the direct source');
    assert.ok(colorFraction(img, TEST_COLORS.background) > 0.5, 'opaque white background');
  });

  it('reports a WMS exception for an unknown layer without asking MapServer', async () => {
    seen = ms.requests.length;
    const res = await get(app, '/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=nope&STYLES=' +
      '&CRS=EPSG:3857&BBOX=0,0,1,1&WIDTH=1&HEIGHT=1&FORMAT=image/png');
    assert.match(res.body.toString(), /code="LayerNotDefined"/);
    assert.equal(ms.requests.length, seen);
  });
});
