// image.transparent_color side by side with MapProxy 1.15 (Debian's) in front of the same MapServer: the white map
// background and, with a wide tolerance, the red area become transparent; the same GetMap gives the same pixels.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage, type DecodedImage } from '../support/images.js';
import { mapServerAvailable, startMapServer, TEST_COLORS, type TestMapServer } from '../support/mapserver.js';
import { startReferenceMapProxy, type ReferenceMapProxy } from '../support/mapproxy-reference.js';
import { startOurServer, type OurServer } from '../support/our-app.js';

const skip = !mapServerAvailable() || !existsSync('/usr/lib/python3/dist-packages/mapproxy') ? 'MapServer or MapProxy 1.15 missing' : false;
const [r, g, b] = TEST_COLORS.redArea;

function config(wms: string): string {
  return `
services: {wms: {srs: ['EPSG:4326']}}
layers:
  - {name: white, title: white, sources: [white]}
  - {name: red, title: red, sources: [red]}
sources:
  white: {type: wms, req: {url: '${wms}', layers: 'areas,lines,points'}, image: {transparent_color: '#ffffff', transparent_color_tolerance: 0}}
  red: {type: wms, req: {url: '${wms}', layers: 'areas,lines,points'}, image: {transparent_color: [${r + 20}, ${g - 20}, ${b + 10}], transparent_color_tolerance: 25}}
`;
}

describe('transparent_color side by side with MapProxy 1.15', { skip }, () => {
  let dir: string;
  let mapserver: TestMapServer;
  let ours: OurServer;
  let theirs: ReferenceMapProxy;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'transparent-color-'));
    mapserver = await startMapServer();
    writeFileSync(join(dir, 'mapproxy.yaml'), config(mapserver.url));
    ours = await startOurServer(join(dir, 'mapproxy.yaml'));
    theirs = await startReferenceMapProxy(join(dir, 'mapproxy.yaml'));
  });
  after(async () => {
    await ours?.stop();
    await theirs?.stop();
    await mapserver?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function map(base: string, layer: string): Promise<DecodedImage> {
    const q = `SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=${layer}&STYLES=&SRS=EPSG:4326&BBOX=-20,20,40,70&WIDTH=300&HEIGHT=250&FORMAT=image/png&TRANSPARENT=true`;
    const res = await fetch(`${base}/service?${q}`);
    assert.equal(res.headers.get('content-type'), 'image/png', `${base} ${layer}`);
    return decodeImage(Buffer.from(await res.arrayBuffer()));
  }

  for (const layer of ['white', 'red']) {
    it(`makes the same pixels transparent (${layer})`, async () => {
      const [a, t] = await Promise.all([map(ours.url, layer), map(theirs.url, layer)]);
      let clear = 0, differ = 0;
      for (let i = 3; i < t.data.length; i += 4) {
        if (t.data[i] === 0) clear++;
        if ((a.data[i] === 0) !== (t.data[i] === 0)) differ++;
      }
      assert.ok(clear > t.data.length / 4 / 20, `${layer}: only ${clear} transparent pixels in MapProxy's map`);
      assert.equal(differ, 0, `${layer}: ${differ} pixels transparent in one map only`);
    });
  }
});
