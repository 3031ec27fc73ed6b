// Self-test of test/support/mapproxy-reference.ts: MapProxy 1.15 serves a configuration around the test MapServer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { TEST_COLORS } from '../support/mapserver.js';
import { serveUpstreamConfig } from '../support/upstream-fixture.js';
import { startReferenceMapProxy } from '../support/mapproxy-reference.js';
import { tcTilePath, tempDir, writeConfig } from '../support/configs.js';
import { colorNear, decodeImage, pixelAt } from '../support/images.js';

describe('reference MapProxy 1.15', () => {
  const up = serveUpstreamConfig(startReferenceMapProxy);

  it('answers GetCapabilities with the configured layers', async () => {
    const res = await fetch(`${up.server.url}/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/xml/);
    const xml = await res.text();
    for (const name of ['areas_cached', 'lines_direct', 'combined']) assert.ok(xml.includes(`<Name>${name}</Name>`), name);
  });

  it('caches a TMS tile fetched from MapServer', async () => {
    const res = await fetch(`${up.server.url}/tms/1.0.0/areas_cached/GLOBAL_WEBMERCATOR/1/2/2.png`);
    assert.equal(res.status, 200);
    const img = await decodeImage(Buffer.from(await res.arrayBuffer()));
    // TMS 1/2/2 is internal level 2 (profile shift), x 2, y 1 from the top: lon 0..90, lat 0..66.5,
    // with the red area at lon 0..20, lat 40..60 (pixels x 0..57, y 41..131).
    assert.ok(colorNear(pixelAt(img, 10, 100), TEST_COLORS.redArea), String(pixelAt(img, 10, 100)));
    assert.ok(colorNear(pixelAt(img, 200, 200), TEST_COLORS.background), String(pixelAt(img, 200, 200)));
    assert.ok(existsSync(tcTilePath(`${up.dir}/cache`, 'areas_cache', 'EPSG3857', 2, 2, 1, 'png')));
    assert.ok(up.ms.requests.some((q) => /LAYERS=areas/i.test(q)));
  });

  it('stops', async () => {
    const otherDir = tempDir();
    const other = await startReferenceMapProxy(writeConfig(otherDir,
      'services: {demo: }\nlayers: [{name: dbg, title: Debug, sources: [dbg]}]\nsources: {dbg: {type: debug}}\n'));
    const url = other.url;
    await other.stop();
    rmSync(otherDir, { recursive: true, force: true });
    await assert.rejects(fetch(`${url}/demo/`));
  });
});
