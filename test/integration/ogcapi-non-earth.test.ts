import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { chainApps, get, type OurApp } from '../support/our-app.js';
import { colorFraction, decodeImage, pixelAt, type RGBA } from '../support/images.js';

/*
 * A map of the Moon, served and consumed through OGC API as MapProxy 7 does with PROJ's IAU codes: the upstream
 * serves a file cache of Moon tiles in IAU_2015:30100 (longitude/latitude on the Moon's sphere), seeded here with
 * four colours, one per quadrant of the Moon; a second instance reads them through ogcapitiles and ogcapimaps
 * sources and draws maps in IAU_2015:30110 (the Moon's equirectangular projection). A request that mixes the Moon
 * and the Earth is refused with OGC API's JSON exception.
 */

const MOON_RADIUS = 1737400;
const CRS = 'http://www.opengis.net/def/crs/IAU/2015';
const enc = encodeURIComponent;

/** North-west, north-east, south-west and south-east quadrants of the Moon (longitude 0 and the equator). */
const NW: RGBA = [220, 40, 40, 255];
const NE: RGBA = [40, 40, 220, 255];
const SW: RGBA = [110, 20, 20, 255];
const SE: RGBA = [20, 20, 110, 255];

const UPSTREAM = `
globals:
  image: {paletted: false}
services:
  ogcapi:
    map_srs: ['IAU_2015:30100', 'IAU_2015:30110']
    default_dataset_layers: [moon, moon_north]
layers:
  - name: moon
    title: The Moon
    sources: [moon_cache]
  - name: moon_north
    title: The Moon's northern hemisphere
    sources: [moon_cache]
    nominal_scale: 100000000
caches:
  moon_cache:
    grids: [moon_grid]
    sources: []
    format: image/png
    cache: {type: file, directory_layout: tms, directory: TILES}
grids:
  moon_grid: {origin: ul, srs: 'IAU_2015:30100', bbox: [-180, -90, 180, 90]}
`;

const DOWNSTREAM = `
globals:
  image: {paletted: false}
services:
  ogcapi:
    map_srs: ['IAU_2015:30110', 'IAU_2015:30100']
  wms:
    srs: ['IAU_2015:30110', 'IAU_2015:30100', 'EPSG:4326']
layers:
  - name: moon_tiles
    title: Moon tiles from the upstream
    sources: [moon_tiles_cache]
  - name: moon_maps
    title: Moon maps from the upstream
    sources: [moon_maps]
caches:
  moon_tiles_cache:
    grids: [moon_grid]
    sources: [moon_tiles]
    disable_storage: true
sources:
  moon_tiles: {type: ogcapitiles, landingpage_url: 'UPSTREAM/ogcapi', collection: moon}
  moon_maps: {type: ogcapimaps, landingpage_url: 'UPSTREAM/ogcapi', collection: moon}
grids:
  moon_grid: {origin: ul, srs: 'IAU_2015:30100', bbox: [-180, -90, 180, 90]}
`;

/**
 * Level 1 of moon_grid: two 256-pixel tiles of 180°, west (x 0) and east (x 1), each with the northern half
 * above the southern one. Written where the tms layout looks for them: <level>/<x>/<y>.png.
 */
async function seedMoonTiles(dir: string): Promise<void> {
  for (const [x, north, south] of [[0, NW, SW], [1, NE, SE]] as const) {
    const raw = Buffer.alloc(256 * 256 * 4);
    for (let row = 0; row < 256; row++) {
      const c = row < 128 ? north : south;
      for (let col = 0; col < 256; col++) raw.set(c, (row * 256 + col) * 4);
    }
    mkdirSync(join(dir, '1', String(x)), { recursive: true });
    writeFileSync(join(dir, '1', String(x), '0.png'), await sharp(raw, { raw: { width: 256, height: 256, channels: 4 } }).png().toBuffer());
  }
}

/** Checks the four quadrants of a map whose centre is longitude 0 on the equator. */
async function assertQuadrants(body: Buffer, width: number, height: number): Promise<void> {
  const img = await decodeImage(body);
  assert.deepEqual([img.width, img.height], [width, height]);
  const at = (fx: number, fy: number) => pixelAt(img, Math.floor(fx * width), Math.floor(fy * height));
  assert.deepEqual(at(0.25, 0.25), NW, 'north-west');
  assert.deepEqual(at(0.75, 0.25), NE, 'north-east');
  assert.deepEqual(at(0.25, 0.75), SW, 'south-west');
  assert.deepEqual(at(0.75, 0.75), SE, 'south-east');
  // nothing but the four colours and the seams between them
  const share = [NW, NE, SW, SE].reduce((sum, c) => sum + colorFraction(img, c, 2), 0);
  assert.ok(share > 0.97, `the quadrant colours cover ${share} of the map`);
}

describe('a Moon map through OGC API, IAU_2015 CRS end to end', () => {
  let dir: string;
  let upstream: OurApp;
  let down: OurApp;
  /** What the upstream was asked, path and query. */
  let asked: string[];
  let close: () => Promise<void>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ogcapi-moon-'));
    const tiles = join(dir, 'tiles');
    await seedMoonTiles(tiles);
    const upFile = join(dir, 'upstream.yaml');
    writeFileSync(upFile, UPSTREAM.replace('TILES', tiles));
    ({ upstream, down, asked, close } = await chainApps(upFile, join(dir, 'downstream.yaml'), (url) => DOWNSTREAM.replaceAll('UPSTREAM', url)));
  });
  after(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('describes the Moon collection in its own CRS: no CRS84, the extent in the Moon geographic CRS', async () => {
    const res = await get(upstream, '/ogcapi/collections/moon?f=json');
    assert.equal(res.status, 200, res.body.toString());
    const doc = JSON.parse(res.body.toString());
    assert.deepEqual(doc.crs, [`${CRS}/30100`, `${CRS}/30110`]);
    assert.equal(doc.storageCrs, `${CRS}/30100`);
    assert.deepEqual(doc.extent, { spatial: { bbox: [[-180, -90, 180, 90]], crs: `${CRS}/30100` } });
  });

  it('publishes the Moon grid as a tile matrix set in IAU_2015:30100, latitude first', async () => {
    const res = await get(upstream, '/ogcapi/tileMatrixSets/moon_grid?f=json');
    assert.equal(res.status, 200, res.body.toString());
    const tms = JSON.parse(res.body.toString());
    assert.equal(tms.crs, `${CRS}/30100`);
    // PROJ's IAU_2015:30100 lists latitude first: the top-left corner is (lat 90, lon -180)
    assert.deepEqual(tms.tileMatrices[1].pointOfOrigin, [90, -180]);
    assert.deepEqual([tms.tileMatrices[1].matrixWidth, tms.tileMatrices[1].matrixHeight], [2, 1]);
  });

  it("offers the Moon layer's tiles in the Moon grid only, georeferenced in IAU_2015:30100", async () => {
    const res = await get(upstream, '/ogcapi/collections/moon/map/tiles?f=json');
    const doc = JSON.parse(res.body.toString());
    // the built-in grids are Earth grids: MapProxy 7 offers them for Earth layers only
    assert.deepEqual(doc.tilesets.map((t: { crs: string }) => t.crs), [`${CRS}/30100`]);
    // drawn (a size asked for), not the cache's own tile: a drawn tile carries its georeference
    const tile = await get(upstream, '/ogcapi/collections/moon/map/tiles/moon_grid/1/0/1.png?width=256');
    assert.equal(tile.status, 200, tile.body.toString());
    assert.equal(pixelAt(await decodeImage(tile.body), 128, 64).join(), NE.join());
    assert.equal(tile.headers['content-crs'], `<${CRS}/30100>`);
    // latitude first: the eastern half of the Moon
    assert.equal(tile.headers['content-bbox'], '-90,0,90,180');
  });

  it('draws a map in IAU_2015:30110 from the IAU_2015:30100 tiles, read through ogcapitiles', async () => {
    asked.length = 0;
    // longitude -90..90, latitude -45..45 in metres on the Moon: 0.703125° a pixel, level 1 of moon_grid
    const x = (MOON_RADIUS * Math.PI) / 2;
    const y = (MOON_RADIUS * Math.PI) / 4;
    const bbox = [-x, -y, x, y].join(',');
    const res = await get(down, `/ogcapi/collections/moon_tiles/map.png?crs=${enc(`${CRS}/30110`)}&bbox=${bbox}&bbox-crs=${enc(`${CRS}/30110`)}&width=256&height=128`);
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.headers['content-crs'], `<${CRS}/30110>`);
    await assertQuadrants(res.body, 256, 128);
    // the source found the tile matrix set through the collection and asked for both level 1 tiles
    assert.ok(asked.includes('/ogcapi/tileMatrixSets/moon_grid?f=json'), asked.join(' '));
    assert.deepEqual(asked.filter((u) => u.endsWith('.png')).sort(), [
      '/ogcapi/collections/moon/map/tiles/moon_grid/1/0/0.png',
      '/ogcapi/collections/moon/map/tiles/moon_grid/1/0/1.png',
    ]);
  });

  it('draws a map through ogcapimaps, asking the upstream in the Moon CRS with its axis order', async () => {
    asked.length = 0;
    const res = await get(down, '/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=moon_maps&STYLES=&FORMAT=image/png&CRS=IAU_2015:30100&BBOX=-45,-90,45,90&WIDTH=256&HEIGHT=128');
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.headers['content-type'], 'image/png', res.body.toString());
    await assertQuadrants(res.body, 256, 128);
    const request = asked.find((u) => u.startsWith('/ogcapi/collections/moon/map.png?'));
    assert.ok(request, asked.join(' '));
    const params = new URL(request, 'http://x').searchParams;
    assert.equal(params.get('crs'), `${CRS}/30100`);
    assert.equal(params.get('bbox-crs'), `${CRS}/30100`);
    // latitude first, as PROJ defines IAU_2015:30100
    assert.deepEqual(params.get('bbox')!.split(',').map(Number), [-45, -90, 45, 90]);
  });

  it('takes an unqualified bbox in the Moon geographic CRS, as MapProxy 7 does for a layer of another world', async () => {
    const res = await get(upstream, `/ogcapi/collections/moon/map.png?bbox=-45,-90,45,90&crs=${enc(`${CRS}/30100`)}&width=256&height=128`);
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.headers['content-bbox'], '-45,-90,45,90');
    await assertQuadrants(res.body, 256, 128);
  });

  it('draws the dataset of two Moon layers over their extent merged in the Moon geographic CRS', async () => {
    const tilesets = JSON.parse((await get(upstream, '/ogcapi/map/tiles?f=json')).body.toString());
    assert.deepEqual(tilesets.tilesets.map((t: { crs: string }) => t.crs), [`${CRS}/30100`]);
    // nothing but the CRS: the whole merged extent at 1024 pixels
    const res = await get(upstream, `/ogcapi/map.png?crs=${enc(`${CRS}/30110`)}`);
    assert.equal(res.status, 200, res.body.toString());
    const half = MOON_RADIUS * Math.PI;
    const bbox = res.headers['content-bbox']!.split(',').map(Number);
    [-half, -half / 2, half, half / 2].forEach((v, i) => assert.ok(Math.abs(bbox[i]! - v) < 1e-6, res.headers['content-bbox']));
    const img = await decodeImage(res.body);
    assert.deepEqual([img.width, img.height], [1024, 512]);
  });

  it('refuses to reproject between the Moon and the Earth with the OGC API exception document', async () => {
    const res = await get(upstream, `/ogcapi/collections/moon/map.png?bbox=-90,-45,90,45&bbox-crs=${enc('http://www.opengis.net/def/crs/OGC/1.3/CRS84')}&width=256&height=128`);
    assert.equal(res.status, 400, res.body.toString());
    assert.equal(res.headers['content-type'], 'application/json');
    const doc = JSON.parse(res.body.toString());
    assert.deepEqual([doc.title, doc.type, doc.status], ['OGCAPI', 'Invalid Parameter', 400]);
    assert.equal(doc.detail, 'bbox cannot be reprojected from CRS:84 to IAU_2015:30100: cannot transform CRS:84 → IAU_2015:30100: CRS:84 is a CRS of the Earth, IAU_2015:30100 of the Moon');
    // an Earth CRS is not among the map CRS either
    const crs = await get(upstream, `/ogcapi/collections/moon/map.png?crs=${enc('http://www.opengis.net/def/crs/EPSG/0/4326')}`);
    assert.equal(crs.status, 400);
    assert.equal(JSON.parse(crs.body.toString()).detail, 'crs is incompatible with this layer');
  });

  it('refuses a WMS map of the Moon layer in EPSG:4326 with a WMS exception, as MapProxy words a failed transformation', async () => {
    const res = await get(down, '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=moon_tiles&STYLES=&FORMAT=image/png&SRS=EPSG:4326&BBOX=-90,-45,90,45&WIDTH=256&HEIGHT=128');
    assert.equal(res.status, 400);
    assert.match(res.headers['content-type']!, /xml/);
    assert.match(res.body.toString(), /<ServiceException>Could not transform BBOX: Invalid result\.<\/ServiceException>/);
  });
});
