// MapProxy 7's own arcgis system test (test/system/test_arcgis.py) on its fixture arcgis.yaml: the same tiles and
// clicks must send the requests that test expects (compared as it compares them: parameters in any order, numbers
// by value) and give the same answers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createApp, type App } from '../../src/core/app.js';
import { get } from '../support/our-app.js';
import { writeConfigDir } from './config-helpers.js';

const FIXTURE = fileURLToPath(new URL('../../../shared/reference/mapproxy-fixtures/arcgis.yaml', import.meta.url));

/** A request as test_arcgis.py's bbox-aware comparator sees it: the path and each parameter, numbers as numbers. */
function normalized(pathAndQuery: string): { path: string; params: Record<string, (string | number)[]> } {
  const url = new URL(pathAndQuery, 'http://x');
  const params: Record<string, (string | number)[]> = {};
  for (const [k, v] of url.searchParams) {
    params[k] = v.split(',').map((s) => (/^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s));
  }
  return { path: url.pathname, params };
}

function assertSameRequest(actual: string, expected: string): void {
  const a = normalized(actual);
  const e = normalized(expected);
  assert.equal(a.path, e.path);
  assert.deepEqual(Object.keys(a.params).sort(), Object.keys(e.params).sort(), actual);
  for (const [k, values] of Object.entries(e.params)) {
    values.forEach((v, i) => {
      const got = a.params[k]![i];
      if (typeof v === 'number') assert.ok(typeof got === 'number' && Math.abs(got - v) < 1e-6 * Math.max(1, Math.abs(v)), `${k}: ${got} vs ${v}`);
      else assert.equal(got, v, k);
    });
  }
}

describe("MapProxy 7's test_arcgis.py on its arcgis.yaml", () => {
  const seen: string[] = [];
  let app: App;
  let server: Server;

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname.includes('NonExistentLayer')) {
        res.writeHead(400).end();
      } else if (url.pathname.endsWith('/identify')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"results": []}');
      } else {
        void sharp({ create: { width: 512, height: 512, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer()
          .then((png) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = writeConfigDir({ 'mapproxy.yaml': readFileSync(FIXTURE, 'utf8').replaceAll('http://localhost:42423', base) });
    app = await createApp(join(dir, 'mapproxy.yaml'));
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const world = 'bbox=-20037508.342789244,-20037508.342789244,20037508.342789244,20037508.342789244&size=512,512';

  it('test_get_tile: an image service exportImage', async () => {
    seen.length = 0;
    const res = await get(app, '/tms/1.0.0/app2_layer/0/0/1.png');
    assert.equal(res.headers['content-type'], 'image/png', res.body.toString());
    assert.equal(seen.length, 1);
    assertSameRequest(seen[0]!, `/arcgis/rest/services/ExampleLayer/ImageServer/exportImage?f=image&format=png&imageSR=900913&bboxSR=900913&${world}`);
  });

  it('test_get_tile_with_layer: a map service export with its layers', async () => {
    seen.length = 0;
    const res = await get(app, '/tms/1.0.0/app2_with_layers_layer/0/0/1.png');
    assert.equal(res.headers['content-type'], 'image/png');
    assertSameRequest(seen[0]!, `/arcgis/rest/services/ExampleLayer/MapServer/export?f=image&format=png&layers=show:0,1&imageSR=900913&bboxSR=900913&${world}`);
  });

  it('test_get_tile_from_missing_arcgis_layer: HTTP 400 upstream is a 500', async () => {
    seen.length = 0;
    const res = await get(app, '/tms/1.0.0/app2_wrong_url_layer/0/0/1.png');
    assert.equal(res.status, 500);
    assertSameRequest(seen[0]!, `/arcgis/rest/services/NonExistentLayer/ImageServer/exportImage?f=image&format=png&imageSR=900913&bboxSR=900913&${world}`);
  });

  const click = (bbox: string, srs: string) => '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetFeatureInfo&X=10&Y=20&WIDTH=200&HEIGHT=200' +
    `&LAYERS=app2_with_layers_fi_layer&QUERY_LAYERS=app2_with_layers_fi_layer&FORMAT=image/png&STYLES=&BBOX=${bbox}&SRS=${srs}&INFO_FORMAT=application/json`;

  it('test_identify', async () => {
    seen.length = 0;
    const res = await get(app, click('1000,400,2000,1400', 'EPSG:3857'));
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.body.toString(), '{"results": []}');
    assertSameRequest(seen[0]!, '/arcgis/rest/services/ExampleLayer/MapServer/identify?f=json&geometry=1050.000000,1300.000000' +
      '&returnGeometry=true&imageDisplay=200,200,96&mapExtent=1000.0,400.0,2000.0,1400.0&layers=show:1,2,3&tolerance=10&geometryType=esriGeometryPoint&sr=3857');
  });

  it('test_transformed_identify', async () => {
    seen.length = 0;
    const res = await get(app, click('5,50,8,53', 'EPSG:4326'));
    assert.equal(res.body.toString(), '{"results": []}');
    assertSameRequest(seen[0]!, '/arcgis/rest/services/ExampleLayer/MapServer/identify?f=json&geometry=573295.377585,6927820.884193' +
      '&returnGeometry=true&imageDisplay=200,321,96&mapExtent=556597.453966,6446275.84102,890555.926346,6982997.92039' +
      '&layers=show:1,2,3&tolerance=10&geometryType=esriGeometryPoint&sr=3857');
  });
});
