// OpenLayers' OGCMapTile source in headless Chromium against /ogcapi: the tileset page of a collection (HTML,
// OpenLayers from /ogcapi/static, no network besides our server) reads the tileset, its tile matrix set and tile
// template, and draws the tiles of the test MapServer's red and green areas into its canvas.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createApp, type App } from '../../src/core/app.js';
import type { CoreRequest } from '../../src/core/http.js';
import { serveHttp } from '../../src/core/node-http-adapter.js';
import { tempDir, upstreamCaches, upstreamSources, writeConfig } from '../support/configs.js';
import { colorFraction, decodeImage } from '../support/images.js';
import { startMapServer, TEST_COLORS, type TestMapServer } from '../support/mapserver.js';

const CHROMIUM = '/usr/bin/chromium';

/** A screenshot of `url` after a few seconds of virtual time; asynchronous, as our server runs in this process. */
async function screenshot(url: string, file: string): Promise<void> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  try {
    let stderr = '';
    await promisify(execFile)(CHROMIUM, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--user-data-dir=${profile}`, '--window-size=800,700', '--hide-scrollbars',
      '--virtual-time-budget=30000', `--screenshot=${file}`, url,
      // a loaded machine (the tests share two cores) can take Chromium well past a minute
    ], { encoding: 'utf8', timeout: 180_000 }).catch((err: { stderr?: string; killed?: boolean; message?: string }) => {
      stderr = `${err.killed ? 'timed out: ' : ''}${err.stderr || err.message || String(err)}`;
    });
    assert.ok(existsSync(file), `no screenshot of ${url}: ${stderr}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

describe('OpenLayers OGCMapTile in headless Chromium against /ogcapi', () => {
  let ms: TestMapServer;
  let dir: string;
  let app: App;
  let server: Server;
  let base: string;
  /** Paths the browser asked for. */
  const asked: string[] = [];

  before(async () => {
    ms = await startMapServer();
    dir = tempDir();
    const file = writeConfig(dir, `
services:
  wmts:
  ogcapi:
layers:
  - name: areas_cached
    title: Areas (cached)
    sources: [areas_cache]
${upstreamCaches(join(dir, 'cache'))}
sources:
${upstreamSources(ms.url)}
globals:
  image:
    paletted: false
`);
    app = await createApp(file);
    server = await serveHttp({
      handle: (req: CoreRequest) => {
        asked.push(req.path);
        return app.handle(req);
      },
    }, { host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await app.runtime.close();
    await ms.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws the tiles of a collection tileset page through ol.source.OGCMapTile', async () => {
    const page = `${base}/ogcapi/collections/areas_cached/map/tiles/WebMercatorQuad?f=html`;
    const html = await (await fetch(page)).text();
    assert.match(html, /ol\.source\.OGCMapTile/);
    asked.length = 0;
    const file = join(dir, 'ogcmaptile.png');
    await screenshot(page, file);
    // OpenLayers read the tileset (JSON) and the tile matrix set, then asked for tiles of the template
    assert.ok(asked.includes('/ogcapi/collections/areas_cached/map/tiles/WebMercatorQuad'), asked.join(' '));
    assert.ok(asked.includes('/ogcapi/tileMatrixSets/WebMercatorQuad'), asked.join(' '));
    const tiles = asked.filter((p) => /^\/ogcapi\/collections\/areas_cached\/map\/tiles\/WebMercatorQuad\/\d+\/\d+\/\d+\.png$/.test(p));
    assert.ok(tiles.length >= 1, asked.join(' '));
    const img = await decodeImage(readFileSync(file));
    assert.ok(colorFraction(img, [...TEST_COLORS.redArea, 255], 12) > 0.001, 'no red area in the screenshot');
    assert.ok(colorFraction(img, [...TEST_COLORS.greenArea, 255], 12) > 0.001, 'no green area in the screenshot');
  });
});
