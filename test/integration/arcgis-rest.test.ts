// The arcgis source against an ArcGIS REST server. There is no ArcGIS Server in Debian: the server here is our
// stand-in (test/support/arcgis-rest-server.ts), which speaks the REST protocol as Esri documents it, renders with
// the real MapServer and identifies in the data MapServer draws. Maps through WMS and TMS, feature info through
// WMS GetFeatureInfo in JSON, HTML and text merged as MapProxy 7 merges them, and ArcGIS's error answers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startArcGisRestServer, type ArcGisRestServer } from '../support/arcgis-rest-server.js';
import { tempDir, writeConfig } from '../support/configs.js';
import { colorFraction, colorNear, decodeImage, pixelAt } from '../support/images.js';
import { startMapServer, TEST_COLORS, type TestMapServer } from '../support/mapserver.js';
import { createApp, get, type OurApp } from '../support/our-app.js';

function config(base: string, cacheDir: string): string {
  return `
services:
  tms:
  wmts:
    featureinfo_formats: [{mimetype: application/json, suffix: json}]
  wms:
    featureinfo_types: [text, html, json]
layers:
  - {name: ag, title: ArcGIS map service, sources: [ag_map]}
  - {name: ag_cached, title: cached, sources: [ag_cache]}
  - {name: ag_image_cached, title: image service, sources: [image_cache]}
  - {name: two, title: two identify sources, sources: [ag_map, ag_points]}
  - {name: utm, title: identify in EPSG:25832, sources: [ag_utm]}
  - {name: info_only, title: identify only, sources: [ag_info_only]}
  - {name: missing, title: unknown service, sources: [ag_missing]}
  - {name: missing_cached, title: unknown service cached, sources: [missing_cache]}
  - {name: missing_red, title: unknown service with on_error, sources: [ag_missing_red]}
caches:
  ag_cache: {grids: [GLOBAL_WEBMERCATOR], sources: [ag_map], cache: {type: file, directory: ${cacheDir}/ag}}
  image_cache: {grids: [GLOBAL_MERCATOR], sources: [ag_image], cache: {type: file, directory: ${cacheDir}/image}}
  missing_cache: {grids: [GLOBAL_WEBMERCATOR], sources: [ag_missing], cache: {type: file, directory: ${cacheDir}/missing}}
sources:
  ag_map:
    type: arcgis
    req: {url: '${base}/Test/MapServer', layers: 'show:1,2', transparent: true}
    opts: {featureinfo: true, featureinfo_tolerance: 3, featureinfo_return_geometries: true}
  ag_points:
    type: arcgis
    req: {url: '${base}/Test/MapServer/export', layers: 'show:0,2'}
    opts: {featureinfo: true}
  ag_image:
    type: arcgis
    req: {url: '${base}/Test/ImageServer'}
  ag_utm:
    type: arcgis
    req: {url: '${base}/Test/MapServer', layers: 'show:2'}
    supported_srs: ['EPSG:25832']
    opts: {featureinfo: true}
  ag_info_only:
    type: arcgis
    req: {url: '${base}/Test/MapServer', layers: 'show:2'}
    opts: {featureinfo: true, map: false}
  ag_missing:
    type: arcgis
    req: {url: '${base}/NonExistent/MapServer'}
  ag_missing_red:
    type: arcgis
    req: {url: '${base}/NonExistent/ImageServer'}
    on_error:
      400: {response: '#ff0000', cache: false}
`;
}

/** A GetFeatureInfo at lon 10, lat 50 (inside the red area) on a 0,40,20,60 map of 200×200 pixels. */
function featureInfo(layers: string, infoFormat: string, srs = 'EPSG:4326', bbox = '0,40,20,60'): string {
  return `/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetFeatureInfo&LAYERS=${layers}&QUERY_LAYERS=${layers}&STYLES=&SRS=${srs}` +
    `&BBOX=${bbox}&WIDTH=200&HEIGHT=200&X=100&Y=100&FORMAT=image/png&INFO_FORMAT=${encodeURIComponent(infoFormat)}`;
}

interface IdentifyResult { layerId: number; layerName: string; value: string; attributes: Record<string, string>; geometryType: string; geometry?: { rings?: number[][][]; spatialReference?: { wkid: number } } }

describe('arcgis source against our ArcGIS REST stand-in (MapServer inside)', () => {
  let ms: TestMapServer;
  let ag: ArcGisRestServer;
  let dir: string;
  let app: OurApp;
  const since = (n: number) => ag.requests.slice(n);

  before(async () => {
    ms = await startMapServer();
    ag = await startArcGisRestServer(ms);
    dir = tempDir();
    app = await createApp(writeConfig(dir, config(ag.base, join(dir, 'cache'))));
  });
  after(async () => {
    await ag?.stop();
    await ms?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the stand-in answers export, exportImage and identify as the REST reference documents them', async () => {
    const exported = await fetch(`${ag.base}/Test/MapServer/export?bbox=0,40,20,60&size=64,64&bboxSR=4326&imageSR=4326&format=png32&transparent=true&f=image`);
    assert.equal(exported.headers.get('content-type'), 'image/png');
    const img = await decodeImage(Buffer.from(await exported.arrayBuffer()));
    assert.deepEqual([img.width, img.height], [64, 64]);
    assert.ok(colorNear(pixelAt(img, 32, 32), [...TEST_COLORS.redArea, 255]));
    const description = await (await fetch(`${ag.base}/Test/MapServer/export?bbox=0,40,20,60&f=json`)).json() as { width: number; extent: { spatialReference: { wkid: number } } };
    assert.equal(description.width, 400); // the documented default size
    assert.equal(description.extent.spatialReference.wkid, 4326);
    // failures: HTTP 200 and a JSON error
    for (const [url, detail] of [
      [`${ag.base}/Test/MapServer/export?size=10,10&f=image`, /bbox/],
      [`${ag.base}/Test/MapServer/export?bbox=0,0,1,1&format=tiff&f=image`, /Invalid format/],
      [`${ag.base}/Nope/MapServer/export?bbox=0,0,1,1&f=image`, /Service 'Nope' of type 'MapServer' does not exist/],
      [`${ag.base}/Test/MapServer/identify?geometry=10,50&mapExtent=0,40,20,60&imageDisplay=200,200,96&f=json`, /tolerance/],
    ] as const) {
      const res = await fetch(url);
      assert.equal(res.status, 200, url);
      const body = await res.json() as { error: { code: number; details: string[] } };
      assert.equal(body.error.code, 400, url);
      assert.match(body.error.details.join(' '), detail, url);
    }
    const identified = await (await fetch(`${ag.base}/Test/MapServer/identify?geometry=10,50&geometryType=esriGeometryPoint&sr=4326&layers=all&tolerance=2&mapExtent=0,40,20,60&imageDisplay=200,200,96&returnGeometry=false&f=json`)).json() as { results: IdentifyResult[] };
    assert.deepEqual(identified.results.map((r) => [r.layerId, r.layerName, r.value, r.attributes['kind'], 'geometry' in r]), [[2, 'areas', 'red', '1', false]]);
  });

  it('draws a WMS map through the map service export with the parameters MapProxy sends', async () => {
    const n = ag.requests.length;
    const res = await get(app, '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=ag&STYLES=&SRS=EPSG:4326&BBOX=-10,30,30,70&WIDTH=200&HEIGHT=200&FORMAT=image/png');
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.headers['content-type'], 'image/png');
    const img = await decodeImage(res.body);
    assert.ok(colorNear(pixelAt(img, 100, 100), [...TEST_COLORS.redArea, 255]), `red at lon 10, lat 50: ${pixelAt(img, 100, 100)}`);
    assert.deepEqual(since(n), [
      '/arcgis/rest/services/Test/MapServer/export?layers=show%3A1,2&transparent=True&format=png&bbox=-10.0,30.0,30.0,70.0&size=200,200&bboxSR=4326&imageSR=4326&f=image',
    ]);
  });

  it('serves TMS tiles of a cached map service and of an image service (exportImage)', async () => {
    const n = ag.requests.length;
    // TMS level 2 of a global mercator grid is its level 3 (MapProxy skips the 1-tile level); tile 4/5 (rows count
    // from the south) is lon 0..45, lat 41..66.5. GLOBAL_MERCATOR is EPSG:900913
    for (const [layer, grid] of [['ag_cached', 'EPSG3857'], ['ag_image_cached', 'EPSG900913']]) {
      const res = await get(app, `/tms/1.0.0/${layer}/${grid}/2/4/5.png`);
      assert.equal(res.status, 200, `${layer}: ${res.body.toString()}`);
      const img = await decodeImage(res.body);
      assert.ok(colorFraction(img, TEST_COLORS.redArea) > 0.01, `${layer}: the red area lon 0..20, lat 40..60 is drawn`);
    }
    const fresh = since(n);
    // one meta tile each: 4×4 tiles and the 80 pixel buffer where it does not leave the grid
    assert.equal(fresh.length, 2, fresh.join('\n'));
    assert.match(fresh[0]!, /^\/arcgis\/rest\/services\/Test\/MapServer\/export\?layers=show%3A1,2&transparent=True&format=png&bbox=-1565430\.\d+,-1565430\.\d+,20037508\.\d+,20037508\.\d+&size=1104,1104&bboxSR=3857&imageSR=3857&f=image$/);
    assert.match(fresh[1]!, /^\/arcgis\/rest\/services\/Test\/ImageServer\/exportImage\?format=png&bbox=[-\d.,]+&size=1104,1104&bboxSR=900913&imageSR=900913&f=image$/);
  });

  it('answers GetFeatureInfo in JSON from identify, with the tolerance and geometries configured', async () => {
    const n = ag.requests.length;
    const res = await get(app, featureInfo('ag', 'application/json'));
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    const { results } = JSON.parse(res.body.toString()) as { results: IdentifyResult[] };
    assert.deepEqual(results.map((r) => [r.layerName, r.value, r.geometryType]), [['areas', 'red', 'esriGeometryPolygon']]);
    assert.deepEqual(results[0]!.geometry!.spatialReference, { wkid: 4326 });
    assert.deepEqual(since(n), [
      '/arcgis/rest/services/Test/MapServer/identify?layers=show%3A1,2&transparent=True&mapExtent=0.0,40.0,20.0,60.0&imageDisplay=200,200,96&geometry=10.000000,50.000000&sr=4326&f=json&tolerance=3&returnGeometry=true&geometryType=esriGeometryPoint',
    ]);
  });

  it('merges the identify answers of two sources as MapProxy 7 merges them (JSON lists, HTML bodies, text lines)', async () => {
    const json = await get(app, featureInfo('two', 'application/json'));
    const { results } = JSON.parse(json.body.toString()) as { results: IdentifyResult[] };
    // ag_map (lines and areas) and ag_points (points and areas): the red area from both, one list
    assert.deepEqual(results.map((r) => r.value), ['red', 'red']);
    assert.equal(JSON.stringify(Object.keys(JSON.parse(json.body.toString()))), '["results"]');

    const html = await get(app, featureInfo('two', 'text/html'));
    assert.equal(html.headers['content-type'], 'text/html; charset=utf-8');
    const page = html.body.toString();
    assert.equal(page.match(/<body>/g)?.length, 1, page);
    assert.equal(page.match(/<h3>areas: red<\/h3>/g)?.length, 2, page);

    // text/plain asks for JSON (f=json) and passes each answer on as text, one per line
    const text = await get(app, featureInfo('two', 'text/plain'));
    assert.equal(text.headers['content-type'], 'text/plain; charset=utf-8');
    const lines = text.body.toString().split('\n');
    assert.equal(lines.length, 2);
    for (const line of lines) assert.equal((JSON.parse(line) as { results: IdentifyResult[] }).results[0]!.value, 'red');
  });

  it('makes layers queryable in WMS capabilities, and answers WMTS GetFeatureInfo of a cached layer', async () => {
    const caps = (await get(app, '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetCapabilities')).body.toString();
    const queryable = (name: string) => new RegExp(`<Layer queryable="1">\\s*<Name>${name}</Name>`).test(caps);
    assert.deepEqual(['ag', 'ag_cached', 'two', 'utm', 'info_only', 'missing'].map(queryable), [true, true, true, true, true, false]);
    // level 2 of GLOBAL_WEBMERCATOR, row 1 (from the north) col 2: lon 0..90, lat 0..66.5; I/J is lon 10, lat 50
    const n = ag.requests.length;
    const res = await get(app, '/wmts/ag_cached/GLOBAL_WEBMERCATOR/02/2/1/28/91.json');
    assert.equal(res.status, 200, res.body.toString());
    assert.deepEqual((JSON.parse(res.body.toString()) as { results: IdentifyResult[] }).results.map((r) => r.value), ['red']);
    assert.match(since(n)[0]!, /\/identify\?layers=show%3A1,2&transparent=True&mapExtent=0\.0,0\.0,10018754\.171394622,10018754\.171394622&imageDisplay=256,256,96&.*&sr=3857&/);
  });

  it('transforms a click into a supported SRS, and answers feature info from a source that draws nothing', async () => {
    const n = ag.requests.length;
    const res = await get(app, featureInfo('utm', 'application/json'));
    assert.deepEqual((JSON.parse(res.body.toString()) as { results: IdentifyResult[] }).results.map((r) => r.value), ['red']);
    assert.match(since(n)[0]!, /\/identify\?layers=show%3A2&mapExtent=[-\d.]+,[\d.]+,[\d.]+,[\d.]+&imageDisplay=200,\d+,96&geometry=[\d.]+,[\d.]+&sr=25832&f=json&tolerance=5&returnGeometry=false&/);

    const m = ag.requests.length;
    const info = await get(app, featureInfo('info_only', 'application/json'));
    assert.deepEqual((JSON.parse(info.body.toString()) as { results: IdentifyResult[] }).results.map((r) => r.value), ['red']);
    const map = await get(app, '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=info_only&STYLES=&SRS=EPSG:4326&BBOX=0,40,20,60&WIDTH=20&HEIGHT=20&FORMAT=image/png&TRANSPARENT=true');
    assert.equal(map.status, 200);
    assert.deepEqual(since(m).map((u) => u.split('?')[0]), ['/arcgis/rest/services/Test/MapServer/identify'], 'opts.map: false exports nothing');
  });

  it('turns an ArcGIS error answer into a source error, or into the on_error colour of its code', async () => {
    const wms = await get(app, '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=missing&STYLES=&SRS=EPSG:4326&BBOX=0,40,20,60&WIDTH=20&HEIGHT=20&FORMAT=image/png');
    assert.match(wms.headers['content-type'] ?? '', /xml/);
    assert.match(wms.body.toString(), /ServiceException/);
    const tile = await get(app, '/tms/1.0.0/missing_cached/EPSG3857/0/0/0.png');
    assert.equal(tile.status, 500, 'as MapProxy answers a tile its source failed to deliver');

    const red = await get(app, '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=missing_red&STYLES=&SRS=EPSG:4326&BBOX=0,40,20,60&WIDTH=20&HEIGHT=20&FORMAT=image/png');
    assert.equal(red.status, 200);
    const img = await decodeImage(red.body);
    assert.ok(colorNear(pixelAt(img, 10, 10), [255, 0, 0, 255]), `on_error 400 answers red: ${pixelAt(img, 10, 10)}`);
  });
});
