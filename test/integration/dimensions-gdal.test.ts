// GDAL as a real client of a layer with TIME, served by us in front of a MapServer that honours TIME
// (test/support/timed-mapserver.ts: the west red at 11:20, the east at 13:20, nothing at the default 15:20).
// GDAL's WMS driver keeps extra GetMap parameters of its dataset name, so TIME goes into the dsn; its WMTS
// driver fills the `{Time}` of our ResourceURL template with the Default of our <Dimension>.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decode } from '../../src/core/image/encode.js';
import { startCgiRunner, type CgiRunner } from '../support/cgi-runner.js';
import { gdalAvailable, gdalinfo, gdalTranslate, runClient } from '../support/clients.js';
import { MAPSERV_BINARY, mapServerAvailable } from '../support/mapserver.js';
import { startOurServer, type OurServer } from '../support/our-app.js';
import { TIMES, writeTimedMapServer } from '../support/timed-mapserver.js';

const skip = !gdalAvailable() || !mapServerAvailable() ? 'GDAL or MapServer not installed' : false;

describe('GDAL on a WMS and a WMTS with TIME', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mapproxy-ts-dims-gdal-'));
  let ms: CgiRunner;
  let server: OurServer;
  const upstream: URLSearchParams[] = [];

  before(async () => {
    const { mapfile, configFile } = writeTimedMapServer(dir);
    ms = await startCgiRunner({ script: MAPSERV_BINARY, env: { MS_MAPFILE: mapfile, MAPSERVER_CONFIG_FILE: configFile }, onRequest: (q) => upstream.push(new URLSearchParams(q)) });
    writeFileSync(join(dir, 'mapproxy.yaml'), `
services:
  wms: {srs: ['EPSG:4326', 'EPSG:3857'], versions: ['1.1.1', '1.3.0'], md: {title: Dimensions}}
  wmts: {restful: true, restful_template: '/{Layer}/{TileMatrixSet}/{Time}/{TileMatrix}/{TileCol}/{TileRow}.{Format}'}
layers:
  - name: timed
    title: Timed
    sources: [timed_cache]
    dimensions:
      time: {values: ["2020-09-22T11:20:00Z/2020-09-22T15:20:00Z/PT2H"], default: "2020-09-22T15:20:00Z"}
caches:
  timed_cache: {grids: [GLOBAL_WEBMERCATOR], sources: [ms], cache: {type: file, directory: ${JSON.stringify(join(dir, 'cache'))}}}
sources:
  ms: {type: wms, req: {url: '${ms.url}mapserv?', layers: timed}, forward_req_params: [time]}
`);
    server = await startOurServer(join(dir, 'mapproxy.yaml'));
  });
  after(async () => {
    await server?.stop();
    await ms?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const layerDsn = (time?: string) =>
    `WMS:${server.url}/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=timed&SRS=EPSG:4326&BBOX=-180,-80,180,80${time ? `&TIME=${time}` : ''}`;
  const westEast = async (png: Buffer) => {
    const img = await decode(png);
    const px = (x: number) => [...img.data.subarray((Math.floor(img.height / 2) * img.width + x) * 4, (Math.floor(img.height / 2) * img.width + x) * 4 + 3)];
    return [px(Math.floor(img.width / 4)), px(Math.floor((3 * img.width) / 4))];
  };
  const RED = [200, 30, 30];
  const WHITE = [255, 255, 255];

  it('draws the time asked for through the WMS', async () => {
    assert.deepEqual(await westEast(await gdalTranslate(layerDsn(TIMES[0]), ['-outsize', '128', '64'])), [RED, WHITE]);
    assert.deepEqual(await westEast(await gdalTranslate(layerDsn(TIMES[1]), ['-outsize', '128', '64'])), [WHITE, RED]);
    assert.deepEqual(await westEast(await gdalTranslate(layerDsn(), ['-outsize', '128', '64'])), [WHITE, WHITE]);
    assert.ok(upstream.some((q) => q.get('time') === TIMES[0]) && upstream.some((q) => q.get('time') === TIMES[2]));
  });

  it('fails (HTTP 400, our InvalidDimensionValue) for a time the layer does not have, and nothing goes upstream', async () => {
    const before = upstream.length;
    const r = await runClient('gdal_translate', ['-q', '-of', 'PNG', '-outsize', '64', '32', layerDsn('1999-01-01T00:00:00Z'), join(dir, 'bad.png')]);
    assert.notEqual(r.code, 0);
    // GDAL reports the status, not the exception body
    assert.match(r.stderr, /HTTP status code: 400/);
    assert.equal(upstream.length, before);
  });

  it('opens the WMTS with the advertised default time', async () => {
    const dsn = `WMTS:${server.url}/wmts/1.0.0/WMTSCapabilities.xml`;
    const info = await gdalinfo(dsn);
    assert.equal(info.driverShortName, 'WMTS');
    const before = upstream.length;
    // level 1 of GLOBAL_WEBMERCATOR: a 512 px world
    const png = await gdalTranslate(dsn, ['-outsize', '128', '128', '-projwin', '-20037508', '20037508', '20037508', '-20037508']);
    assert.deepEqual(await westEast(png), [WHITE, WHITE]);
    const asked = upstream.slice(before);
    assert.ok(asked.length > 0 && asked.every((q) => q.get('time') === TIMES[2]), asked.map(String).join('\n'));
  });
});
