// The demo page in a real browser: headless Chromium opens the OpenLayers viewers served by
// /demo/ and must show the map drawn by the test MapServer (red and green areas), through WMS,
// TMS and WMTS. OpenLayers itself comes from /demo/static/ (no CDN; the browser has no network).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { screenshot } from '../support/chromium.js';
import { colorFraction, decodeImage } from '../support/images.js';
import { TEST_COLORS } from '../support/mapserver.js';
import { serveUpstreamConfig } from '../support/upstream-fixture.js';
import { startOurServer } from '../support/our-app.js';

describe('demo page in headless Chromium', () => {
  const up = serveUpstreamConfig(startOurServer);

  const viewers: [string, string][] = [
    ['WMS', '/demo/?wms_layer=areas_cached&format=image%2Fpng&srs=EPSG%3A3857'],
    ['TMS', '/demo/?tms_layer=areas_cached&spec=GLOBAL_WEBMERCATOR'],
    ['WMTS', '/demo/?wmts_layer=areas_cached&matrix_set=GLOBAL_WEBMERCATOR'],
  ];
  for (const [name, path] of viewers) {
    it(`shows the ${name} viewer's map`, async () => {
      const file = join(up.dir, `${name}.png`);
      await screenshot(up.server.url + path, file);
      const img = await decodeImage(readFileSync(file));
      // Both areas of the test data are drawn into the OpenLayers canvas.
      assert.ok(colorFraction(img, [...TEST_COLORS.redArea, 255], 12) > 0.001, `${name}: no red area in the screenshot`);
      assert.ok(colorFraction(img, [...TEST_COLORS.greenArea, 255], 12) > 0.001, `${name}: no green area in the screenshot`);
    });
  }

  it('lists the layers on the index page', async () => {
    const res = await fetch(`${up.server.url}/demo/`);
    const html = await res.text();
    for (const [, path] of viewers) assert.ok(html.includes(path.slice('/demo/'.length).replace(/&/g, '&amp;')), path);
  });
});
