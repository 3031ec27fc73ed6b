import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chainApps, get, type OurApp } from '../support/our-app.js';
import { decodeImage } from '../support/images.js';
import { debugOgcapiConfig } from '../support/ogcapi-debug-config.js';

/*
 * Our /ogcapi as the upstream of our own ogcapitiles and ogcapimaps sources, over HTTP: a second instance reads
 * the first one's collection, tilesets and tile matrix sets, and serves its tiles byte for byte (nothing is
 * re-encoded on the way) and its maps pixel for pixel.
 */

const DOWNSTREAM = `
globals:
  cache: {base_dir: CACHE_DIR}
services:
  wms:
    srs: ['EPSG:4326', 'EPSG:3857']
  wmts:
layers:
  - name: tiled
    title: Tiles from the upstream
    sources: [ot_cache]
  - name: tiled_geodetic
    title: Geodetic tiles from the upstream
    sources: [ot_geodetic]
  - name: tiled_any
    title: Tiles from any upstream tileset of the CRS
    sources: [ot_any_cache]
  - name: mapped
    title: Maps from the upstream collection
    sources: [om]
  - name: mapped_dataset
    title: Maps of the upstream dataset
    sources: [om_dataset]
  - name: missing
    title: A collection the upstream does not have
    sources: [om_missing]
  - name: missing_tiles
    title: Tiles of a collection the upstream does not have
    sources: [ot_missing_cache]
caches:
  ot_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [ot]
  ot_geodetic:
    grids: [geodetic_nw]
    sources: [ot_geodetic]
  ot_any_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [ot_any]
  ot_missing_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [ot_missing]
sources:
  # the upstream also publishes its other grids in EPSG:3857 (GLOBAL_MERCATOR, drawn rather than cached):
  # tile_matrix_set_id picks the cached one
  ot: {type: ogcapitiles, landingpage_url: 'UPSTREAM/ogcapi/', collection: dbg, tile_matrix_set_id: WebMercatorQuad}
  ot_geodetic: {type: ogcapitiles, landingpage_url: 'UPSTREAM/ogcapi', collection: dbg, tile_matrix_set_id: geodetic_nw}
  ot_any: {type: ogcapitiles, landingpage_url: 'UPSTREAM/ogcapi', collection: dbg}
  ot_missing:
    type: ogcapitiles
    landingpage_url: 'UPSTREAM/ogcapi'
    collection: nothing
    on_error: {404: {response: '#ff0000'}}
  om: {type: ogcapimaps, landingpage_url: 'UPSTREAM/ogcapi', collection: dbg}
  om_dataset: {type: ogcapimaps, landingpage_url: 'UPSTREAM/ogcapi', transparent: true}
  om_missing: {type: ogcapimaps, landingpage_url: 'UPSTREAM/ogcapi', collection: nothing}
grids:
  geodetic_nw: {srs: 'EPSG:4326', origin: nw, bbox: [-180, -90, 180, 90]}
`;

describe('ogcapitiles and ogcapimaps with our own /ogcapi as the upstream', () => {
  let dir: string;
  let upstream: OurApp;
  let down: OurApp;
  /** What the upstream was asked, path and query. */
  let asked: string[];
  let close: () => Promise<void>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ogcapi-source-'));
    const upFile = join(dir, 'upstream.yaml');
    writeFileSync(upFile, debugOgcapiConfig(join(dir, 'up-cache'), { grids: ['geodetic_nw'], gridsYaml: "  geodetic_nw: {srs: 'EPSG:4326', origin: nw, bbox: [-180, -90, 180, 90]}" }));
    ({ upstream, down, asked, close } = await chainApps(upFile, join(dir, 'downstream.yaml'), (url) => DOWNSTREAM.replace('CACHE_DIR', join(dir, 'down-cache')).replaceAll('UPSTREAM', url)));
  });
  after(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the upstream tiles byte for byte, found through the collection, its tilesets and WebMercatorQuad', async () => {
    asked.length = 0;
    for (const [z, x, y] of [[0, 0, 0], [2, 1, 2], [3, 5, 1]] as const) {
      const ours = await get(down, `/wmts/tiled/GLOBAL_WEBMERCATOR/${z}/${x}/${y}.png`);
      assert.equal(ours.status, 200, ours.body.toString());
      const theirs = await get(upstream, `/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/${z}/${y}/${x}.png`);
      assert.equal(theirs.status, 200);
      assert.ok(ours.body.equals(theirs.body), `tile ${z}/${x}/${y} is the upstream's`);
    }
    // the collection, its tileset list, then the tile matrix set and tileset asked for, then only tiles
    assert.deepEqual(asked.slice(0, 4), [
      '/ogcapi/collections/dbg',
      '/ogcapi/collections/dbg/map/tiles?f=json',
      '/ogcapi/tileMatrixSets/WebMercatorQuad?f=json',
      '/ogcapi/collections/dbg/map/tiles/WebMercatorQuad?f=json',
    ]);
    assert.deepEqual(asked.slice(4), [
      '/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/0/0/0.png',
      '/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/2/2/1.png',
      '/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/3/1/5.png',
    ]);
  });

  it('without tile_matrix_set_id, takes a tileset of the CRS that has the tile: GLOBAL_MERCATOR counted from the bottom', async () => {
    asked.length = 0;
    const ours = await get(down, '/wmts/tiled_any/GLOBAL_WEBMERCATOR/2/1/0.png');
    assert.equal(ours.status, 200, ours.body.toString());
    // both EPSG:3857 tile matrix sets were read; the first that has the tile is used (row 3 from the bottom)
    assert.ok(asked.includes('/ogcapi/tileMatrixSets/WebMercatorQuad?f=json'), asked.join(' '));
    assert.ok(asked.includes('/ogcapi/tileMatrixSets/GLOBAL_MERCATOR?f=json'), asked.join(' '));
    assert.equal(asked.at(-1), '/ogcapi/collections/dbg/map/tiles/GLOBAL_MERCATOR/2/3/1.png');
    // the upstream draws that tileset's tiles opaque (no cache behind it): the same picture on white
    const theirs = await get(upstream, '/ogcapi/collections/dbg/map/tiles/GLOBAL_MERCATOR/2/3/1.png');
    assert.ok(ours.body.equals(theirs.body));
  });

  it('reads a CRS84 tile matrix set counted from the top as a geodetic grid with the same tiles', async () => {
    for (const [z, x, y] of [[1, 1, 0], [2, 3, 1]] as const) {
      const ours = await get(down, `/wmts/tiled_geodetic/geodetic_nw/${z}/${x}/${y}.png`);
      assert.equal(ours.status, 200, ours.body.toString());
      const theirs = await get(upstream, `/ogcapi/collections/dbg/map/tiles/geodetic_nw/${z}/${y}/${x}.png`);
      assert.ok(ours.body.equals(theirs.body), `tile ${z}/${x}/${y} is the upstream's`);
    }
  });

  it('draws the maps of a collection as the upstream draws them, in EPSG:3857 and EPSG:4326', async () => {
    const cases = [
      {
        wms: 'SRS=EPSG:3857&BBOX=-2000000,4000000,3000000,7000000&WIDTH=500&HEIGHT=300',
        ogc: 'bbox=-2000000,4000000,3000000,7000000&bbox-crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F3857&crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F3857&width=500&height=300',
      },
      { wms: 'SRS=EPSG:4326&BBOX=-20,30,40,60&WIDTH=400&HEIGHT=200', ogc: 'bbox=-20,30,40,60&width=400&height=200' },
    ];
    for (const c of cases) {
      asked.length = 0;
      const ours = await get(down, `/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=mapped&STYLES=&FORMAT=image/png&${c.wms}`);
      assert.equal(ours.status, 200, ours.body.toString());
      assert.equal(ours.headers['content-type'], 'image/png', ours.body.toString());
      const theirs = await get(upstream, `/ogcapi/collections/dbg/map.png?${c.ogc}`);
      assert.equal(theirs.status, 200, theirs.body.toString());
      const a = await decodeImage(ours.body);
      const b = await decodeImage(theirs.body);
      assert.deepEqual([a.width, a.height], [b.width, b.height]);
      assert.ok(a.data.equals(b.data), `${c.wms}: the upstream's pixels`);
      const request = asked.find((u) => u.startsWith('/ogcapi/collections/dbg/map.png?'));
      assert.ok(request, asked.join(' '));
      const params = new URL(request, 'http://x').searchParams;
      // several CRS are offered: crs is always sent; bbox-crs only when the bbox is not CRS84
      assert.ok(params.has('crs'));
      assert.equal(params.has('bbox-crs'), c.wms.includes('3857'));
    }
  });

  it('draws the dataset map from the landing page map link, asking for transparency', async () => {
    asked.length = 0;
    const ours = await get(down, '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=mapped_dataset&STYLES=&FORMAT=image/png&TRANSPARENT=TRUE&SRS=EPSG:4326&BBOX=0,0,90,45&WIDTH=256&HEIGHT=128');
    assert.equal(ours.status, 200, ours.body.toString());
    assert.equal(asked[0], '/ogcapi');
    const request = asked.find((u) => u.startsWith('/ogcapi/map.png?'));
    assert.ok(request, asked.join(' '));
    assert.equal(new URL(request, 'http://x').searchParams.get('transparent'), 'true');
    const theirs = await get(upstream, '/ogcapi/map.png?bbox=0,0,90,45&width=256&height=128&transparent=true');
    assert.ok((await decodeImage(ours.body)).data.equals((await decodeImage(theirs.body)).data));
  });

  it('fails when the collection does not exist upstream; on_error does not stand in for a missing description', async () => {
    const map = await get(down, '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=missing&STYLES=&FORMAT=image/png&SRS=EPSG:4326&BBOX=0,0,90,45&WIDTH=256&HEIGHT=128');
    assert.match(map.body.toString(), /Cannot retrieve .*\/ogcapi\/collections\/nothing/);
    const tile = await get(down, '/wmts/missing_tiles/GLOBAL_WEBMERCATOR/1/0/0.png');
    assert.equal(tile.status, 500);
    assert.match(tile.body.toString(), /Cannot retrieve .*\/ogcapi\/collections\/nothing/);
  });
});
