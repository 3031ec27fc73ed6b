// Reprojected maps through createApp where a datum grid ends or is missing, and far outside a projection's
// valid area: a full map (no holes where the grid stops), no per-point log lines, a bounded cost.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { decodeImage, type DecodedImage } from '../support/images.js';
import { createApp, get, type OurApp } from '../support/our-app.js';

const COLOR = [10, 120, 200] as const;

function transparentFraction(img: DecodedImage): number {
  let n = 0;
  for (let i = 3; i < img.data.length; i += 4) if (img.data[i]! < 255) n++;
  return n / (img.width * img.height);
}

function getMap(layer: string, srs: string, bbox: readonly number[], w: number, h: number): string {
  return `/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=${layer}&STYLES=&SRS=${srs}` +
    `&BBOX=${bbox.join(',')}&WIDTH=${w}&HEIGHT=${h}&FORMAT=image/png&TRANSPARENT=TRUE`;
}

/** Runs `fn` with console.log/warn/error counted (proj4js logs through console.log). */
async function countingLogs<T>(fn: () => Promise<T>): Promise<{ result: T; lines: number }> {
  const saved = [console.log, console.warn, console.error];
  let lines = 0;
  console.log = console.warn = console.error = () => { lines++; };
  try {
    return { result: await fn(), lines };
  } finally {
    [console.log, console.warn, console.error] = saved;
  }
}

describe('reprojection where datum grids end or are missing', () => {
  let upstream: FakeUpstream;
  let app: OurApp;
  let dir: string;

  before(async () => {
    upstream = await startFakeUpstream({ color: [...COLOR] });
    dir = mkdtempSync(join(tmpdir(), 'reproj-grids-'));
    // Sources that only speak one grid-based SRS each: every map in another SRS is warped through it.
    const source = (srs: string) => `
    type: wms
    req:
      url: ${upstream.url}
      layers: ok
    supported_srs: ['${srs}']
    coverage:
      bbox: [-180, -90, 180, 90]
      srs: 'EPSG:4326'`;
    const config = `
services:
  wms:
    srs: ['EPSG:4326', 'EPSG:3857', 'EPSG:31467', 'EPSG:27700']
layers:
  - name: gk
    title: Gauss-Krüger
    sources: [gk]
  - name: bng
    title: British National Grid
    sources: [bng]
  - name: merc_cache
    title: Web mercator cache
    sources: [merc_cache]
  - name: gk_cache
    title: Gauss-Krüger cache
    sources: [gk_cache]
grids:
  gk_zone3:
    srs: 'EPSG:31467'
    bbox: [3200000, 5000000, 3800000, 6200000]
    tile_size: [256, 256]
    num_levels: 14
caches:
  gk_cache:
    grids: [gk_zone3]
    sources: [gk]
  merc_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [merc_src]
sources:
  gk:${source('EPSG:31467')}
  bng:${source('EPSG:27700')}
  merc_src:${source('EPSG:3857')}
globals:
  cache:
    base_dir: ${join(dir, 'cache')}
`;
    writeFileSync(join(dir, 'mapproxy.yaml'), config);
    app = await createApp(join(dir, 'mapproxy.yaml'));
  });

  after(async () => {
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws a full map across the southern end of BETA2007 (DHDN), without log lines', async () => {
    // 45.5–48.5° N: the southern half lies outside the grid, where PROJ falls back to a Helmert transformation.
    const t0 = performance.now();
    const { result: res, lines } = await countingLogs(() => get(app, getMap('gk', 'EPSG:4326', [7, 45.5, 11, 48.5], 1000, 600)));
    const ms = performance.now() - t0;
    assert.equal(res.status, 200, res.body.toString());
    const img = await decodeImage(res.body);
    assert.equal(transparentFraction(img), 0, 'holes where the grid ends');
    assert.equal(lines, 0);
    assert.ok(ms < 5000, `${ms} ms`);
  });

  it('draws a Gauss-Krüger cache in web mercator south of the grid: full, silent, in bounded time', async () => {
    // The cache's grid reaches to 45° N; BETA2007 ends near 47.3° N. Before the fallback every pixel south of
    // it failed, was transformed one by one, and logged a line each.
    const t0 = performance.now();
    const { result: res, lines } = await countingLogs(() => get(app, getMap('gk_cache', 'EPSG:3857', [800000, 5650000, 1200000, 5890000], 1000, 600)));
    const ms = performance.now() - t0;
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(transparentFraction(await decodeImage(res.body)), 0, 'holes south of the grid');
    assert.equal(lines, 0);
    assert.ok(ms < 10000, `${ms} ms`);
  });

  it('asks upstream for the whole area, not only the part inside the grid', async () => {
    upstream.requests.length = 0;
    const res = await get(app, getMap('gk', 'EPSG:4326', [7, 45.5, 11, 48.5], 400, 300));
    assert.equal(res.status, 200);
    const bbox = upstream.requests.at(-1)!.bbox.split(',').map(Number);
    // Gauss-Krüger zone 3 northing of 45.5° N is about 5.04e6 m; the grid ends near 47.27° N (5.24e6 m).
    assert.ok(bbox[1]! < 5.05e6, `upstream bbox ${bbox}`);
  });

  it('answers a map beyond web mercator\'s ±85.05° with a transparent image, not an error', async () => {
    // Clamped onto the mercator square's edge the query is a sliver of no pixel; MapProxy draws nothing there.
    const res = await get(app, getMap('merc_cache', 'EPSG:4326', [0, 86, 40, 90], 1000, 100));
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(transparentFraction(await decodeImage(res.body)), 1);
  });

  it('draws a box across the antimeridian at its own resolution, not the whole world\'s', async () => {
    // Transformed naively the box spans the world between its halves: 6000 tiles at this resolution.
    const res = await get(app, getMap('merc_cache', 'EPSG:4326', [179, -1, 181, 1], 1000, 1000));
    assert.equal(res.status, 200, res.body.toString());
    const img = await decodeImage(res.body);
    const at = (x: number) => [...img.data.subarray((500 * img.width + x) * 4, (500 * img.width + x) * 4 + 3)];
    assert.deepEqual(at(100), [...COLOR]); // west of 180°: the cache's tiles
    assert.notDeepEqual(at(900), [...COLOR]); // past 180°: beyond the grid, the map's background
  });

  it('reprojects EPSG:27700 although the OSTN15 grid is not installed', async () => {
    const res = await get(app, getMap('bng', 'EPSG:4326', [-6, 50, 2, 56], 400, 300));
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(transparentFraction(await decodeImage(res.body)), 0);
  });
});
