import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_GRIDS } from '../../src/core/geo/grid.js';
import { pyFloat } from '../../src/core/util/py-format.js';
import { TmsService } from '../../src/core/service/tile/service.js';
import { httpDate, tileEtag, tileResponse } from '../../src/core/service/tile-response.js';
import { request, tileLayer } from './service-fakes.js';

const text = (r: { body: Buffer | string }) => r.body.toString();

describe('tile responses', () => {
  it('format timestamps like Python str(float) for the ETag', () => {
    assert.equal(pyFloat(1234567890), '1234567890.0');
    assert.equal(pyFloat(1e-5), '1e-05');
    assert.equal(pyFloat(1e16), '1e+16');
    assert.equal(pyFloat(0.1 + 0.2), '0.30000000000000004');
    // the pair pinned by MapProxy's test_tms.py
    assert.equal(tileEtag(1234567890, 10214), 'a4b85e1a675022430a0d03778841a25f'); // md5('1234567890.0' + '10214')
    assert.equal(httpDate(1234567890), 'Fri, 13 Feb 2009 23:31:30 GMT');
  });

  it('send caching headers and answer conditional requests with 304', () => {
    const tile = { data: Buffer.from('abc'), contentType: 'image/png', timestamp: 1234567890, cacheable: true };
    const r = tileResponse(request('/x'), tile, { maxAge: 3600 });
    assert.equal(r.status, 200);
    assert.equal(r.headers['Cache-Control'], 'public, max-age=3600, s-maxage=3600');
    assert.equal(r.headers['Last-Modified'], 'Fri, 13 Feb 2009 23:31:30 GMT');
    const etag = r.headers['ETag']!;
    const byEtag = tileResponse(request('/x', { 'if-none-match': etag }), tile);
    assert.equal(byEtag.status, 304);
    assert.equal(byEtag.headers['Content-Type'], undefined);
    assert.equal(tileResponse(request('/x', { 'if-modified-since': 'Fri, 13 Feb 2009 23:31:30 GMT' }), tile).status, 304);
    assert.equal(tileResponse(request('/x', { 'if-modified-since': 'Fri, 13 Feb 2009 23:31:29 GMT' }), tile).status, 200);
    const nc = tileResponse(request('/x', { 'if-none-match': etag }), { ...tile, cacheable: false }, { noCacheWhenUncacheable: true });
    assert.equal(nc.status, 200);
    assert.equal(nc.headers['Cache-Control'], 'no-cache, no-store');
    assert.equal(nc.headers['ETag'], undefined);
  });
});

describe('TMS and /tiles', () => {
  const merc = tileLayer('osm');
  const geo = tileLayer('osm', DEFAULT_GRIDS.GLOBAL_GEODETIC, { format: 'image/jpeg' });
  const nw = tileLayer('nwl', { name: 'nwgrid', srs: 'EPSG:3857', origin: 'nw' });
  const tms = new TmsService({ layers: [merc, geo, nw], md: { title: 'TMS', abstract: 'x' }, useGridNames: false, maxTileAge: 7200 });
  const get = (p: string, headers: Record<string, string> = {}) => tms.handle(request(p, headers), p.split('?')[0]!);

  it('shifts the level of global profiles on /tms but not on /tiles', async () => {
    merc.requested.length = 0;
    const r = await get('/tms/1.0.0/osm/EPSG900913/0/0/0.png');
    assert.equal(r.status, 200);
    assert.equal(r.headers['Content-Type'], 'image/png');
    assert.equal(r.headers['Cache-Control'], 'public, max-age=7200, s-maxage=7200');
    await get('/tms/1.0.0/osm_EPSG900913/1/1/0.png');
    await get('/tiles/osm/EPSG900913/1/1/0.png');
    assert.deepEqual(merc.requested, [[0, 0, 1], [1, 0, 2], [1, 0, 1]]);
  });

  it('falls back from a bare layer to EPSG900913, then EPSG4326', async () => {
    merc.requested.length = 0;
    await get('/tms/1.0.0/osm/0/0/0.png');
    assert.deepEqual(merc.requested, [[0, 0, 1]]);
    geo.requested.length = 0;
    await get('/tms/1.0.0/osm/EPSG4326/0/1/0.jpeg');
    assert.deepEqual(geo.requested, [[1, 0, 1]]);
  });

  it('flips rows between the request origin and the grid origin', async () => {
    nw.requested.length = 0;
    await get('/tms/1.0.0/nwl/EPSG3857/1/0/0.png'); // TMS is sw, profile z+1; grid is nw: y' = 3 - 0
    await get('/tiles/nwl/EPSG3857/1/0/0.png'); // no origin: grid's own
    await get('/tiles/nwl/EPSG3857/1/0/0.png?origin=sw');
    assert.deepEqual(nw.requested, [[0, 3, 2], [0, 0, 1], [0, 1, 1]]);
    const sw = new TmsService({ layers: [nw], md: {}, useGridNames: false, origin: 'sw' });
    await sw.handle(request('/tiles/nwl/EPSG3857/1/0/0.png'), '/tiles/nwl/EPSG3857/1/0/0.png');
    assert.deepEqual(nw.requested.at(-1), [0, 1, 1]);
  });

  it('reports errors as TileMapServerError (TMS) or plain text (/tiles)', async () => {
    const out = await get('/tms/1.0.0/osm/EPSG900913/0/5/0.png');
    assert.equal(out.status, 404);
    assert.equal(out.headers['Content-Type'], 'text/xml; charset=utf-8');
    assert.match(text(out), /<TileMapServerError>\n    <Message>The requested tile is outside the bounding box of the tile map.<\/Message>/);
    const fmt = await get('/tms/1.0.0/osm/EPSG4326/0/0/0.jpg');
    assert.match(text(fmt), /invalid format \(jpg\). this tile set only supports \(jpeg\)/);
    const unknown = await get('/tiles/nope/0/0/0.png');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers['Content-Type'], 'text/plain; charset=utf-8');
    assert.equal(text(unknown), 'unknown layer: nope');
    const negative = await get('/tiles/osm/EPSG900913/-1/0/0.png');
    assert.equal(negative.status, 404);
  });

  it('answers source errors with 500', async () => {
    const failing = new TmsService({ layers: [tileLayer('bad', DEFAULT_GRIDS.GLOBAL_MERCATOR, { fail: 'source down' })], md: {}, useGridNames: false });
    const r = await failing.handle(request('/tms/1.0.0/bad/0/0/0.png'), '/tms/1.0.0/bad/0/0/0.png');
    assert.equal(r.status, 500);
    assert.match(text(r), /source down/);
  });

  it('sends no-cache headers for uncacheable tiles', async () => {
    const svc = new TmsService({ layers: [tileLayer('u', DEFAULT_GRIDS.GLOBAL_MERCATOR, { tile: { cacheable: false } })], md: {}, useGridNames: false });
    const r = await svc.handle(request('/tms/1.0.0/u/0/0/0.png'), '/tms/1.0.0/u/0/0/0.png');
    assert.equal(r.headers['Cache-Control'], 'no-cache, no-store');
  });

  it('publishes root, TileMapService and TileMap documents with request-based URLs', async () => {
    const root = text(await get('/tms', { host: 'h.example' }));
    assert.match(root, /href="http:\/\/h.example\/tms\/1.0.0\/"/);
    const caps = text(await get('/tms/1.0.0/', { host: 'h.example', 'x-script-name': '/mp' }));
    assert.match(caps, /<TileMap title="Tiles osm"\s+srs="OSGEO:41001"\s+profile="global-mercator"\s+href="http:\/\/h.example\/mp\/tms\/1.0.0\/osm\/EPSG900913" \/>/);
    assert.match(caps, /srs="EPSG:4326"\s+profile="global-geodetic"/);
    assert.match(caps, /href="http:\/\/h.example\/mp\/tms\/1.0.0\/nwl\/EPSG3857"/);
    const map = text(await get('/tms/1.0.0/osm/EPSG900913'));
    assert.match(map, /<SRS>OSGEO:41001<\/SRS>/);
    assert.match(map, /<TileFormat width="256" height="256" mime-type="image\/png" extension="png" \/>/);
    assert.match(map, /<TileSet href="http:\/\/localhost\/tms\/1.0.0\/osm\/EPSG900913\/0" units-per-pixel="78271.51696402048" order="0" \/>/);
  });

  it('uses grid names in URLs with use_grid_names', async () => {
    const named = new TmsService({ layers: [merc], md: {}, useGridNames: true });
    const ok = await named.handle(request('/tms/1.0.0/osm/GLOBAL_MERCATOR/0/0/0.png'), '/tms/1.0.0/osm/GLOBAL_MERCATOR/0/0/0.png');
    assert.equal(ok.status, 200);
    const bare = await named.handle(request('/tms/1.0.0/osm/0/0/0.png'), '/tms/1.0.0/osm/0/0/0.png');
    assert.equal(bare.status, 404);
  });
});
