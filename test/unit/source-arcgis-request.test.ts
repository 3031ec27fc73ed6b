// The requests of the arcgis source, side by side with MapProxy 1.15: the same configuration is loaded by both,
// the same map and feature-info queries run through MapProxy's ArcGISSource/ArcGISInfoSource (under Debian's
// Python, with a recording HTTP client) and through ours (against a local server that records and answers a PNG
// of the asked size), and the URLs must be identical, parameter order and quoting included (transformed coordinates to 1e-12).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { loadConfig } from '../../src/core/config/load-config.js';
import type { ArcGisSourceConfig } from '../../src/core/config/types.js';
import { NO_METRICS } from '../../src/core/metrics.js';
import { arcGisInfoSource, arcGisMapSource } from '../../src/core/runtime/arcgis-sources.js';
import { buildGrids } from '../../src/core/runtime/grids.js';
import type { SourceContext } from '../../src/core/runtime/sources.js';
import { getSRS } from '../../src/core/geo/srs.js';
import type { BBox, Size } from '../../src/core/geo/bbox.js';
import { restExportEndpoint, restIdentifyEndpoint } from '../../src/core/source/arcgis-request.js';
import { localHttpServer } from '../support/local-http.js';
import { PYTHON } from '../support/mapproxy-reference.js';
import { assertSameUrls } from '../support/same-urls.js';
import { writeConfigDir } from './config-helpers.js';

const REFERENCE = fileURLToPath(new URL('../support/arcgis_reference.py', import.meta.url));

interface MapCase { bbox: BBox; size: Size; srs: string; format: string }
interface InfoCase { bbox: BBox; size: Size; srs: string; pos: [number, number]; info_format: string }

const MAP_QUERIES: MapCase[] = [
  { bbox: [5.5, 50.25, 10, 55], size: [300, 256], srs: 'EPSG:4326', format: 'image/png' },
  // a GLOBAL_MERCATOR meta tile, the query MapProxy's arcgis system test sends
  { bbox: [-20037508.342789244, -20037508.342789244, 20037508.342789244, 20037508.342789244], size: [512, 512], srs: 'EPSG:900913', format: 'image/jpeg' },
  // half outside the coverage of `cov`: a sub-query for the part inside
  { bbox: [0, 45, 20, 60], size: [256, 256], srs: 'EPSG:4326', format: 'image/png' },
  { bbox: [556597.4539663679, 6446275.841017158, 890555.9263461898, 6982997.920389788], size: [256, 411], srs: 'EPSG:3857', format: 'image/png' },
];

const INFO_QUERIES: InfoCase[] = [
  { bbox: [1000, 400, 2000, 1400], size: [200, 200], srs: 'EPSG:3857', pos: [10, 20], info_format: 'application/json' },
  { bbox: [5, 50, 8, 53], size: [200, 200], srs: 'EPSG:4326', pos: [10, 20], info_format: 'text/html' },
  { bbox: [5, 50, 8, 53], size: [300, 150], srs: 'EPSG:4326', pos: [299, 0], info_format: 'text/plain' },
  { bbox: [5, 50, 8, 53], size: [200, 200], srs: 'EPSG:4326', pos: [100, 100], info_format: '' },
];

function config(base: string): string {
  return `
services:
  wms:
layers:
  - {name: l, title: l, sources: [image]}
sources:
  image:
    type: arcgis
    req: {url: '${base}/arcgis/rest/services/ExampleLayer/ImageServer'}
  cov:
    type: arcgis
    req: {url: '${base}/arcgis/rest/services/X/MapServer/export?token=a%2Fb', layers: 'show:0,1', transparent: true, dpi: 120, time: '1199145600000,1230768000000'}
    coverage: {bbox: [5.0, 50.0, 10.0, 55.0], srs: 'EPSG:4326'}
    opts: {featureinfo: true}
  utm:
    type: arcgis
    req: {url: '${base}/arcgis/rest/services/X/MapServer/', format: jpg}
    supported_srs: ['EPSG:25832']
    opts: {featureinfo: true, featureinfo_tolerance: 2.5, featureinfo_return_geometries: true}
  formats:
    type: arcgis
    req: {url: '${base}/arcgis/rest/services/X/ImageServer/export', layers: 'hide:3'}
    image: {format: image/jpeg}
    supported_formats: [png]
    supported_srs: ['EPSG:4326', 'EPSG:900913']
  fixed_sr:
    type: arcgis
    req: {url: '${base}/arcgis/rest/services/Y/MapServer/export', sr: 4326}
    opts: {featureinfo: true, featureinfo_tolerance: 0}
`;
}

async function pngOfAskedSize(url: URL): Promise<Buffer> {
  const [w, h] = (url.searchParams.get('size') ?? '1,1').split(',').map(Number);
  return sharp({ create: { width: w!, height: h!, channels: 4, background: { r: 200, g: 100, b: 50, alpha: 1 } } }).png().toBuffer();
}

test('arcgis export and identify requests are the ones MapProxy 1.15 sends', async () => {
  const seen: string[] = [];
  const { base, dispatchers } = await localHttpServer((req, res) => {
    seen.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.endsWith('/identify')) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('{"results": []}');
      return;
    }
    void pngOfAskedSize(url).then((png) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
  });
  const dir = writeConfigDir({ 'mapproxy.yaml': config(base) });
  const file = join(dir, 'mapproxy.yaml');
  const theirs = JSON.parse(execFileSync(PYTHON, [REFERENCE, file], {
    input: JSON.stringify({ map: MAP_QUERIES, info: INFO_QUERIES }),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'ignore'],
  })) as Record<string, { map: string[][]; info: string[][] }>;

  const { config: conf } = loadConfig(file, { env: {} });
  const ctx: SourceContext = {
    config: conf, grids: buildGrids(conf), dispatchers, limiters: new Map(), cookieJars: new Map(), seeding: false, metrics: NO_METRICS,
    log: { warn: () => {}, error: () => {} },
  };
  const names = Object.keys(theirs).sort();
  assert.deepEqual(names, ['cov', 'fixed_sr', 'formats', 'image', 'utm']);
  for (const name of names) {
    const sc = conf.sources[name] as ArcGisSourceConfig;
    const source = arcGisMapSource(sc, ctx);
    for (const [i, q] of MAP_QUERIES.entries()) {
      seen.length = 0;
      await source.getMap({ bbox: q.bbox, size: q.size, srs: getSRS(q.srs), format: q.format, transparent: false });
      assertSameUrls(seen.map((u) => base + u), theirs[name]!.map[i]!, `${name}: map query ${i}`);
    }
    const info = arcGisInfoSource(sc, ctx);
    assert.equal(info !== null, theirs[name]!.info.length > 0, `${name}: feature info`);
    if (!info) continue;
    for (const [i, q] of INFO_QUERIES.entries()) {
      seen.length = 0;
      const doc = await info.getInfo({ bbox: q.bbox, size: q.size, srs: getSRS(q.srs), pos: q.pos, infoFormat: q.info_format });
      const expected = theirs[name]!.info[i]!;
      if (expected[0]?.startsWith('error: ')) {
        // MapProxy 1.15 keeps an `sr` fixed in req as a plain list and fails on a click in another SRS; 7 has a
        // SupportedSRS there and asks in the fixed SRS, as we do
        assert.deepEqual([name, expected], ['fixed_sr', ['error: AttributeError']]);
        assert.match(seen[0]!, /[?&]sr=4326&mapExtent=0\.0089/);
      } else assertSameUrls(seen.map((u) => base + u), expected, `${name}: info query ${i}`);
      // typed by the client's INFO_FORMAT, not by the server's text/plain
      assert.equal(doc.type, q.info_format === 'application/json' ? 'json' : q.info_format === 'text/html' ? 'html' : 'text');
    }
  }
});

test('export and identify endpoints are derived from the configured URL as MapProxy derives them', () => {
  const urls = [
    'http://h/arcgis/rest/services/A/MapServer',
    'http://h/arcgis/rest/services/A/MapServer/',
    'http://h/arcgis/rest/services/A/MapServer/export',
    'http://h/arcgis/rest/services/A/MapServer/exportImage',
    'http://h/arcgis/rest/services/A/ImageServer',
    'http://h/arcgis/rest/services/A/ImageServer/export?token=x',
    'http://h/arcgis/rest/services/A/ImageServer/exportImage/',
    'https://u:p@h:8443/a/MapServer?',
    'http://h/arcgis/rest/services/A/FeatureServer',
    'http://h/other/path/',
  ];
  const script = [
    'import json, sys',
    'from mapproxy.request.arcgis import rest_endpoint, rest_identify_endpoint',
    'urls = json.load(sys.stdin)',
    'print(json.dumps([[rest_endpoint(u), rest_identify_endpoint(u)] for u in urls]))',
  ].join('\n');
  const theirs = JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(urls), encoding: 'utf8' })) as [string, string][];
  assert.deepEqual(urls.map((u) => [restExportEndpoint(u), restIdentifyEndpoint(u)]), theirs);
});
