// WMS-C through the whole app on a file cache with stored tiles: TileSets in tiled 1.1.x capabilities, an exact
// tile answered with the stored bytes and tile caching headers, and MapProxy's errors for every other request.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { blankImage } from '../../src/core/image/blank.js';
import { imageFormat } from '../../src/core/image/format.js';
import { ImageResult } from '../../src/core/image/image.js';
import { pythonMtime } from '../../src/core/cache/file-cache.js';
import { tileEtag } from '../../src/core/service/tile-response.js';
import { createApp, get, type OurApp } from '../support/our-app.js';
import { OGC_SCHEMA_DIR, validateXml, xmllintAvailable } from '../support/xml-schema.js';

const W = 20037508.342789244;
/** GLOBAL_WEBMERCATOR's origin is the north-west corner: tile (0,0,1) is the upper left quarter. */
const UPPER_LEFT = `-${W},0,0,${W}`;

function yaml(dir: string): string {
  return `
services:
  wms: {srs: ['EPSG:4326', 'EPSG:3857', 'EPSG:900913'], versions: ['1.1.0', '1.1.1', '1.3.0'], md: {title: WMS-C}, attribution: {text: 'drawn on maps only'}}
layers:
  - name: osm
    title: OSM
    sources: [osm_cache]
  - name: group
    title: Group
    layers:
      - {name: jpeg, title: Jpeg, sources: [jpeg_cache]}
      - {name: twice, title: Two grids in one SRS, sources: [twice_cache]}
  - {name: direct, title: Not cached, sources: [dbg]}
caches:
  osm_cache: {grids: [GLOBAL_WEBMERCATOR, GLOBAL_GEODETIC], sources: [], cache: {type: file, directory_layout: tc}, cache_dir: ${JSON.stringify(join(dir, 'osm'))}}
  jpeg_cache: {grids: [GLOBAL_WEBMERCATOR], format: image/jpeg, sources: [], cache: {type: file, directory: ${JSON.stringify(join(dir, 'jpeg'))}}}
  twice_cache: {grids: [GLOBAL_WEBMERCATOR, local], sources: [], cache_dir: ${JSON.stringify(join(dir, 'twice'))}}
sources:
  dbg: {type: debug}
grids:
  local: {srs: 'EPSG:3857', bbox: [0, 0, 1000000, 1000000], tile_size: [512, 512], num_levels: 5, origin: nw}
`;
}

/** A tiled GetMap of a 256 px PNG; `q` adds or overrides parameters. */
function map(q: string): string {
  const params = new URLSearchParams('SERVICE=WMS&REQUEST=GetMap&VERSION=1.1.1&STYLES=&SRS=EPSG:3857&WIDTH=256&HEIGHT=256&FORMAT=image/png&tiled=true');
  for (const [k, v] of new URLSearchParams(q)) params.set(k, v);
  return `/service?${params}`;
}
const exception = (body: Buffer) => /<ServiceException(?:\s[^>]*)?>([^<]*)</.exec(body.toString())?.[1]?.trim();

describe('WMS-C', () => {
  let dir: string;
  let app: OurApp;
  let stored: Buffer;
  let storedPath: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wmsc-'));
    const file = join(dir, 'mapproxy.yaml');
    writeFileSync(file, yaml(dir));
    const red = blankImage([256, 256], { bgcolor: [200, 30, 30], transparent: false });
    stored = await ImageResult.fromRaw(red).encode(imageFormat('image/png'));
    storedPath = join(dir, 'osm', 'osm_cache_EPSG3857', '01', '000', '000', '000', '000', '000', '000.png');
    mkdirSync(join(storedPath, '..'), { recursive: true });
    writeFileSync(storedPath, stored);
    app = await createApp(file);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('tiled 1.1.1 capabilities announce one TileSet per cached layer and SRS, in configuration order', async () => {
    const res = await get(app, '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.1.1&tiled=true');
    const doc = res.body.toString();
    const sets = [...doc.matchAll(/<TileSet>([\s\S]*?)<\/TileSet>/g)].map((m) => ({
      srs: /<SRS>([^<]*)</.exec(m[1]!)![1],
      layer: /<Layers>([^<]*)</.exec(m[1]!)![1],
      width: /<Width>([^<]*)</.exec(m[1]!)![1],
      format: /<Format>([^<]*)</.exec(m[1]!)![1],
      res: /<Resolutions>([^<]*)</.exec(m[1]!)![1]!.trim().split(' '),
      bbox: /<BoundingBox ([^/]*)\/>/.exec(m[1]!)![1]!.trim(),
    }));
    // 'twice' has two EPSG:3857 grids: MapProxy keys TileSets by layer and SRS, the later grid (local, 512 px) wins
    assert.deepEqual(sets.map((s) => [s.layer, s.srs, s.width, s.format]), [
      ['osm', 'EPSG:3857', '256', 'image/png'],
      ['osm', 'EPSG:4326', '256', 'image/png'],
      ['jpeg', 'EPSG:3857', '256', 'image/jpeg'],
      ['twice', 'EPSG:3857', '512', 'image/png'],
    ]);
    // the global profiles leave out their first level, as the tile services publish them
    assert.equal(sets[0]!.res[0], '78271.51696402048');
    assert.equal(sets[0]!.res.length, 19);
    assert.equal(sets[1]!.res[0], '0.703125');
    assert.equal(sets[1]!.bbox, 'SRS="EPSG:4326" minx="-180.0" miny="-90.0" maxx="180.0" maxy="90.0"');
    assert.deepEqual(sets[3]!.res, ['1953.125', '976.5625', '488.28125', '244.140625', '122.0703125']);
    assert.match(doc, /<!ELEMENT VendorSpecificCapabilities \(TileSet\*\) >/);
    assert.ok(doc.indexOf('</Exception>') < doc.indexOf('<VendorSpecificCapabilities>'));
    assert.ok(doc.indexOf('</VendorSpecificCapabilities>') < doc.indexOf('<Layer>'));
    if (xmllintAvailable()) {
      // the WMS-C recommendation's DTD: WMS 1.1.1 with the TileSet declarations MapProxy puts into the DOCTYPE
      const v = await validateXml(doc, { dtd: join(OGC_SCHEMA_DIR, 'wmsc', '1.1.1', 'WMS_MS_Capabilities.dtd') });
      assert.ok(v.valid, v.errors.join('\n'));
    }
  });

  it('layers the authorization hides from a client are not announced as TileSets (MapProxy announces them)', async () => {
    const hidden = await createApp(join(dir, 'mapproxy.yaml'), {
      authorize: () => ({ authorized: 'partial', layers: { osm: { map: true }, group: { map: true }, twice: { map: true } } }),
    });
    const doc = (await get(hidden, '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.1.1&tiled=true')).body.toString();
    assert.deepEqual([...doc.matchAll(/<Layers>([^<]*)</g)].map((m) => m[1]), ['osm', 'osm', 'twice']);
  });

  it('without tiled=true, and in 1.3.0, there are no TileSets', async () => {
    const plain = (await get(app, '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.1.1')).body.toString();
    assert.doesNotMatch(plain, /TileSet/);
    assert.match(plain, /<!ELEMENT VendorSpecificCapabilities EMPTY>/);
    const v130 = (await get(app, '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0&tiled=true')).body.toString();
    assert.doesNotMatch(v130, /TileSet/);
  });

  it('1.1.0 names the SRS of a TileSet as TMS does', async () => {
    const doc = (await get(app, '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.1.0&tiled=true')).body.toString();
    assert.equal([...doc.matchAll(/<TileSet>/g)].length, 4);
    assert.match(doc, /<TileSet>\s*<SRS>EPSG:4326<\/SRS>/);
  });

  it('an exact tile is answered with the stored bytes and the tile caching headers', async () => {
    const res = await get(app, map(`LAYERS=osm&TRANSPARENT=true&BBOX=${UPPER_LEFT}`));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, stored);
    const mtime = pythonMtime(statSync(storedPath, { bigint: true }).mtimeNs);
    assert.equal(res.headers['etag'], tileEtag(mtime, stored.length));
    assert.equal(res.headers['cache-control'], 'public, max-age=259200, s-maxage=259200');
    assert.equal(res.headers['last-modified'], new Date(Math.floor(mtime) * 1000).toUTCString());
    // a bbox within a tenth of a pixel of the tile is the tile
    const near = await get(app, map(`LAYERS=osm&TRANSPARENT=true&BBOX=-${W},0,100,${W}`));
    assert.deepEqual(near.body, stored);
  });

  it('a conditional request for an unchanged tile gets 304', async () => {
    const first = await get(app, map(`LAYERS=osm&TRANSPARENT=true&BBOX=${UPPER_LEFT}`));
    const query = map(`LAYERS=osm&TRANSPARENT=true&BBOX=${UPPER_LEFT}`).split('?')[1]!;
    const res = await app.handle({ method: 'GET', path: '/service', query, headers: { host: 'localhost', 'if-none-match': first.headers['etag']! }, remoteAddr: '127.0.0.1' });
    assert.equal(res.status, 304);
  });

  it('anything but one whole tile of the cache is refused with MapProxy’s messages', async () => {
    const cases: [string, string][] = [
      [`LAYERS=osm&BBOX=${UPPER_LEFT}&FORMAT=image/jpeg`, 'Invalid request: invalid tile format, use png'],
      [`LAYERS=osm&BBOX=${UPPER_LEFT}&WIDTH=512`, 'Invalid request: invalid tile size (use 256x256)'],
      [`LAYERS=osm&BBOX=-${W},-${W},10000000,0`, 'Request too large or invalid BBOX. (not a single tile)'],
      [`LAYERS=osm&BBOX=-10000000,-10000000,0,0`, 'Request too large or invalid BBOX. (query does not align to tile boundaries)'],
      [`LAYERS=osm,jpeg&BBOX=${UPPER_LEFT}`, 'Invalid request: invalid tile format, use jpeg'],
    ];
    for (const [q, message] of cases) {
      const res = await get(app, map(q));
      assert.equal(exception(res.body), message, `${q}: ${res.body.toString()}`);
      assert.equal(res.headers['etag'], undefined);
    }
  });

  it('a layer that is not cached draws as always; tiled requests get no attribution', async () => {
    const direct = await get(app, map(`LAYERS=direct&BBOX=${UPPER_LEFT}`));
    assert.equal(direct.status, 200);
    assert.equal(direct.headers['content-type'], 'image/png');
    const untiled = await get(app, map(`LAYERS=osm&TRANSPARENT=true&BBOX=${UPPER_LEFT}&tiled=false`));
    assert.notDeepEqual(untiled.body, stored, 'the attribution is drawn onto a map that is not tiled');
    assert.equal(untiled.headers['etag'], undefined);
  });
});
