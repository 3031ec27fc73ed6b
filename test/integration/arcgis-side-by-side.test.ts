// The arcgis source side by side with MapProxy 1.15: both read one configuration and ask the same ArcGIS REST
// server, our stand-in (test/support/arcgis-rest-server.ts: there is no ArcGIS Server in Debian; it renders with
// the real MapServer). They must send the same export and identify requests and answer GetFeatureInfo with the same
// bodies, merged from two sources in JSON, HTML and text; the maps must look the same.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startArcGisRestServer, type ArcGisRestServer } from '../support/arcgis-rest-server.js';
import { tempDir, writeConfig } from '../support/configs.js';
import { assertImagesSimilar } from '../support/images.js';
import { startMapServer, type TestMapServer } from '../support/mapserver.js';
import { startReferenceMapProxy, type ReferenceMapProxy } from '../support/mapproxy-reference.js';
import { createApp, get, type OurApp } from '../support/our-app.js';
import { assertSameUrls } from '../support/same-urls.js';

function config(base: string): string {
  return `
services:
  wms:
    featureinfo_types: [text, html, json]
layers:
  - {name: ag, title: ArcGIS map service, sources: [ag_map]}
  - {name: two, title: two identify sources, sources: [ag_map, ag_points]}
  - {name: utm, title: identify in EPSG:25832, sources: [ag_utm]}
  - {name: image, title: image service, sources: [ag_image]}
sources:
  ag_map:
    type: arcgis
    req: {url: '${base}/Test/MapServer', layers: 'show:1,2', transparent: true}
    opts: {featureinfo: true, featureinfo_tolerance: 3, featureinfo_return_geometries: true}
  ag_points:
    type: arcgis
    req: {url: '${base}/Test/MapServer/export', layers: 'show:0,2'}
    opts: {featureinfo: true}
  ag_utm:
    type: arcgis
    req: {url: '${base}/Test/MapServer', layers: 'show:2'}
    supported_srs: ['EPSG:25832']
    opts: {featureinfo: true}
  ag_image:
    type: arcgis
    req: {url: '${base}/Test/ImageServer'}
`;
}

const featureInfo = (layers: string, infoFormat: string, bbox = '0,40,20,60', srs = 'EPSG:4326') =>
  `/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetFeatureInfo&LAYERS=${layers}&QUERY_LAYERS=${layers}&STYLES=&SRS=${srs}` +
  `&BBOX=${bbox}&WIDTH=200&HEIGHT=200&X=120&Y=90&FORMAT=image/png&INFO_FORMAT=${encodeURIComponent(infoFormat)}`;

describe('arcgis source side by side with MapProxy 1.15, against our ArcGIS REST stand-in', () => {
  let ms: TestMapServer;
  let ag: ArcGisRestServer;
  let dir: string;
  let app: OurApp;
  let ref: ReferenceMapProxy;

  before(async () => {
    ms = await startMapServer();
    ag = await startArcGisRestServer(ms);
    dir = tempDir();
    const file = writeConfig(dir, config(ag.base));
    app = await createApp(file);
    ref = await startReferenceMapProxy(file);
  });
  after(async () => {
    await ref?.stop();
    await ag?.stop();
    await ms?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Our answer and MapProxy's to one request, with the ArcGIS requests each of them made. */
  async function both(path: string) {
    let n = ag.requests.length;
    const ours = await get(app, path);
    const ourRequests = ag.requests.slice(n);
    n = ag.requests.length;
    const res = await fetch(ref.url + path);
    const theirs = { status: res.status, type: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
    return { ours, ourRequests, theirs, theirRequests: ag.requests.slice(n) };
  }

  for (const [layers, infoFormat] of [
    ['ag', 'application/json'], ['two', 'application/json'], ['two', 'text/html'], ['two', 'text/plain'], ['ag', 'text/html'],
  ] as const) {
    it(`GetFeatureInfo ${infoFormat} of ${layers}: the same identify requests and the same body`, async () => {
      const r = await both(featureInfo(layers, infoFormat));
      assert.deepEqual(r.ourRequests, r.theirRequests);
      assert.equal(r.ours.status, r.theirs.status);
      assert.equal(r.ours.headers['content-type'], r.theirs.type);
      const norm = (b: Buffer) => b.toString('utf8').replace(/\s+/g, ' ').trim();
      assert.equal(norm(r.ours.body), norm(r.theirs.body));
      assert.match(r.ours.body.toString(), /red/, 'the click is on the red area');
    });
  }

  it('a click in an SRS the source does not serve: the same transformed identify', async () => {
    const r = await both(featureInfo('utm', 'application/json', '556597.45,4865942.28,2226389.82,8399737.89', 'EPSG:3857'));
    assert.equal(r.ourRequests.length, 1);
    assertSameUrls(r.ourRequests, r.theirRequests);
    assert.equal(r.ours.body.toString(), r.theirs.body.toString());
  });

  for (const layer of ['ag', 'image']) {
    it(`GetMap of ${layer}: the same export request and the same image`, async () => {
      const r = await both(`/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=${layer}&STYLES=&SRS=EPSG:3857&BBOX=-2000000,3000000,4000000,9000000&WIDTH=256&HEIGHT=256&FORMAT=image/png`);
      assert.equal(r.ours.status, 200);
      assert.equal(r.theirs.status, 200);
      assert.deepEqual(r.ourRequests, r.theirRequests);
      await assertImagesSimilar(r.ours.body, r.theirs.body, { message: layer });
    });
  }
});
