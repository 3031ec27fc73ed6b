import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageFormat } from '../../src/core/image/format.js';
import type { WmsServiceOptions } from '../../src/core/service/wms/options.js';
import { WmsService } from '../../src/core/service/wms/service.js';
import { OwsService } from '../../src/core/service/ows.js';
import { pixel, request, SCHEMAS, solidLayer, wmsLayer, xmllint } from './service-fakes.js';

function setup(overrides: Partial<WmsServiceOptions> = {}) {
  const red = solidLayer([255, 0, 0]);
  const blue = solidLayer([0, 0, 255], { transparent: true, alpha: 128 });
  const root = wmsLayer(undefined, {
    title: 'Root & co',
    children: [
      wmsLayer('red', { mapLayers: [red], bbox: [5, 45, 15, 55], md: { abstract: 'Red layer' } }),
      wmsLayer('blue', { mapLayers: [blue], bbox: [-20037508.34, -20037508.34, 0, 0], srs: 'EPSG:3857', resRange: [100000, 10] }),
    ],
  });
  const opts: WmsServiceOptions = {
    rootLayer: root,
    md: { title: 'Test WMS', abstract: 'abc', contact: { person: 'Ann', organization: 'Org', email: 'a@b.c' } },
    srs: ['EPSG:4326', 'EPSG:3857', 'EPSG:900913', 'EPSG:25832'],
    bboxSrs: [],
    imageFormats: [imageFormat('image/png'), imageFormat('image/jpeg')],
    versions: ['1.0.0', '1.1.0', '1.1.1', '1.3.0'],
    maxOutputPixels: 4000 * 4000,
    onSourceErrors: 'notify',
    strict: false,
    ...overrides,
  };
  const ows = new OwsService([new WmsService(opts)]);
  return { ows, red, blue };
}

const get = (ows: OwsService, url: string, headers: Record<string, string> = {}) => ows.handle(request(url, headers));
const body = (r: { body: Buffer | string }) => r.body.toString().replace(/&#x27;/g, "'");

const MAP = 'SERVICE=WMS&REQUEST=GetMap&VERSION=1.1.1&LAYERS=red&STYLES=&SRS=EPSG:4326&BBOX=5,45,15,55&WIDTH=20&HEIGHT=20&FORMAT=image/png';

describe('OWS dispatch', () => {
  it('rejects a request without SERVICE with MissingParameterValue and 400', async () => {
    const { ows } = setup();
    const r = await get(ows, '/service?REQUEST=GetCapabilities');
    assert.equal(r.status, 400);
    assert.match(body(r), /exceptionCode="MissingParameterValue" locator="service"/);
  });
  it('treats REQUEST=GetMap and WMTVER=1.0.0 without SERVICE as WMS', async () => {
    const { ows } = setup();
    const r = await get(ows, '/service?REQUEST=GetMap');
    assert.match(body(r), /missing parameters/);
    const caps = await get(ows, '/wms?WMTVER=1.0.0&REQUEST=capabilities');
    assert.match(body(caps), /<WMT_MS_Capabilities version="1.0.0">/);
  });
  it('rejects unknown services with InvalidParameterValue 400', async () => {
    const { ows } = setup();
    const r = await get(ows, '/service?SERVICE=foo&REQUEST=GetCapabilities');
    assert.equal(r.status, 400);
    assert.match(body(r), /InvalidParameterValue/);
  });
  it('serves /wms only when WMS is enabled', () => {
    assert.deepEqual(setup().ows.names, ['service', 'ows', 'wms']);
    assert.deepEqual(new OwsService([]).names, ['service', 'ows']);
  });
});

describe('WMS versions and errors', () => {
  it('negotiates versions: none → highest, 1.1.3 → 1.1.1, 0.9 → 1.0.0, 2.0 → 1.3.0', async () => {
    const { ows } = setup();
    const version = async (v: string) => /Capabilities[^>]*version="([\d.]+)"/.exec(body(await get(ows, `/service?SERVICE=WMS&REQUEST=GetCapabilities${v}`)))![1];
    assert.equal(await version(''), '1.3.0');
    assert.equal(await version('&VERSION=1.1.3'), '1.1.1');
    assert.equal(await version('&VERSION=0.9'), '1.0.0');
    assert.equal(await version('&VERSION=2.0'), '1.3.0');
    const limited = setup({ versions: ['1.1.1'] }).ows;
    assert.match(body(await get(limited, '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0')), /version="1.1.1"/);
  });

  it('renders exceptions per version with their content types and HTTP 400 (the client\'s mistake)', async () => {
    const { ows } = setup();
    const cases: [string, RegExp, string][] = [
      ['1.0.0', /<WMTException version="1.0.0">\nunknown WMS request type 'foo'\n<\/WMTException>/, 'text/xml'],
      ['1.1.0', /exception_1_1_0.dtd[\s\S]*<ServiceExceptionReport version="1.1.0">/, 'application/vnd.ogc.se_xml'],
      ['1.1.1', /exception_1_1_1.dtd[\s\S]*<ServiceExceptionReport version="1.1.1">/, 'application/vnd.ogc.se_xml'],
      ['1.3.0', /<ServiceExceptionReport version="1.3.0"\n  xmlns="http:\/\/www.opengis.net\/ogc"/, 'text/xml; charset=utf-8'],
    ];
    for (const [v, re, ct] of cases) {
      const r = await get(ows, `/service?SERVICE=WMS&REQUEST=foo&VERSION=${v}`);
      assert.equal(r.status, 400, v);
      assert.equal(r.headers['Content-Type'], ct, v);
      assert.match(body(r), re, v);
      assert.equal(r.headers['Cache-Control'], 'no-cache, no-store');
    }
  });

  it('validates GetMap in MapProxy order with its messages and codes', async () => {
    const { ows } = setup();
    const check = async (q: string, msg: string, code?: string) => {
      const text = body(await get(ows, `/service?${q}`));
      assert.ok(text.includes(`>${msg}</ServiceException>`), `${q}: ${text}`);
      if (code) assert.ok(text.includes(`code="${code}"`), text);
      else assert.ok(!text.includes('code='), text);
    };
    await check('SERVICE=WMS&REQUEST=GetMap&VERSION=1.1.1&LAYERS=red', "missing parameters ['styles', 'srs', 'bbox', 'width', 'height', 'format']");
    await check(MAP.replace('BBOX=5,45,15,55', 'BBOX=15,45,5,55'), 'invalid bbox 15,45,5,55');
    await check(MAP.replace('STYLES=', 'STYLES=fancy'), 'unsupported styles: fancy', 'StyleNotDefined');
    await check(MAP.replace('WIDTH=20&HEIGHT=20', 'WIDTH=5000&HEIGHT=4000'), 'image size too large');
    await check(MAP.replace('LAYERS=red', 'LAYERS=red,nope'), 'unknown layer: nope', 'LayerNotDefined');
    await check(MAP.replace('image/png', 'image/webp'), 'unsupported image format: image/webp', 'InvalidFormat');
    await check(MAP.replace('EPSG:4326', 'EPSG:31467'), 'unsupported srs: EPSG:31467', 'InvalidSRS');
    await check(MAP.replace('VERSION=1.1.1', 'VERSION=1.3.0').replace('SRS=', 'CRS=').replace('EPSG:4326', 'EPSG:31467'), 'unsupported crs: EPSG:31467', 'InvalidCRS');
  });

  it('draws in-image and blank exceptions as images of the requested size with HTTP 200', async () => {
    const { ows } = setup();
    const q = MAP.replace('LAYERS=red', 'LAYERS=nope').replace('WIDTH=20&HEIGHT=20', 'WIDTH=300&HEIGHT=200');
    const img = await get(ows, `/service?${q}&EXCEPTIONS=application/vnd.ogc.se_inimage&BGCOLOR=0x00ff00`);
    assert.equal(img.status, 200);
    assert.equal(img.headers['Content-Type'], 'image/png');
    const sharp = (await import('sharp')).default;
    const meta = await sharp(img.body as Buffer).metadata();
    assert.deepEqual([meta.width, meta.height], [300, 200]);
    // Quantized like MapProxy (FASTOCTREE): the background shares its octree cell with antialiased text edges.
    const bg = (await pixel(img.body, 299, 199)).slice(0, 3);
    assert.ok(bg[0]! <= 2 && bg[1]! >= 253 && bg[2]! <= 2, `background ${bg} is green`);
    const blank = await get(ows, `/service?${q}&EXCEPTIONS=BLANK&TRANSPARENT=true`);
    assert.equal(blank.status, 200);
    assert.equal((await pixel(blank.body, 10, 10))[3], 0);
  });

  it('keeps the oversize error an XML exception even when inimage is asked', async () => {
    const { ows } = setup();
    const r = await get(ows, `/service?${MAP.replace('WIDTH=20&HEIGHT=20', 'WIDTH=100000&HEIGHT=1000')}&EXCEPTIONS=application/vnd.ogc.se_inimage`);
    assert.equal(r.status, 400);
    assert.match(body(r), /image size too large/);
  });

  it('answers GetFeatureInfo on non-queryable layers with a ServiceException', async () => {
    const { ows } = setup();
    const r = await get(ows, `/service?${MAP.replace('GetMap', 'GetFeatureInfo')}&QUERY_LAYERS=red&X=1&Y=1`);
    assert.equal(r.status, 400);
    assert.match(body(r), /layer red is not queryable/);
  });

  it('answers GetLegendGraphic for a layer without legend with 404, and only in 1.1.1/1.3.0', async () => {
    const { ows } = setup();
    const r = await get(ows, '/service?SERVICE=WMS&REQUEST=GetLegendGraphic&VERSION=1.1.1&LAYER=red&FORMAT=image/png');
    assert.equal(r.status, 404);
    assert.match(body(r), /layer red has no legend graphic/);
    const old = await get(ows, '/service?SERVICE=WMS&REQUEST=GetLegendGraphic&VERSION=1.1.0&LAYER=red&FORMAT=image/png');
    assert.match(body(old), /unknown WMS request type 'legendgraphic'/);
  });
});

describe('WMS GetMap', () => {
  it('merges layers bottom to top on the requested background', async () => {
    const { ows } = setup();
    const both = MAP.replace('LAYERS=red', 'LAYERS=red,blue');
    const r = await get(ows, `/service?${both}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['Content-Type'], 'image/png');
    assert.equal(r.headers['Cache-Control'], undefined);
    const [rr, , bb] = await pixel(r.body, 5, 5);
    assert.ok(rr > 100 && rr < 160 && bb > 100, `half blue over red: ${rr},${bb}`);
    // blue alone, opaque background from BGCOLOR
    const bg = await get(ows, `/service?${MAP.replace('LAYERS=red', 'LAYERS=blue')}&BGCOLOR=0xffff00`);
    const [r2, g2, b2, a2] = await pixel(bg.body, 1, 1);
    assert.ok(r2 > 100 && g2 > 100 && b2 > 100 && a2 === 255, `${r2},${g2},${b2},${a2}`);
    // transparent request keeps alpha
    const tr = await get(ows, `/service?${MAP.replace('LAYERS=red', 'LAYERS=blue')}&TRANSPARENT=TRUE`);
    const a3 = (await pixel(tr.body, 1, 1))[3];
    assert.ok(a3 > 100 && a3 < 160, `alpha ${a3}`);
  });

  it('skips layers hidden by a later opaque layer', async () => {
    const { ows, red, blue } = setup();
    await get(ows, `/service?${MAP.replace('LAYERS=red', 'LAYERS=blue,red')}`);
    assert.equal(blue.queries.length, 0);
    assert.equal(red.queries.length, 1);
  });

  it('swaps the 1.3.0 bbox of north-first CRSs and passes the query on', async () => {
    const { ows, red } = setup();
    const q = 'SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=red&STYLES=&CRS=EPSG:4326&BBOX=45,5,55,15&WIDTH=20&HEIGHT=10&FORMAT=image/jpeg';
    const r = await get(ows, `/service?${q}`);
    assert.equal(r.headers['Content-Type'], 'image/jpeg');
    assert.deepEqual(red.queries[0]!.bbox, [5, 45, 15, 55]);
    assert.deepEqual(red.queries[0]!.size, [20, 10]);
    assert.equal(red.queries[0]!.srs.code, 'EPSG:4326');
  });

  it('notify: lists failed sources, fails only when all fail; raise: any failure is an exception', async () => {
    const bad = solidLayer([0, 0, 0], { fail: 'upstream down', transparent: true });
    const root = wmsLayer(undefined, { children: [wmsLayer('red', { mapLayers: [solidLayer([255, 0, 0], { transparent: true })] }), wmsLayer('bad', { mapLayers: [bad] })] });
    const notify = setup({ rootLayer: root }).ows;
    const partial = await get(notify, `/service?${MAP.replace('LAYERS=red', 'LAYERS=red,bad')}`);
    assert.equal(partial.status, 200, body(partial));
    assert.equal(partial.headers['Cache-Control'], 'no-cache, no-store');
    const all = await get(notify, `/service?${MAP.replace('LAYERS=red', 'LAYERS=bad')}`);
    assert.match(body(all), /Could not get any sources:\nupstream down/);
    const raise = setup({ rootLayer: root, onSourceErrors: 'raise' }).ows;
    assert.match(body(await get(raise, `/service?${MAP.replace('LAYERS=red', 'LAYERS=red,bad')}`)), />upstream down</);
  });

  it('clips to a fixed bbox_srs extent and leaves the rest blank', async () => {
    const { ows, red } = setup({ bboxSrs: [{ srs: 'EPSG:4326', bbox: [10, 45, 15, 55] }] });
    const r = await get(ows, `/service?${MAP}&TRANSPARENT=true`);
    assert.deepEqual(red.queries[0]!.bbox, [10, 45, 15, 55]);
    assert.deepEqual(red.queries[0]!.size, [10, 20]);
    assert.equal((await pixel(r.body, 2, 2))[3], 0);
    assert.deepEqual(await pixel(r.body, 15, 2), [255, 0, 0, 255]);
  });
});

describe('WMS capabilities', () => {
  it('validate against the OGC DTDs and schema', async () => {
    const { ows } = setup();
    const caps = async (v: string) => body(await get(ows, `/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=${v}`));
    assert.equal(xmllint(await caps('1.1.1'), ['--dtdvalid', `${SCHEMAS}/wms/1.1.1/WMS_MS_Capabilities.dtd`]), '');
    assert.equal(xmllint(await caps('1.1.0'), ['--dtdvalid', `${SCHEMAS}/wms/1.1.0/capabilities_1_1_0.dtd`]), '');
    assert.equal(xmllint(await caps('1.0.0'), ['--dtdvalid', `${SCHEMAS}/wms/1.0.0/capabilities_1_0_0.dtd`]), '');
    assert.equal(xmllint(await caps('1.3.0'), ['--schema', `${SCHEMAS}/wms/1.3.0/capabilities_1_3_0.xsd`]), '');
  });

  it('lists layers with bboxes, scale hints, metadata and the request URL', async () => {
    const { ows } = setup();
    const r = await get(ows, '/wms?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.1.1', { host: 'example.org:8080' });
    assert.equal(r.headers['Content-Type'], 'application/vnd.ogc.wms_xml');
    assert.equal(r.headers['Vary'], 'X-Script-Name, X-Forwarded-Host, X-Forwarded-Proto');
    const t = body(r);
    assert.match(t, /<OnlineResource xmlns:xlink="http:\/\/www.w3.org\/1999\/xlink" xlink:href="http:\/\/example.org:8080\/wms\?"\/>/);
    assert.match(t, /<Title>Root &amp; co<\/Title>/);
    assert.match(t, /<LatLonBoundingBox minx="5.0" miny="45.0" maxx="15.0" maxy="55.0" \/>/);
    assert.match(t, /<BoundingBox SRS="EPSG:4326" minx="5.0" miny="45.0" maxx="15.0" maxy="55.0" \/>/);
    assert.match(t, /<BoundingBox SRS="EPSG:3857" minx="556597.45/);
    assert.match(t, /<ScaleHint min="14.142135623730951" max="141421.3562373095[0-9]*" \/>/);
    assert.match(t, /<ContactPerson>Ann<\/ContactPerson>/);
    const v13 = body(await get(ows, '/service?SERVICE=WMS&REQUEST=GetCapabilities'));
    assert.match(v13, /<BoundingBox CRS="EPSG:4326" minx="45.0" miny="5.0" maxx="55.0" maxy="15.0" \/>/);
    assert.match(v13, /<MinScaleDenominator>35714.28571428572<\/MinScaleDenominator>/);
    assert.match(v13, /<MaxWidth>4000<\/MaxWidth>/);
    assert.match(v13, /<westBoundLongitude>-180<\/westBoundLongitude>/);
  });

  it('follows X-Forwarded-Host, X-Forwarded-Proto and X-Script-Name', async () => {
    const { ows } = setup();
    const t = body(
      await get(ows, '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0', {
        'x-forwarded-host': 'proxy.example, inner',
        'x-forwarded-proto': 'https',
        'x-script-name': '/mapproxy',
      }),
    );
    assert.match(t, /xlink:href="https:\/\/proxy.example\/mapproxy\/service\?"/);
  });
});
