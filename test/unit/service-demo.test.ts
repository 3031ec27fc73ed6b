import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_GRIDS } from '../../src/core/geo/grid.js';
import { DemoService } from '../../src/core/service/demo/service.js';
import { notFound } from '../../src/core/service/response.js';
import { welcomePage } from '../../src/core/service/welcome.js';
import { request, solidLayer, tileLayer, wmsLayer } from './service-fakes.js';

const text = (r: { body: Buffer | string }) => r.body.toString();

describe('demo and welcome pages', () => {
  const root = wmsLayer(undefined, { children: [wmsLayer('red', { mapLayers: [solidLayer([255, 0, 0])], bbox: [5, 45, 15, 55] })] });
  const tiles = [tileLayer('osm', DEFAULT_GRIDS.GLOBAL_MERCATOR), tileLayer('osm', DEFAULT_GRIDS.GLOBAL_WEBMERCATOR)];
  const demo = new DemoService({
    wms: { rootLayer: root, srs: ['EPSG:4326', 'EPSG:3857'], imageFormats: ['image/png'] },
    tms: { layers: tiles, useGridNames: false },
    wmts: { layers: tiles, restful: true, kvp: true },
  });
  const get = (p: string, headers: Record<string, string> = {}) => demo.handle(request(p, headers), p.split('?')[0]!);

  it('redirects /demo to /demo/ under the forwarded base URL', async () => {
    const r = await get('/demo', { 'x-script-name': '/mp' });
    assert.equal(r.status, 301);
    assert.equal(r.headers['Location'], 'http://localhost/mp/demo/');
  });

  it('lists WMS, WMTS and TMS layers with viewer and capabilities links', async () => {
    const r = await get('/demo/', { host: 'd.example' });
    assert.equal(r.headers['Content-Type'], 'text/html; charset=utf-8');
    const t = text(r);
    assert.match(t, /href="\?wms_layer=red&amp;format=image%2Fpng&amp;srs=EPSG%3A4326"/);
    assert.match(t, /href="http:\/\/d.example\/wmts\/1.0.0\/WMTSCapabilities.xml"/);
    assert.match(t, /href="\?wmts_layer=osm&amp;matrix_set=GLOBAL_WEBMERCATOR"/);
    assert.match(t, /href="\?tms_layer=osm&amp;spec=EPSG900913"/);
    assert.match(t, /href="http:\/\/d.example\/tms\/1.0.0\/"/);
  });

  it('renders OpenLayers viewers from our own static files', async () => {
    const wms = text(await get('/demo/?wms_layer=red&format=image%2Fpng&srs=EPSG%3A4326'));
    assert.match(wms, /<script src="static\/ol.js"><\/script>/);
    assert.match(wms, /ImageWMS\(\{url: "http:\/\/localhost\/service\?"/);
    assert.match(wms, /VERSION: '1.1.1'/);
    const wmts = text(await get('/demo/?wmts_layer=osm&matrix_set=GLOBAL_WEBMERCATOR'));
    assert.match(wmts, /http:\/\/localhost\/wmts\/osm\/GLOBAL_WEBMERCATOR\/\{TileMatrix\}\/\{TileCol\}\/\{TileRow\}.png/);
    assert.match(wmts, /matrixIds: \["00","01"/);
    const tms = text(await get('/demo/?tms_layer=osm&spec=EPSG900913'));
    assert.match(tms, /http:\/\/localhost\/tms\/1.0.0\/osm\/EPSG900913\//);
    const js = await get('/demo/static/ol.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers['Content-Type'], 'application/javascript');
    assert.ok((js.body as Buffer).length > 100000);
    assert.equal((await get('/demo/static/secret.txt')).status, 404);
    assert.equal((await get('/demo/other')).status, 404);
  });

  it('puts the configured background map under every viewer, with a toggle (MapProxy 7)', async () => {
    const url = 'https://tiles.example/{z}/{x}/{y}.png';
    const withBg = new DemoService({
      wms: { rootLayer: root, srs: ['EPSG:4326'], imageFormats: ['image/png'] },
      tms: { layers: tiles, useGridNames: false },
      wmts: { layers: tiles, restful: true, kvp: true },
      backgroundUrl: url,
    });
    for (const p of ['/demo/?wms_layer=red&srs=EPSG%3A4326', '/demo/?tms_layer=osm&spec=EPSG900913', '/demo/?wmts_layer=osm&matrix_set=GLOBAL_WEBMERCATOR']) {
      const page = text(await withBg.handle(request(p), '/demo/'));
      assert.ok(page.includes(`new ol.source.XYZ({url: ${JSON.stringify(url)}})`), p);
      assert.match(page, /layers.unshift\(background\)/);
      assert.match(page, /id="toggle-background"/);
    }
    // without a background there is no layer and no button
    const plain = text(await get('/demo/?wms_layer=red&srs=EPSG%3A4326'));
    assert.doesNotMatch(plain, /ol.source.XYZ|toggle-background/);
  });

  it('welcomes with a demo link only when the demo is enabled', () => {
    const on = welcomePage(request('/'), { demo: true });
    assert.match(text(on), /Welcome to MapProxy-ts/);
    assert.match(text(on), /href="http:\/\/localhost\/demo\/"/);
    assert.doesNotMatch(text(welcomePage(request('/'), { demo: false })), /demo/);
    const nf = notFound();
    assert.equal(nf.status, 404);
    assert.equal(nf.body, 'not found');
  });
});
