/**
 * Real clients with credentials against an access rules file: OWSLib with a header (an API key, a bearer JWT),
 * GDAL with GDAL_HTTP_HEADERS and with the key in the URL, and the demo's OpenLayers viewers opened with the key
 * in headless Chromium (the demo passes the key on to its map and tile requests).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as jose from 'jose';
import { createApp } from '../../src/core/app.js';
import { serveHttp } from '../../src/core/node-http-adapter.js';
import { gdalAvailable, gdalTranslate, gdalWmsLayerDsn, owslibAvailable, runClient } from '../support/clients.js';
import { tempDir, upstreamConfig, writeConfig } from '../support/configs.js';
import { colorFraction, decodeImage } from '../support/images.js';
import { startMapServer, TEST_COLORS, type TestMapServer } from '../support/mapserver.js';
import { screenshot } from '../support/chromium.js';

const KEY = 'desk-key-5b0e1f2a';
const DEMO_ONLY_KEY = 'demo-only-key-77';
const SECRET = 'the-sso-secret-of-thirty-two-bytes-or-more';
const MERC_BBOX = [-20037508.34, -20037508.34, 20037508.34, 20037508.34];

const RULES = `
rules:
  - name: desktop
    api_key: { header: X-API-Key, query: apikey, keys: [${KEY}] }
    layers: "*"
  - name: demo-only
    api_key: { query: apikey, keys: [${DEMO_ONLY_KEY}] }
    services: [demo]
    layers: "*"
  - name: sso
    jwt: { secret: "${SECRET}", audience: mapproxy }
    layers: [areas_cached]
`;

/** OWSLib's WebMapService with request headers: capabilities, then a GetMap of areas_cached. */
const OWSLIB = `
import json, sys, warnings
warnings.simplefilter('ignore')
from owslib.wms import WebMapService
req = json.loads(sys.argv[1])
try:
    wms = WebMapService(req['url'], version='1.1.1', headers=req['headers'], timeout=30)
    img = wms.getmap(layers=['areas_cached'], srs='EPSG:3857', bbox=tuple(req['bbox']), size=(256, 256), format='image/png', transparent=False)
    data = img.read()
    print(json.dumps({'layers': sorted(wms.contents), 'png': data[:4] == b'\\x89PNG', 'length': len(data)}))
except Exception as e:
    print(json.dumps({'error': type(e).__name__, 'message': str(e)[:300]}))
`;

async function owslib(url: string, headers: Record<string, string>): Promise<{ layers?: string[]; png?: boolean; error?: string; message?: string }> {
  const r = await runClient('/usr/bin/python3', ['-c', OWSLIB, JSON.stringify({ url, headers, bbox: MERC_BBOX })]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.toString()) as { layers?: string[]; png?: boolean; error?: string };
}

function hasBothAreas(png: Buffer, what: string): Promise<void> {
  return decodeImage(png).then((img) => {
    assert.ok(colorFraction(img, [...TEST_COLORS.redArea, 255], 12) > 0.001, `${what}: no red area`);
    assert.ok(colorFraction(img, [...TEST_COLORS.greenArea, 255], 12) > 0.001, `${what}: no green area`);
  });
}

describe('clients with credentials against access rules', () => {
  let ms: TestMapServer;
  let server: Server;
  let dir = '';
  let url = '';

  before(async () => {
    ms = await startMapServer();
    dir = tempDir('auth-clients-');
    writeFileSync(join(dir, 'access.yaml'), RULES);
    const config = writeConfig(dir, `${upstreamConfig({ mapserverUrl: ms.url, cacheDir: join(dir, 'cache') })}\nserver:\n  hooks: ./access.yaml\n`);
    const app = await createApp(config, { log: { warn() {}, error: (m: string, e?: unknown) => console.error(m, e) } });
    server = await serveHttp(app, { host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await ms?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('OWSLib', { skip: !owslibAvailable() && 'python3-owslib is not installed' }, () => {
    it('with the API key header: capabilities list every layer and GetMap draws', async () => {
      const r = await owslib(`${url}/service`, { 'X-API-Key': KEY });
      assert.equal(r.error, undefined, r.message);
      assert.ok(r.layers!.includes('areas_cached') && r.layers!.includes('lines_direct'), JSON.stringify(r.layers));
      assert.equal(r.png, true);
    });
    it('with a bearer JWT: only the layer of the token rule', async () => {
      const token = await new jose.SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setAudience('mapproxy').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
      const r = await owslib(`${url}/service`, { Authorization: `Bearer ${token}` });
      assert.equal(r.error, undefined, r.message);
      assert.deepEqual(r.layers, ['areas_cached']);
      assert.equal(r.png, true);
    });
    it('without credentials OWSLib gets the 401', async () => {
      const r = await owslib(`${url}/service`, {});
      assert.ok(r.error, JSON.stringify(r));
      assert.match(r.message ?? '', /401|[Uu]nauthori[sz]ed/);
    });
  });

  describe('GDAL', { skip: !gdalAvailable() && 'gdal-bin is not installed' }, () => {
    const dsn = (base: string) => gdalWmsLayerDsn(base, '1.1.1', 'areas_cached', 'EPSG:3857', MERC_BBOX);
    it('with GDAL_HTTP_HEADERS carrying the key', async () => {
      const png = await gdalTranslate(dsn(`${url}/service`), ['-outsize', '256', '256', '--config', 'GDAL_HTTP_HEADERS', `X-API-Key: ${KEY}`]);
      await hasBothAreas(png, 'GDAL with a header');
    });
    it('with the key in the URL', async () => {
      const png = await gdalTranslate(dsn(`${url}/service?apikey=${KEY}`), ['-outsize', '256', '256']);
      await hasBothAreas(png, 'GDAL with the key in the URL');
    });
    it('without a key GDAL fails with the 401', async () => {
      await assert.rejects(gdalTranslate(dsn(`${url}/service`), ['-outsize', '256', '256']), /401|nauthori/);
    });
  });

  describe('OpenLayers in the demo', () => {
    async function shot(pageUrl: string): Promise<Buffer> {
      const profile = mkdtempSync(join(tmpdir(), 'demo-shot-'));
      try {
        await screenshot(pageUrl, join(profile, 'shot.png'));
        return readFileSync(join(profile, 'shot.png'));
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    }

    const viewers: [string, string][] = [
      ['WMS', '/demo/?wms_layer=areas_cached&format=image%2Fpng&srs=EPSG%3A3857'],
      ['TMS', '/demo/?tms_layer=areas_cached&spec=GLOBAL_WEBMERCATOR'],
      ['WMTS', '/demo/?wmts_layer=areas_cached&matrix_set=GLOBAL_WEBMERCATOR'],
    ];
    for (const [name, path] of viewers) {
      it(`the ${name} viewer opened with ?apikey= draws the map with that key`, async () => {
        await hasBothAreas(await shot(`${url}${path}&apikey=${KEY}`), name);
      });
    }
    it('a key admitted to the demo pages but not to maps or tiles shows no map (the key is what opens the tiles)', async () => {
      const page = await fetch(`${url}/demo/?tms_layer=areas_cached&spec=GLOBAL_WEBMERCATOR&apikey=${DEMO_ONLY_KEY}`);
      assert.equal(page.status, 200);
      const img = await decodeImage(await shot(`${url}/demo/?tms_layer=areas_cached&spec=GLOBAL_WEBMERCATOR&apikey=${DEMO_ONLY_KEY}`));
      assert.equal(colorFraction(img, [...TEST_COLORS.redArea, 255], 12), 0);
    });
    it('the index links carry the key on to the viewers and capabilities', async () => {
      const html = await (await fetch(`${url}/demo/?apikey=${KEY}`)).text();
      assert.match(html, /href="\?tms_layer=areas_cached&amp;spec=GLOBAL_WEBMERCATOR&amp;apikey=desk-key-5b0e1f2a"/);
      assert.match(html, /service\?REQUEST=GetCapabilities&amp;SERVICE=WMS&amp;apikey=desk-key-5b0e1f2a"/);
    });
  });
});
