import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import sharp from 'sharp';
import { HttpClient } from '../../src/core/client/http-client.js';
import { BBoxCoverage } from '../../src/core/geo/coverage.js';
import { ResolutionRange } from '../../src/core/geo/resolution-range.js';
import { getSRS } from '../../src/core/geo/srs.js';
import { OnErrorHandler } from '../../src/core/source/on-error.js';
import { SourceError, type MapQuery } from '../../src/core/source/source.js';
import { WmsMapRequest, type WmsVersion } from '../../src/core/source/wms-request.js';
import { WmsSource, type WmsSourceOptions } from '../../src/core/source/wms-source.js';
import { HttpWmsTransport } from '../../src/core/source/wms-transport.js';
import { localHttpServer } from '../support/local-http.js';

// A fake upstream WMS: answers a PNG of the requested WIDTH x HEIGHT, or what the path asks for.
const requests: { path: string; query: string; headers: http.IncomingHttpHeaders; method: string; body: string }[] = [];
const { base, dispatchers } = await localHttpServer(async (req, res) => {
  const url = new URL(req.url!, 'http://x');
  let body = '';
  for await (const chunk of req) body += chunk;
  requests.push({ path: url.pathname, query: url.search.slice(1), headers: req.headers, method: req.method!, body });
  const all = new URLSearchParams(url.search.slice(1) + '&' + body);
  const p = new URLSearchParams([...all].map(([k, v]) => [k.toLowerCase(), v]));
  if (url.pathname === '/xml') {
    res.writeHead(200, { 'content-type': 'application/vnd.ogc.se_xml' });
    res.end('<ServiceExceptionReport><ServiceException>bad layer</ServiceException></ServiceExceptionReport>');
    return;
  }
  if (url.pathname === '/fail') {
    res.writeHead(500);
    res.end();
    return;
  }
  if (url.pathname === '/slow') {
    setTimeout(() => res.destroyed || (res.writeHead(200), res.end()), 2000);
    return;
  }
  const w = Number(p.get('width'));
  const h = Number(p.get('height'));
  const format = p.get('format') === 'image/jpeg' ? 'jpeg' : 'png';
  const img = await sharp({ create: { width: w, height: h, channels: 3, background: { r: 0, g: 0, b: 255 } } })[format]().toBuffer();
  res.writeHead(200, { 'content-type': `image/${format}` });
  res.end(img);
});

const http0 = new HttpClient({ dispatchers, hideErrorDetails: false });
function wms(path: string, params: Record<string, string | boolean>, extra: Partial<WmsSourceOptions> = {}, version: WmsVersion = '1.1.1', client = http0) {
  return new WmsSource({ request: new WmsMapRequest(base + path, params, version), transport: new HttpWmsTransport(client), ...extra });
}
const q = (bbox: MapQuery['bbox'], size: MapQuery['size'], srs: string, format = 'image/png'): MapQuery =>
  ({ bbox, size, srs: getSRS(srs), format, transparent: false });

test('WMS 1.1.1: the exact upstream query of MapProxy', async () => {
  const src = wms('/service', { layers: 'foo,bar' });
  const img = await src.getMap(q([-20037508.342789244, -20037508.342789244, 0, 0], [256, 256], 'EPSG:900913', 'image/jpeg'));
  assert.ok(img);
  assert.deepEqual(img.size, [256, 256]);
  assert.equal(requests.at(-1)!.query,
    'layers=foo,bar&bbox=-20037508.342789244,-20037508.342789244,0.0,0.0&width=256&height=256&srs=EPSG%3A900913' +
    '&format=image%2Fjpeg&request=GetMap&version=1.1.1&service=WMS&styles=');
});

test('WMS 1.1.1: req parameters keep their order and spelling; transparent is sent as Python writes it', async () => {
  const src = wms('/service?map=foo&', { LAYERS: 'a', transparent: true, format: 'image/png', exceptions: 'xml' });
  await src.getMap(q([0, 0, 10, 10], [100, 100], 'EPSG:4326'));
  assert.equal(requests.at(-1)!.query,
    'map=foo&&LAYERS=a&transparent=True&format=image%2Fpng&exceptions=xml&bbox=0.0,0.0,10.0,10.0&width=100&height=100' +
    '&srs=EPSG%3A4326&request=GetMap&version=1.1.1&service=WMS&styles=');
});

test('WMS 1.3.0: CRS and lat/lon axis order for EPSG:4326, x/y for EPSG:3857', async () => {
  const src = wms('/service', { layers: 'foo' }, {}, '1.3.0');
  await src.getMap(q([-180, -90, 180, 90], [200, 100], 'EPSG:4326'));
  assert.equal(requests.at(-1)!.query,
    'layers=foo&bbox=-90.0,-180.0,90.0,180.0&width=200&height=100&format=image%2Fpng&request=GetMap&version=1.3.0' +
    '&service=WMS&styles=&crs=EPSG%3A4326');
  await src.getMap(q([0, 0, 1000, 1000], [100, 100], 'EPSG:3857'));
  assert.match(requests.at(-1)!.query, /bbox=0\.0,0\.0,1000\.0,1000\.0&.*crs=EPSG%3A3857$/);
});

test('a non-image answer is a SourceError naming the URL', async () => {
  const src = wms('/xml', { layers: 'foo' });
  await assert.rejects(src.getMap(q([0, 0, 10, 10], [10, 10], 'EPSG:4326')), (err: Error) => {
    assert.ok(err instanceof SourceError);
    assert.match(err.message, /^no image returned from source WMS: http:\/\/127\.0\.0\.1:\d+\/xml\?layers=foo/);
    return true;
  });
});

test('HTTP errors are SourceErrors; on_error turns them into uncacheable colour images', async () => {
  await assert.rejects(wms('/fail', { layers: 'a' }).getMap(q([0, 0, 10, 10], [10, 10], 'EPSG:4326')), /HTTP Error ".*\/fail\?.*": 500/);
  const onError = new OnErrorHandler({ 500: { color: [255, 0, 0] }, other: { color: 'transparent', cacheable: true } });
  const img = await wms('/fail', { layers: 'a' }, { onError }).getMap(q([0, 0, 10, 10], [4, 3], 'EPSG:4326'));
  assert.ok(img);
  assert.equal(img.cacheable, false);
  const raw = await img.raw();
  assert.deepEqual([raw.width, raw.height], [4, 3]);
  assert.deepEqual([...raw.data.subarray(0, 4)], [255, 0, 0, 255]);
});

test('on_error other covers timeouts and non-image answers', async () => {
  const onError = new OnErrorHandler({ other: { color: 'transparent', cacheable: true } });
  const slowClient = new HttpClient({ dispatchers, timeout: 0.2 });
  const img = await wms('/slow', { layers: 'a' }, { onError }, '1.1.1', slowClient).getMap(q([0, 0, 10, 10], [5, 5], 'EPSG:4326'));
  assert.ok(img);
  assert.equal(img.cacheable, true);
  assert.equal((await img.raw()).data[3], 0);
  const img2 = await wms('/xml', { layers: 'a' }, { onError }).getMap(q([0, 0, 10, 10], [5, 5], 'EPSG:4326'));
  assert.equal((await img2!.raw()).data[3], 0);
});

test('supported_srs: requests in a supported SRS and reprojects to the requested size', async () => {
  const src = wms('/service', { layers: 'foo' }, { supportedSrs: [getSRS('EPSG:4326')] });
  const img = await src.getMap(q([0, 0, 1000000, 1000000], [256, 256], 'EPSG:3857'));
  assert.ok(img);
  const raw = await img.raw();
  assert.deepEqual([raw.width, raw.height], [256, 256]);
  const p = new URLSearchParams(requests.at(-1)!.query);
  assert.equal(p.get('srs'), 'EPSG:4326');
  const bbox = p.get('bbox')!.split(',').map(Number);
  assert.ok(Math.abs(bbox[2] - 8.983152841195214) < 1e-6, `bbox ${bbox}`);
  // the upstream image is blue everywhere, so the centre of the warped one is too
  const c = (128 * 256 + 128) * 4;
  assert.deepEqual([...raw.data.subarray(c, c + 4)], [0, 0, 255, 255]);
});

test('supported_srs: an equal SRS is requested with the supported code (900913 for 3857)', async () => {
  const src = wms('/service', { layers: 'foo' }, { supportedSrs: [getSRS('EPSG:900913')] });
  await src.getMap(q([0, 0, 1000, 1000], [10, 10], 'EPSG:3857'));
  assert.equal(new URLSearchParams(requests.at(-1)!.query).get('srs'), 'EPSG:900913');
});

test('supported_formats: the first supported format is requested instead', async () => {
  const src = wms('/service', { layers: 'foo' }, { supportedFormats: ['image/jpeg'] });
  const img = await src.getMap(q([0, 0, 10, 10], [10, 10], 'EPSG:4326', 'image/png'));
  assert.equal(new URLSearchParams(requests.at(-1)!.query).get('format'), 'image/jpeg');
  assert.equal(img!.sourceFormat, 'jpeg');
});

test('coverage: nothing outside, only the intersecting part fetched at the edge', async () => {
  const coverage = new BBoxCoverage([0, 0, 10, 10], getSRS('EPSG:4326'));
  const src = wms('/service', { layers: 'foo' }, { coverage });
  const before = requests.length;
  assert.equal(await src.getMap(q([20, 20, 30, 30], [10, 10], 'EPSG:4326')), null);
  assert.equal(requests.length, before);
  const img = await src.getMap(q([5, 0, 15, 10], [100, 100], 'EPSG:4326'));
  const p = new URLSearchParams(requests.at(-1)!.query);
  assert.equal(p.get('bbox'), '5.0,0.0,10.0,10.0');
  assert.equal(p.get('width'), '50');
  const raw = await img!.raw();
  assert.deepEqual([raw.width, raw.height], [100, 100]);
  assert.equal(raw.data[(50 * 100 + 10) * 4 + 3], 255, 'inside: opaque');
  assert.equal(raw.data[(50 * 100 + 90) * 4 + 3], 0, 'outside: transparent');
});

test('resolution range: nothing outside min_res/max_res', async () => {
  const src = wms('/service', { layers: 'foo' }, { resRange: new ResolutionRange(1000, 10) });
  assert.equal(await src.getMap(q([0, 0, 100, 100], [100, 100], 'EPSG:3857')), null);
  assert.ok(await src.getMap(q([0, 0, 10000, 10000], [100, 100], 'EPSG:3857')));
});

test('forward_req_params: dimensions are sent upstream', async () => {
  const src = wms('/service', { layers: 'foo' }, { forwardReqParams: ['TIME'] });
  await src.getMap({ ...q([0, 0, 10, 10], [10, 10], 'EPSG:4326'), dimensions: { time: '2020-01-01', elevation: '5' } });
  const p = new URLSearchParams(requests.at(-1)!.query);
  assert.equal(p.get('time'), '2020-01-01');
  assert.equal(p.get('elevation'), null);
});

test('credentials in req.url become basic auth', async () => {
  const src = new WmsSource({
    request: new WmsMapRequest(base.replace('http://', 'http://me:pw@') + '/service', { layers: 'x' }),
    transport: new HttpWmsTransport(http0),
  });
  await src.getMap(q([0, 0, 10, 10], [10, 10], 'EPSG:4326'));
  assert.equal(requests.at(-1)!.headers.authorization, 'Basic ' + Buffer.from('me:pw').toString('base64'));
});

test('compatible sources with the same URL combine into one request', async () => {
  const transport = new HttpWmsTransport(http0);
  const a = new WmsSource({ request: new WmsMapRequest(base + '/service', { layers: 'a' }), transport });
  const b = new WmsSource({ request: new WmsMapRequest(base + '/service', { layers: 'b,c' }), transport });
  const other = new WmsSource({ request: new WmsMapRequest(base + '/other', { layers: 'd' }), transport });
  assert.equal(a.combinedWith(other), null);
  const ab = a.combinedWith(b)!;
  await ab.getMap(q([0, 0, 10, 10], [10, 10], 'EPSG:4326'));
  assert.equal(new URLSearchParams(requests.at(-1)!.query).get('layers'), 'a,b,c');
});

test('sld_body makes AUTO a POST with the parameters as body', async () => {
  const src = wms('/service', { layers: 'foo', sld_body: '<sld/>' });
  await src.getMap(q([0, 0, 10, 10], [10, 10], 'EPSG:4326'));
  const last = requests.at(-1)!;
  assert.equal(last.method, 'POST');
  assert.equal(last.query, '');
  assert.equal(last.body,
    'layers=foo&sld_body=%3Csld%2F%3E&bbox=0.0,0.0,10.0,10.0&width=10&height=10&srs=EPSG%3A4326&format=image%2Fpng' +
    '&request=GetMap&version=1.1.1&service=WMS&styles=');
});
