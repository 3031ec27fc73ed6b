// OWSLib as a real client of our capabilities: it finds the time positions, their default and the elevations of
// a dimension layer in WMS 1.1.1 (from <Extent>, which is why we write it there) and in 1.3.0 (from <Dimension>).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { owslibAvailable } from '../support/clients.js';
import { createApp, get } from '../support/our-app.js';

describe('OWSLib reads the dimensions of our WMS capabilities', { skip: !owslibAvailable() && 'OWSLib not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mapproxy-ts-dims-owslib-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const version of ['1.1.1', '1.3.0'] as const) {
    it(`WMS ${version}`, async () => {
      writeFileSync(join(dir, 'mapproxy.yaml'), `
services: {wms: {srs: ['EPSG:4326'], versions: ['1.1.1', '1.3.0'], md: {title: D}}}
layers:
  - name: timed
    title: Timed
    sources: [c]
    dimensions:
      time: {values: ["2020-09-22T11:20:00Z/2020-09-22T15:20:00Z/PT2H"], default: "2020-09-22T13:20:00Z"}
      elevation: {values: [0, 500]}
caches: {c: {grids: [GLOBAL_WEBMERCATOR], sources: [s], disable_storage: true}}
sources: {s: {type: wms, req: {url: 'http://localhost:1/', layers: x}}}
`);
      const app = await createApp(join(dir, 'mapproxy.yaml'));
      const caps = join(dir, `caps-${version}.xml`);
      writeFileSync(caps, (await get(app, `/service?SERVICE=WMS&VERSION=${version}&REQUEST=GetCapabilities`)).body);
      const script = [
        'import json, sys, warnings',
        'warnings.simplefilter("ignore")',
        'from owslib.wms import WebMapService',
        'w = WebMapService("http://localhost/service", version=sys.argv[1], xml=open(sys.argv[2], "rb").read())',
        'l = w["timed"]',
        'print(json.dumps({"times": l.timepositions, "default": l.defaulttimeposition, "elevations": l.elevations}))',
      ].join('\n');
      const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-c', script, version, caps]);
      assert.deepEqual(JSON.parse(stdout), {
        times: ['2020-09-22T11:20:00Z', '2020-09-22T13:20:00Z', '2020-09-22T15:20:00Z'],
        default: '2020-09-22T13:20:00Z',
        elevations: ['0', '500'],
      });
    });
  }
});
