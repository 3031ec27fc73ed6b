// The demo's background map (globals.background.url, MapProxy 7) in headless Chromium: a local XYZ server stands in
// for OpenStreetMap with blue tiles, under a WMS layer that covers only a small part of the map.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { screenshot } from '../support/chromium.js';
import { colorFraction, decodeImage } from '../support/images.js';
import { startOurServer } from '../support/our-app.js';

describe('demo background map in headless Chromium', () => {
  it('draws globals.background.url under the viewer\'s layer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-background-'));
    const blue = await sharp({ create: { width: 256, height: 256, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 1 } } }).png().toBuffer();
    const tiles = createServer((req, res) => {
      res.writeHead(/^\/bg\/\d+\/\d+\/\d+\.png$/.test(req.url ?? '') ? 200 : 404, { 'Content-Type': 'image/png', 'Access-Control-Allow-Origin': '*' });
      res.end(blue);
    });
    await new Promise<void>((resolve) => tiles.listen(0, '127.0.0.1', resolve));
    const bg = `http://127.0.0.1:${(tiles.address() as AddressInfo).port}`;
    writeFileSync(join(dir, 'mapproxy.yaml'), `
globals: {background: {url: '${bg}/bg/{z}/{x}/{y}.png'}}
services: {demo: {}, wms: {srs: ['EPSG:3857']}}
layers:
  - {name: red, title: red, sources: [red_cache]}
caches:
  red_cache: {grids: [GLOBAL_WEBMERCATOR], sources: [red], disable_storage: true}
sources:
  red: {type: tile, grid: GLOBAL_WEBMERCATOR, transparent: true, url: '${bg}/red/%(z)s/%(x)s/%(y)s.png',
        coverage: {bbox: [-10, -10, 10, 10], srs: 'EPSG:4326'}, on_error: {404: {response: '#ff0000'}}}
`);
    const server = await startOurServer(join(dir, 'mapproxy.yaml'));
    try {
      const file = join(dir, 'bg.png');
      await screenshot(`${server.url}/demo/?wms_layer=red&format=image%2Fpng&srs=EPSG%3A3857`, file);
      const img = await decodeImage(readFileSync(file));
      assert.ok(colorFraction(img, [0, 0, 255, 255], 12) > 0.05, 'no blue background in the screenshot');
    } finally {
      await server.stop();
      tiles.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
