// Self-test of test/support/mapserver.ts: the test MapServer answers WMS requests with the test features.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startMapServer, TEST_COLORS, TEST_LAYERS, type TestMapServer } from '../support/mapserver.js';
import { colorNear, decodeImage, pixelAt } from '../support/images.js';

/** Pixel of (lon, lat) in a 512x256 EPSG:4326 image of the whole world. */
const px = (lon: number, lat: number): [number, number] => [Math.floor((lon + 180) / 360 * 512), Math.floor((90 - lat) / 180 * 256)];

describe('test MapServer', () => {
  let ms: TestMapServer;
  before(async () => { ms = await startMapServer(); });
  after(async () => { await ms?.stop(); });

  const world = 'SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&STYLES=&SRS=EPSG:4326&BBOX=-180,-90,180,90&WIDTH=512&HEIGHT=256';

  it('renders the test features in their colours', async () => {
    const res = await fetch(`${ms.url}${world}&LAYERS=${TEST_LAYERS.join(',')}&FORMAT=image/png`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    const img = await decodeImage(Buffer.from(await res.arrayBuffer()));
    assert.deepEqual([img.width, img.height], [512, 256]);
    const at = (lon: number, lat: number) => pixelAt(img, ...px(lon, lat));
    assert.ok(colorNear(at(10, 50), TEST_COLORS.redArea), `red area: ${at(10, 50)}`);
    assert.ok(colorNear(at(-60, -20), TEST_COLORS.greenArea), `green area: ${at(-60, -20)}`);
    assert.ok(colorNear(at(-120, 20), TEST_COLORS.line), `line: ${at(-120, 20)}`);
    assert.ok(colorNear(at(-100, 40), TEST_COLORS.point), `point: ${at(-100, 40)}`);
    assert.ok(colorNear(at(0, -70), TEST_COLORS.background), `background: ${at(0, -70)}`);
  });

  it('renders transparent PNGs and single layers', async () => {
    const res = await fetch(`${ms.url}${world}&LAYERS=lines&FORMAT=image/png&TRANSPARENT=TRUE`);
    const img = await decodeImage(Buffer.from(await res.arrayBuffer()));
    assert.equal(pixelAt(img, ...px(10, 50))[3], 0, 'no area drawn, transparent');
    assert.ok(colorNear(pixelAt(img, ...px(-120, 20)), TEST_COLORS.line));
  });

  it('serves reprojected maps (EPSG:25832) and JPEG', async () => {
    const res = await fetch(`${ms.url}SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&STYLES=&LAYERS=areas&SRS=EPSG:25832` +
      '&BBOX=300000,5300000,700000,5700000&WIDTH=64&HEIGHT=64&FORMAT=image/jpeg');
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    const img = await decodeImage(Buffer.from(await res.arrayBuffer()));
    assert.equal(img.format, 'jpeg');
    assert.ok(colorNear(pixelAt(img, 32, 32), TEST_COLORS.redArea, 20));
  });

  it('lists its layers and SRS in the capabilities and counts requests', async () => {
    const before = ms.requests.length;
    const res = await fetch(`${ms.url}SERVICE=WMS&VERSION=1.1.1&REQUEST=GetCapabilities`);
    const xml = await res.text();
    for (const name of TEST_LAYERS) assert.match(xml, new RegExp(`<Name>${name}</Name>`));
    for (const srs of ['EPSG:3857', 'EPSG:900913', 'EPSG:25832', 'EPSG:31467']) assert.ok(xml.includes(srs), srs);
    assert.equal(ms.requests.length, before + 1);
    assert.match(ms.requests[ms.requests.length - 1], /REQUEST=GetCapabilities/);
  });
});
