// The TMS TileMap of a grid whose bbox is not tile-aligned: BoundingBox is the layer's extent (the cache
// coverage, else the sources' extent, else the grid's bbox) and Origin its lower-left corner, as in
// MapProxy 7 — not the bbox of the first level's tiles, which reaches past the data.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp, type App } from '../../src/core/app.js';

// 400 km × 500 km; level 0 is one 512 km tile, so the tiles cover [300000, 5000000, 812000, 5512000].
const CONFIG = (cacheDir: string) => `
services:
  tms:
  wmts:

grids:
  utm_local:
    srs: 'EPSG:25832'
    bbox: [300000, 5000000, 700000, 5500000]
    origin: sw
    res: [2000, 1000, 500]
  merc_part:
    base: GLOBAL_WEBMERCATOR
    bbox: [0, 0, 1000000, 2000000]

layers:
  - name: plain
    title: grid bbox only
    sources: [plain_cache]
  - name: covered
    title: cache coverage
    sources: [covered_cache]
  - name: from_source
    title: source coverage
    sources: [source_cache]
  - name: partial_merc
    title: part of web mercator
    sources: [merc_cache]

caches:
  plain_cache:
    grids: [utm_local]
    sources: [dbg]
    cache_dir: ${cacheDir}
  covered_cache:
    grids: [utm_local]
    sources: [covered_wms]
    cache_dir: ${cacheDir}
    cache:
      type: file
      coverage:
        bbox: [350000, 5100000, 650000, 5400000]
        srs: 'EPSG:25832'
  source_cache:
    grids: [utm_local]
    sources: [covered_wms]
    cache_dir: ${cacheDir}
  merc_cache:
    grids: [merc_part]
    sources: [dbg]
    cache_dir: ${cacheDir}

sources:
  dbg:
    type: debug
  covered_wms:
    type: wms
    req:
      url: http://127.0.0.1:9/never-asked
      layers: x
    coverage:
      bbox: [400000, 5200000, 600000, 5300000]
      srs: 'EPSG:25832'
`;

describe('TMS TileMap BoundingBox and Origin', () => {
  let dir = '';
  let app: App;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mapproxy-ts-tilemap-'));
    const file = join(dir, 'mapproxy.yaml');
    writeFileSync(file, CONFIG(JSON.stringify(join(dir, 'cache'))));
    app = await createApp(file, { log: { warn(m: string) { throw new Error(m); }, error() {} } });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function tileMap(path: string): Promise<{ bbox: string[]; origin: string[] }> {
    const res = await app.handle({ method: 'GET', path, query: '', headers: { host: 'localhost' } });
    assert.equal(res.status, 200, String(res.body));
    const doc = String(res.body);
    const bbox = /<BoundingBox minx="([^"]+)" miny="([^"]+)" maxx="([^"]+)" maxy="([^"]+)" \/>/.exec(doc);
    const origin = /<Origin x="([^"]+)" y="([^"]+)" \/>/.exec(doc);
    assert.ok(bbox && origin, doc);
    return { bbox: bbox.slice(1), origin: origin.slice(1) };
  }

  it("without coverages: the grid's bbox, not the level-0 tile's", async () => {
    assert.deepEqual(await tileMap('/tms/1.0.0/plain/EPSG25832'), {
      bbox: ['300000.0', '5000000.0', '700000.0', '5500000.0'],
      origin: ['300000.0', '5000000.0'],
    });
  });

  it("the cache's coverage comes first", async () => {
    assert.deepEqual(await tileMap('/tms/1.0.0/covered/EPSG25832'), {
      bbox: ['350000.0', '5100000.0', '650000.0', '5400000.0'],
      origin: ['350000.0', '5100000.0'],
    });
  });

  it("else the sources' extent", async () => {
    assert.deepEqual(await tileMap('/tms/1.0.0/from_source/EPSG25832'), {
      bbox: ['400000.0', '5200000.0', '600000.0', '5300000.0'],
      origin: ['400000.0', '5200000.0'],
    });
  });

  it('a part of web mercator (a local profile): its own bbox', async () => {
    assert.deepEqual(await tileMap('/tms/1.0.0/partial_merc/EPSG3857'), {
      bbox: ['0.0', '0.0', '1000000.0', '2000000.0'],
      origin: ['0.0', '0.0'],
    });
  });

  it('tiles are still addressed from the first level\'s tile origin', async () => {
    // Level 0 has one tile; the tile outside the grid is refused.
    const inside = await app.handle({ method: 'GET', path: '/tms/1.0.0/plain/EPSG25832/0/0/0.png', query: '', headers: {} });
    assert.equal(inside.status, 200);
    const outside = await app.handle({ method: 'GET', path: '/tms/1.0.0/plain/EPSG25832/0/1/0.png', query: '', headers: {} });
    assert.equal(outside.status, 404);
  });
});
