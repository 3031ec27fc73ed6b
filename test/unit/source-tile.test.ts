import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpClient } from '../../src/core/client/http-client.js';
import { DEFAULT_GRIDS, tileGrid } from '../../src/core/geo/grid.js';
import { getSRS } from '../../src/core/geo/srs.js';
import { OnErrorHandler } from '../../src/core/source/on-error.js';
import { InvalidSourceQuery, SourceError, type MapQuery } from '../../src/core/source/source.js';
import { TileSource } from '../../src/core/source/tile-source.js';
import { TileUrlTemplate, pyPercentFormat } from '../../src/core/source/tile-url-template.js';
import { DebugSource, debugText } from '../../src/core/source/debug-source.js';
import { localHttpServer } from '../support/local-http.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082', 'hex');
const paths: string[] = [];
const { base, dispatchers } = await localHttpServer((req, res) => {
  paths.push(req.url!);
  if (req.url!.startsWith('/missing')) { res.writeHead(404); res.end(); return; }
  if (req.url!.startsWith('/html')) { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html>'); return; }
  res.writeHead(200, { 'content-type': 'image/png' });
  res.end(PNG);
});
const client = new HttpClient({ dispatchers, hideErrorDetails: false });
const mercator = tileGrid(DEFAULT_GRIDS.GLOBAL_MERCATOR);

test('URL templates: MapProxy doctests', () => {
  assert.equal(new TileUrlTemplate('http://foo/tiles/%(z)s/%(x)d/%(y)s.png').substitute([7, 4, 3]), 'http://foo/tiles/3/7/4.png');
  assert.equal(new TileUrlTemplate('http://foo/tiles/%(tc_path)s.png').substitute([7, 4, 3]), 'http://foo/tiles/03/000/000/007/000/000/004.png');
  assert.equal(new TileUrlTemplate('http://foo/tms/1.0.0/%(tms_path)s.%(format)s').substitute([7, 4, 3]), 'http://foo/tms/1.0.0/3/7/4.png');
  assert.equal(new TileUrlTemplate('http://foo/tms/1.0.0/lyr/%(tms_path)s.%(format)s').substitute([7, 4, 3], 'jpeg'),
    'http://foo/tms/1.0.0/lyr/3/7/4.jpeg');
  assert.equal(new TileUrlTemplate('http://foo/%(quadkey)s').substitute([1, 2, 2]), 'http://foo/21');
  assert.equal(new TileUrlTemplate('http://foo/%(arcgiscache_path)s.png').substitute([1234567, 87654321, 9]),
    'http://foo/L09/R05397fb1/C0012d687.png');
  assert.equal(new TileUrlTemplate('http://foo/%(z)02d/%(x)05d-%%').substitute([7, 4, 3]), 'http://foo/03/00007-%');
});

test('URL templates: %(bbox)s is the tile bbox in the grid SRS with 8 decimals', () => {
  const grid = tileGrid({ srs: 'EPSG:4326', bbox: [0, -15, 10, -5] });
  const t = new TileUrlTemplate('http://foo/?bbox=%(bbox)s');
  assert.equal(t.substitute([0, 0, 0], undefined, grid), 'http://foo/?bbox=0.00000000,-15.00000000,10.00000000,-5.00000000');
  assert.equal(t.substitute([0, 0, 1], undefined, grid), 'http://foo/?bbox=0.00000000,-15.00000000,5.00000000,-10.00000000');
  const nw = tileGrid({ srs: 'EPSG:4326', bbox: [0, -15, 10, -5], origin: 'nw' });
  assert.equal(t.substitute([0, 0, 1], undefined, nw), 'http://foo/?bbox=0.00000000,-10.00000000,5.00000000,-5.00000000');
});

test('URL templates: unknown keys are refused at construction', () => {
  assert.throws(() => new TileUrlTemplate('http://foo/%(zoom)s'), /unknown key/);
  assert.equal(pyPercentFormat('%(a)-4s|', { a: () => 'x' }), 'x   |');
});

const tileQuery = (coord: [number, number, number], format = 'image/png'): MapQuery =>
  ({ bbox: mercator.tileBBox(coord), size: [256, 256], srs: mercator.srs, format, transparent: false });

test('a tile query fetches exactly that tile (sw origin of GLOBAL_MERCATOR)', async () => {
  const src = new TileSource({ url: `${base}/tiles/%(z)s/%(x)s/%(y)s.%(format)s`, grid: mercator, http: client });
  const img = await src.getMap(tileQuery([1, 2, 2], 'image/jpeg'));
  assert.ok(img);
  assert.deepEqual(img.encodedBytes, PNG);
  assert.equal(paths.at(-1), '/tiles/2/1/2.jpeg');
  assert.equal(src.supportsMetaTiles, false);
});

test('queries that are not one tile of the grid are refused', async () => {
  const src = new TileSource({ url: `${base}/t/%(z)s/%(x)s/%(y)s.png`, grid: mercator, http: client });
  const bbox = mercator.tileBBox([0, 0, 1]);
  const half = (bbox[2] - bbox[0]) / 2;
  await assert.rejects(src.getMap({ ...tileQuery([0, 0, 1]), bbox: [bbox[0] + half, bbox[1], bbox[2] + half, bbox[3]] }), InvalidSourceQuery);
  await assert.rejects(src.getMap({ ...tileQuery([0, 0, 1]), size: [512, 512] }), /tile size of cache and tile source do not match/);
  await assert.rejects(src.getMap({ ...tileQuery([0, 0, 1]), srs: getSRS('EPSG:4326') }), /SRS of cache and tile source do not match/);
  const whole = mercator.tileBBox([0, 0, 0]);
  const twoByTwo: MapQuery = { ...tileQuery([0, 0, 1]), bbox: whole, size: [256, 256] };
  // a level-0 bbox at 256 px is exactly tile 0/0/0: fine
  assert.ok(await src.getMap(twoByTwo));
});

test('HTTP errors and non-image answers: SourceError, or on_error images', async () => {
  const bad = new TileSource({ url: `${base}/missing/%(z)s/%(x)s/%(y)s.png`, grid: mercator, http: client });
  await assert.rejects(bad.getMap(tileQuery([0, 0, 1])), (err: Error) => err instanceof SourceError && /404/.test(err.message));
  const html = new TileSource({ url: `${base}/html/%(z)s.png`, grid: mercator, http: client });
  await assert.rejects(html.getMap(tileQuery([0, 0, 1])), /response is not an image/);
  const onError = new OnErrorHandler({ 404: { color: [0, 255, 0], cacheable: true } });
  const handled = new TileSource({ url: `${base}/missing/%(z)s.png`, grid: mercator, http: client, onError });
  const img = await handled.getMap(tileQuery([0, 0, 1]));
  assert.equal(img!.cacheable, true);
  assert.deepEqual([...(await img!.raw()).data.subarray(0, 4)], [0, 255, 0, 255]);
});

test('debug source: bbox and resolution text, any size', async () => {
  const query: MapQuery = { bbox: [-180, -90, 180, 90], size: [360, 180], srs: getSRS('EPSG:4326'), format: 'image/png', transparent: true };
  assert.equal(debugText(query), 'bbox: (-180.0, -90.0, 180.0, 90.0)\nres: 1.00000000(1.00000000)');
  const img = await new DebugSource().getMap(query);
  const raw = await img.raw();
  assert.deepEqual([raw.width, raw.height], [360, 180]);
  assert.equal(img.transparent, true);
  let opaque = 0;
  for (let i = 3; i < raw.data.length; i += 4) if (raw.data[i] > 0) opaque++;
  assert.ok(opaque > 50 && opaque < raw.width * raw.height / 2, `text pixels: ${opaque}`);
});
