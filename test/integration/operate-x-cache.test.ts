// X-Cache on tiles of every tile service: hit (from the cache), miss (created now) and stale (an expired tile,
// served because its source failed), against a real upstream WMS that goes away.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createApp, type App } from '../../src/core/app.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { get } from '../support/our-app.js';

const config = (dir: string, upstream: string) => `
services:
  tms:
  kml:
  wmts:
layers:
  - {name: up, title: Upstream, sources: [up_cache]}
caches:
  up_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [up_wms]
    # one tile per request: the single-tile path is where MapProxy serves stale tiles when the source fails
    meta_size: [1, 1]
    meta_buffer: 0
    refresh_before: {seconds: 2}
    cache: {type: file, directory: ${dir}/tiles}
sources:
  up_wms:
    type: wms
    req: {url: ${upstream}, layers: ok}
    http: {client_timeout: 2}
`;

describe('X-Cache on tiles', () => {
  let dir: string;
  let upstream: FakeUpstream;
  let app: App;
  const warnings: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'operate-x-cache-'));
    upstream = await startFakeUpstream();
    writeFileSync(join(dir, 'mapproxy.yaml'), config(dir, upstream.url));
    const record = (m: string) => void warnings.push(m);
    app = await createApp(join(dir, 'mapproxy.yaml'), { log: { warn: record, error: record } });
  });

  after(async () => {
    await app?.runtime.close();
    await upstream?.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  const tms = (z: number, x: number, y: number) => `/tms/1.0.0/up/EPSG3857/${z}/${x}/${y}.png`;

  test('TMS: miss when the tile is created, hit when it comes from the cache, also on a 304', async () => {
    const first = await get(app, tms(1, 0, 0));
    assert.equal(first.status, 200);
    assert.equal(first.headers['x-cache'], 'miss');
    assert.equal(upstream.requests.length, 1);
    const again = await get(app, tms(1, 0, 0));
    assert.equal(again.headers['x-cache'], 'hit');
    assert.deepEqual(again.body, first.body);
    assert.equal(upstream.requests.length, 1);
    const res = await app.handle({ method: 'GET', path: tms(1, 0, 0), query: '', headers: { 'if-none-match': again.headers.etag } });
    assert.equal(res.status, 304);
    assert.equal(res.headers['X-Cache'], 'hit');
  });

  test('WMTS (KVP and REST) and KML tiles say the same', async () => {
    const rest = await get(app, '/wmts/up/GLOBAL_WEBMERCATOR/2/1/1.png');
    assert.equal(rest.status, 200);
    assert.equal(rest.headers['x-cache'], 'miss');
    const kvp = await get(app, '/service?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=up&STYLE=default&TILEMATRIXSET=GLOBAL_WEBMERCATOR&TILEMATRIX=02&TILEROW=1&TILECOL=1&FORMAT=image/png');
    assert.equal(kvp.status, 200);
    assert.equal(kvp.headers['x-cache'], 'hit');
    // KML addresses tiles from the south-west: row 2 of level 2 is row 1 from the north
    const kml = await get(app, '/kml/up/EPSG3857/2/1/2.png');
    assert.equal(kml.status, 200);
    assert.equal(kml.headers['x-cache'], 'hit');
    // documents are not tiles
    assert.equal((await get(app, '/tms/1.0.0/')).headers['x-cache'], undefined);
  });

  test('stale: an expired tile whose source fails is served and marked stale; a missing one is an error', async () => {
    const before = await get(app, tms(1, 1, 1));
    assert.equal(before.headers['x-cache'], 'miss');
    await new Promise((r) => setTimeout(r, 3_100)); // older than refresh_before
    await upstream.stop();
    const stale = await get(app, tms(1, 1, 1));
    assert.equal(stale.status, 200);
    assert.equal(stale.headers['x-cache'], 'stale');
    assert.deepEqual(stale.body, before.body);
    assert.ok(warnings.some((w) => w.includes('source up_wms: could not retrieve')), warnings.join('\n'));
    const missing = await get(app, tms(3, 0, 0));
    assert.equal(missing.status, 500);
    assert.equal(missing.headers['x-cache'], undefined);
  });
});
