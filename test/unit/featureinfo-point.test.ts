// The click point of a GetFeatureInfo as it reaches a source: the pixel → map transformation, the query
// transformed for a source that does not serve the client's SRS (against MapProxy 1.15's own
// WMSInfoClient._get_transformed_query, run in Debian's Python), and the upstream URL.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { getSRS } from '../../src/core/geo/srs.js';
import { infoCoord, mapToPixel, pixelToMap, type InfoQuery } from '../../src/core/source/info-query.js';
import { WmsInfoRequest } from '../../src/core/source/wms-info-request.js';
import { pyRound, transformedInfoQuery, WmsInfoSource } from '../../src/core/source/wms-info-source.js';
import { WmsMapRequest } from '../../src/core/source/wms-request.js';
import type { UpstreamRequest } from '../../src/core/source/wms-request.js';
import type { WmsTransport } from '../../src/core/source/wms-transport.js';
import { BBoxCoverage } from '../../src/core/geo/coverage.js';
import { RequestParams } from '../../src/core/http.js';
import { parseInfoPosition } from '../../src/core/service/wms/info-position.js';

const PYTHON = '/usr/bin/python3';
const hasMapProxy = existsSync('/usr/lib/python3/dist-packages/mapproxy/client/wms.py');

/** MapProxy 1.15's transformed info query for these clicks, as [bbox, size, pos] each. */
function mapproxyTransformed(cases: { bbox: number[]; size: number[]; srs: string; pos: number[]; target: string }[]): unknown[] {
  const script = `
import json, sys
from mapproxy.client.wms import WMSInfoClient
from mapproxy.layer import InfoQuery
from mapproxy.srs import SRS, SupportedSRS
out = []
for c in json.loads(sys.stdin.read()):
    client = WMSInfoClient(None, supported_srs=SupportedSRS([SRS(c['target'])]))
    q = client._get_transformed_query(InfoQuery(tuple(c['bbox']), tuple(c['size']), SRS(c['srs']), tuple(c['pos']), 'text/plain'))
    out.append([list(q.bbox), list(q.size), list(q.pos)])
print(json.dumps(out))
`;
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as unknown[];
}

const query = (bbox: [number, number, number, number], size: [number, number], srs: string, pos: [number, number]): InfoQuery =>
  ({ bbox, size, srs: getSRS(srs), pos, infoFormat: 'text/plain' });

describe('the click point', () => {
  it('maps pixels onto the bbox with the image origin at the top left', () => {
    assert.deepEqual(pixelToMap([7, 50, 8, 51], [500, 400], [250, 200]), [7.5, 50.5]);
    assert.deepEqual(pixelToMap([7, 50, 8, 51], [500, 400], [0, 400]), [7, 50]);
    assert.deepEqual(mapToPixel([7, 50, 8, 51], [500, 400], [7.5, 50.5]), [250, 200]);
    assert.deepEqual(infoCoord({ bbox: [-180, -90, 180, 90], size: [360, 180], pos: [0, 0] }), [-180, 90]);
  });

  it('rounds half pixels to even as Python does', () => {
    assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(pyRound), [0, 2, 2, -0, -2, 2, 3]);
  });

  it('reads X/Y (I/J in 1.3.0) as integers, or floats when one has a decimal point', () => {
    assert.deepEqual(parseInfoPosition(new RequestParams('X=10&Y=20'), '1.1.1'), { pos: [10, 20], floatPos: false });
    assert.deepEqual(parseInfoPosition(new RequestParams('I=10.5&J=20'), '1.3.0'), { pos: [10.5, 20], floatPos: true });
    assert.throws(() => parseInfoPosition(new RequestParams('I=a&J=20'), '1.3.0'), /invalid position I=a/);
    assert.throws(() => parseInfoPosition(new RequestParams('X=1e3&Y=2'), '1.1.1'), /invalid position/);
  });

  it('is transformed into the source SRS as MapProxy transforms it', { skip: !hasMapProxy }, () => {
    const cases = [
      { bbox: [-1113194.9, 4865942.3, 3339584.7, 8399737.9], size: [300, 250], srs: 'EPSG:3857', pos: [120, 90], target: 'EPSG:4326' },
      { bbox: [200000, 5200000, 900000, 6200000], size: [280, 400], srs: 'EPSG:25832', pos: [131, 207], target: 'EPSG:4326' },
      { bbox: [5, 45, 15, 55], size: [512, 512], srs: 'EPSG:4326', pos: [17, 500], target: 'EPSG:3857' },
      { bbox: [5, 45, 15, 55], size: [400, 300], srs: 'EPSG:4326', pos: [399, 1], target: 'EPSG:25832' },
    ];
    const expected = mapproxyTransformed(cases) as [number[], number[], number[]][];
    cases.forEach((c, i) => {
      const q = transformedInfoQuery(query(c.bbox as [number, number, number, number], c.size as [number, number], c.srs, c.pos as [number, number]), getSRS(c.target));
      const [bbox, size, pos] = expected[i]!;
      q.bbox.forEach((v, k) => assert.ok(Math.abs(v - bbox[k]!) <= 1e-9 * Math.max(1, Math.abs(v)), `case ${i} bbox ${q.bbox} vs ${bbox}`));
      assert.deepEqual([...q.size], size, `case ${i} size`);
      assert.deepEqual([...q.pos], pos, `case ${i} pos`);
      assert.equal(q.srs.code, c.target);
      assert.equal(q.format, undefined, 'the client\'s image format is not passed on');
    });
  });
});

describe('the upstream GetFeatureInfo', () => {
  const template = (version: '1.1.1' | '1.3.0', params: [string, string][] = [['layers', 'a,b']]) =>
    new WmsMapRequest('http://example.org/wms?map=x', params, version);

  it('is the source request with bbox, size, position, count, query layers, info format, format and SRS', () => {
    const r = new WmsInfoRequest(template('1.1.1')).build({
      bbox: [-10, 30, 40, 70], size: [200, 160], srs: getSRS('EPSG:4326'), pos: [100, 80], featureCount: '5', infoFormat: 'text/html',
    });
    assert.equal(r.url, 'http://example.org/wms?map=x&layers=a,b&bbox=-10.0,30.0,40.0,70.0&width=200&height=160&x=100&y=80' +
      '&feature_count=5&query_layers=a,b&info_format=text%2Fhtml&format=image%2Fpng&srs=EPSG%3A4326&request=GetFeatureInfo&version=1.1.1&service=WMS&styles=');
  });

  it('flips the bbox of lat/lon CRS in 1.3.0 and sends CRS, I and J; floats stay floats', () => {
    const r = new WmsInfoRequest(template('1.3.0')).build({
      bbox: [-10, 30, 40, 70], size: [200, 160], srs: getSRS('EPSG:4326'), pos: [100.5, 80], floatPos: true, format: 'image/jpeg',
    });
    assert.match(r.queryString, /bbox=30\.0,-10\.0,70\.0,40\.0&width=200&height=160&query_layers=a,b&format=image%2Fjpeg&request=GetFeatureInfo&version=1\.3\.0&service=WMS&styles=&crs=EPSG%3A4326&i=100\.5&j=80\.0$/);
  });

  it('keeps the configured featureinfo_format and query_layers over the client\'s', () => {
    const r = new WmsInfoRequest(template('1.1.1'), { infoFormat: 'application/vnd.ogc.gml', queryLayers: 'b' }).build({
      bbox: [0, 0, 1, 1], size: [10, 10], srs: getSRS('EPSG:4326'), pos: [1, 2], infoFormat: 'text/plain',
    });
    assert.match(r.queryString, /info_format=application%2Fvnd\.ogc\.gml&query_layers=b&/);
    assert.doesNotMatch(r.queryString, /text%2Fplain/);
  });

  it('is not sent for a click outside the source coverage, and is sent transformed for another SRS', async () => {
    const sent: UpstreamRequest[] = [];
    const transport: WmsTransport = {
      retrieve: async (req) => {
        sent.push(req);
        return { headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: Buffer.from('hit'), url: req.url };
      },
    };
    const source = new WmsInfoSource({
      request: new WmsInfoRequest(template('1.1.1')),
      transport,
      supportedSrs: [getSRS('EPSG:4326')],
      coverage: new BBoxCoverage([0, 40, 20, 60], getSRS('EPSG:4326')),
    });
    assert.equal(await source.getInfo(query([-10, 30, 40, 70], [200, 160], 'EPSG:4326', [10, 10])), null);
    assert.equal(sent.length, 0);
    const doc = await source.getInfo(query([0, 4865942.3, 2226389.8, 8399737.9], [256, 256], 'EPSG:3857', [128, 128]));
    assert.deepEqual(doc, { type: 'text', content: 'hit' });
    assert.match(sent[0]!.queryString, /srs=EPSG%3A4326/);
    assert.match(sent[0]!.queryString, /format=image%2Fpng/);
  });
});
