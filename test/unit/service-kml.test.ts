import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createApp } from '../../src/core/app.js';
import { DEFAULT_GRIDS } from '../../src/core/geo/grid.js';
import { pyFixed } from '../../src/core/service/kml/py-fixed.js';
import { KmlService } from '../../src/core/service/kml/service.js';
import { request, SCHEMAS, tileLayer, xmllint } from './service-fakes.js';

const text = (r: { body: Buffer | string }) => r.body.toString();

/** The overlays of a KML document in order: [kind, name, north, south, east, west, href]. */
function overlays(doc: string): string[][] {
  const re =
    /<(NetworkLink|GroundOverlay)>\s*<name>([^<]*)<\/name>[\s\S]*?<north>([^<]*)<\/north><south>([^<]*)<\/south>\s*<east>([^<]*)<\/east><west>([^<]*)<\/west>[\s\S]*?<href>([^<]*)<\/href>/g;
  return [...doc.matchAll(re)].map((m) => m.slice(1));
}

/** The document's own region: [north, south, east, west]. */
function region(doc: string): string[] {
  const m = /<Document>\s*<name>[^<]*<\/name>\s*<Region>\s*<LatLonAltBox>\s*<north>([^<]*)<\/north><south>([^<]*)<\/south>\s*<east>([^<]*)<\/east><west>([^<]*)<\/west>/.exec(doc);
  assert.ok(m, 'document region');
  return m.slice(1);
}

describe('KML super-overlays', () => {
  const merc = tileLayer('osm', DEFAULT_GRIDS.GLOBAL_MERCATOR, { format: 'image/jpeg' });
  const geo = tileLayer('osm', DEFAULT_GRIDS.GLOBAL_GEODETIC, { format: 'image/jpeg' });
  const nw = tileLayer('nwl', { name: 'webmercator', srs: 'EPSG:3857', origin: 'nw', numLevels: 5 });
  const utm = tileLayer('utm', { name: 'utm32', srs: 'EPSG:25832', bbox: [280000, 5200000, 920000, 6120000], origin: 'nw', numLevels: 4 });
  const kml = new KmlService({ layers: [merc, geo, nw, utm], useGridNames: false, maxTileAge: 7200 });
  const get = (p: string, headers: Record<string, string> = {}) => kml.handle(request(p, headers), p);

  it('starts with level 0 and links the four level 1 tiles (MapProxy 1.15 reference)', async () => {
    const r = await get('/kml/osm/EPSG900913');
    assert.equal(r.status, 200);
    assert.equal(r.headers['Content-Type'], 'application/vnd.google-earth.kml+xml');
    const doc = text(r);
    assert.match(doc, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<kml xmlns="http:\/\/www.opengis.net\/kml\/2.2">\n {2}<Document>\n {4}<name>osm<\/name>/);
    // Mercator tiles touching the world's edge reach the poles.
    assert.deepEqual(region(doc), ['90.000000', '-90.000000', '180.000000', '-180.000000']);
    const u = 'http://localhost/kml/osm/EPSG900913/1';
    assert.deepEqual(overlays(doc), [
      ['NetworkLink', 'osm - (0, 1, 1)', '90.000000', '0.000000', '0.000000', '-180.000000', `${u}/0/1.kml`],
      ['NetworkLink', 'osm - (1, 1, 1)', '90.000000', '0.000000', '180.000000', '0.000000', `${u}/1/1.kml`],
      ['NetworkLink', 'osm - (0, 0, 1)', '0.000000', '-90.000000', '0.000000', '-180.000000', `${u}/0/0.kml`],
      ['NetworkLink', 'osm - (1, 0, 1)', '0.000000', '-90.000000', '180.000000', '0.000000', `${u}/1/0.kml`],
      ['GroundOverlay', '(0, 1, 1)', '90.000000', '0.000000', '0.000000', '-180.000000', `${u}/0/1.jpeg`],
      ['GroundOverlay', '(1, 1, 1)', '90.000000', '0.000000', '180.000000', '0.000000', `${u}/1/1.jpeg`],
      ['GroundOverlay', '(0, 0, 1)', '0.000000', '-90.000000', '0.000000', '-180.000000', `${u}/0/0.jpeg`],
      ['GroundOverlay', '(1, 0, 1)', '0.000000', '-90.000000', '180.000000', '0.000000', `${u}/1/0.jpeg`],
    ]);
    assert.equal(doc.match(/<minLodPixels>128<\/minLodPixels>\s*<maxLodPixels>-1<\/maxLodPixels>/g)?.length, 4);
    assert.equal(doc.match(/<minLodPixels>128<\/minLodPixels>\s*<maxLodPixels>768<\/maxLodPixels>/g)?.length, 4);
    assert.equal(doc.match(/<drawOrder>1<\/drawOrder>/g)?.length, 4);
    assert.equal(doc.match(/<viewRefreshMode>onRegion<\/viewRefreshMode>/g)?.length, 4);
    assert.equal(xmllint(doc, ['--schema', `${SCHEMAS}/kml/2.2.0/ogckml22.xsd`]), '');
  });

  it('accepts <layer>_<EPSG>, a trailing slash, and a bare layer (EPSG4326 first)', async () => {
    const underscore = text(await get('/kml/osm_EPSG900913/'));
    assert.match(underscore, /<name>osm_EPSG900913<\/name>/);
    assert.match(underscore, /<href>http:\/\/localhost\/kml\/osm\/EPSG900913\/1\/0\/1.kml<\/href>/);
    const bare = text(await get('/kml/osm'));
    assert.match(bare, /<href>http:\/\/localhost\/kml\/osm\/EPSG4326\/1\/0\/0.kml<\/href>/);
  });

  it('links the next level of a geodetic tile without the TMS profile shift', async () => {
    const doc = text(await get('/kml/osm/EPSG4326/1/1/0.kml'));
    assert.deepEqual(region(doc), ['90.000000', '-90.000000', '180.000000', '0.000000']);
    const links = overlays(doc).filter((o) => o[0] === 'NetworkLink');
    assert.deepEqual(
      links.map((o) => [o[1], o[6]]),
      [
        ['osm - (2, 1, 2)', 'http://localhost/kml/osm/EPSG4326/2/2/1.kml'],
        ['osm - (3, 1, 2)', 'http://localhost/kml/osm/EPSG4326/2/3/1.kml'],
        ['osm - (2, 0, 2)', 'http://localhost/kml/osm/EPSG4326/2/2/0.kml'],
        ['osm - (3, 0, 2)', 'http://localhost/kml/osm/EPSG4326/2/3/0.kml'],
      ],
    );
    assert.deepEqual(links[0]!.slice(2, 6), ['90.000000', '0.000000', '90.000000', '0.000000']);
  });

  it('addresses nw grids from the lower left (MapProxy 1.15 reference)', async () => {
    const doc = text(await get('/kml/nwl/EPSG3857/2/1/3.kml'));
    assert.deepEqual(region(doc), ['90.000000', '66.513260', '0.000000', '-90.000000']);
    const links = overlays(doc).filter((o) => o[0] === 'NetworkLink');
    assert.deepEqual(
      links.map((o) => o.slice(1)),
      [
        ['nwl - (2, 7, 3)', '90.000000', '79.171335', '-45.000000', '-90.000000', 'http://localhost/kml/nwl/EPSG3857/3/2/7.kml'],
        ['nwl - (3, 7, 3)', '90.000000', '79.171335', '-0.000000', '-45.000000', 'http://localhost/kml/nwl/EPSG3857/3/3/7.kml'],
        ['nwl - (2, 6, 3)', '79.171335', '66.513260', '-45.000000', '-90.000000', 'http://localhost/kml/nwl/EPSG3857/3/2/6.kml'],
        ['nwl - (3, 6, 3)', '79.171335', '66.513260', '-0.000000', '-45.000000', 'http://localhost/kml/nwl/EPSG3857/3/3/6.kml'],
      ],
    );
    nw.requested.length = 0;
    assert.equal((await get('/kml/nwl/EPSG3857/1/0/0.png')).status, 200);
    assert.deepEqual(nw.requested, [[0, 1, 1]]);
  });

  it('transforms projected tile bboxes to EPSG:4326 (MapProxy 1.15 reference)', async () => {
    const doc = text(await get('/kml/utm/EPSG25832'));
    assert.deepEqual(region(doc), ['55.177571', '46.820887', '15.578663', '5.544808']);
    assert.deepEqual(
      overlays(doc).filter((o) => o[0] === 'NetworkLink').map((o) => o.slice(1)),
      [
        ['utm - (0, 1, 1)', '55.177571', '51.041331', '12.768574', '5.544808', 'http://localhost/kml/utm/EPSG25832/1/0/1.kml'],
        ['utm - (1, 1, 1)', '55.168277', '50.668284', '19.893747', '12.423752', 'http://localhost/kml/utm/EPSG25832/1/1/1.kml'],
        ['utm - (0, 0, 1)', '51.049337', '46.910129', '12.423752', '5.861081', 'http://localhost/kml/utm/EPSG25832/1/0/0.kml'],
        ['utm - (1, 0, 1)', '51.041331', '46.587041', '18.915281', '12.151656', 'http://localhost/kml/utm/EPSG25832/1/1/0.kml'],
      ],
    );
  });

  it('ends with a document without links on the last level', async () => {
    const doc = text(await get('/kml/nwl/EPSG3857/4/0/0.kml'));
    assert.deepEqual(overlays(doc), []);
    assert.equal(xmllint(doc, ['--schema', `${SCHEMAS}/kml/2.2.0/ogckml22.xsd`]), '');
  });

  it('sends documents with an ETag of their content and answers 304', async () => {
    const r = await get('/kml/osm/EPSG900913/3/2/5.kml');
    const etag = createHash('md5').update(text(r)).digest('hex');
    assert.equal(r.headers['ETag'], etag);
    assert.equal(r.headers['Cache-Control'], 'public, max-age=7200, s-maxage=7200');
    assert.equal(r.headers['Last-Modified'], undefined);
    const again = await get('/kml/osm/EPSG900913/3/2/5.kml', { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.headers['Content-Type'], undefined);
  });

  it('serves tile images with caching headers, even uncacheable ones', async () => {
    merc.requested.length = 0;
    const r = await get('/kml/osm/EPSG900913/0/0/0.jpeg');
    assert.equal(r.status, 200);
    assert.equal(r.headers['Content-Type'], 'image/jpeg');
    assert.equal(r.headers['Last-Modified'], 'Fri, 13 Feb 2009 23:31:30 GMT');
    assert.equal(r.headers['Cache-Control'], 'public, max-age=7200, s-maxage=7200');
    assert.deepEqual(merc.requested, [[0, 0, 0]]);
    assert.equal((await get('/kml/osm/EPSG900913/0/0/0.jpeg', { 'if-none-match': r.headers['ETag']! })).status, 304);
    const uncacheable = new KmlService({ layers: [tileLayer('u', undefined, { tile: { cacheable: false } })], useGridNames: false });
    const u = await uncacheable.handle(request('/kml/u/EPSG900913/0/0/0.png'), '/kml/u/EPSG900913/0/0/0.png');
    assert.equal(u.headers['Cache-Control'], 'public, max-age=259200, s-maxage=259200');
    assert.ok(u.headers['ETag']);
  });

  it('reports errors as plain text, 404 or 500 for source errors', async () => {
    const cases: [string, string][] = [
      ['/kml/foo/EPSG900913', 'unknown layer: foo'],
      ['/kml/osm/EPSG900913/1/5/0.kml', 'The requested tile is outside the bounding box of the tile map.'],
      ['/kml/osm/EPSG900913/1/0/0.png', 'invalid format (png). this tile set only supports (jpeg)'],
      ['/kml/osm/EPSG900913/a/b', 'invalid request (/kml/osm/EPSG900913/a/b)'],
      ['/kml/', 'invalid request (/kml/)'],
    ];
    for (const [path, message] of cases) {
      const r = await get(path);
      assert.equal(r.status, 404, path);
      assert.equal(r.headers['Content-Type'], 'text/plain; charset=utf-8');
      assert.equal(r.headers['Cache-Control'], 'no-cache, no-store');
      assert.equal(text(r), message);
    }
    const failing = new KmlService({ layers: [tileLayer('f', undefined, { fail: 'upstream down' })], useGridNames: false });
    const r = await failing.handle(request('/kml/f/EPSG900913/0/0/0.png'), '/kml/f/EPSG900913/0/0/0.png');
    assert.equal(r.status, 500);
    assert.equal(text(r), 'upstream down');
  });

  it('uses grid names in URLs with use_grid_names', async () => {
    const named = new KmlService({ layers: [merc, nw], useGridNames: true });
    const g = (p: string) => named.handle(request(p), p);
    const doc = text(await g('/kml/nwl/webmercator'));
    assert.match(doc, /<href>http:\/\/localhost\/kml\/nwl\/webmercator\/1\/0\/1.kml<\/href>/);
    assert.match(doc, /<href>http:\/\/localhost\/kml\/nwl\/webmercator\/1\/0\/1.png<\/href>/);
    assert.equal((await g('/kml/osm/GLOBAL_MERCATOR/0/0/0.jpeg')).status, 200);
    assert.equal(text(await g('/kml/nwl/EPSG3857')), 'unknown layer: nwl');
    assert.equal((await g('/kml/nwl')).status, 404);
  });
});

describe('services.kml in a configuration', () => {
  it('publishes the cached layers under /kml, with use_grid_names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kml-conf-'));
    try {
      const conf = join(dir, 'mapproxy.yaml');
      writeFileSync(
        conf,
        [
          'globals: {cache: {base_dir: ./cache}}',
          'services: {kml: {use_grid_names: true}}',
          'layers: [{name: dbg, title: Debug, sources: [dbg_cache]}]',
          'caches: {dbg_cache: {grids: [geo], format: image/png, sources: [dbg]}}',
          'grids: {geo: {base: GLOBAL_GEODETIC, num_levels: 3}}',
          'sources: {dbg: {type: debug}}',
          '',
        ].join('\n'),
      );
      const app = await createApp(conf, { log: { warn() {}, error() {} } });
      const get = (path: string) => app.handle(request(path));
      const doc = await get('/kml/dbg/geo');
      assert.equal(doc.status, 200);
      assert.match(text(doc), /<href>http:\/\/localhost\/kml\/dbg\/geo\/1\/1\/0.png<\/href>/);
      const tile = await get('/kml/dbg/geo/1/1/0.png');
      assert.equal(tile.status, 200);
      assert.equal(tile.headers['Content-Type'], 'image/png');
      assert.ok(tile.headers['ETag']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Python %f formatting', () => {
  it('rounds exact ties to even and keeps the sign of tiny negatives', () => {
    assert.equal(pyFixed(0.0078125), '0.007812');
    assert.equal(pyFixed(0.0234375), '0.023438');
    assert.equal(pyFixed(-1e-9), '-0.000000');
    assert.equal(pyFixed(-0), '-0.000000');
    assert.equal(pyFixed(85.0511287798066), '85.051129');
    assert.equal(pyFixed(180), '180.000000');
  });
});
