// The arcgis source's options as MapProxy 7 reads them, and ArcGIS's error answers: a JSON body with HTTP 200 is an
// error whose code `on_error` matches, never an image.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { HTTPClientError } from '../../src/core/client/http-client.js';
import { ConfigError } from '../../src/core/config/errors.js';
import { loadConfig } from '../../src/core/config/load-config.js';
import type { ArcGisSourceConfig } from '../../src/core/config/types.js';
import { getSRS } from '../../src/core/geo/srs.js';
import { upstreamCreationLimit } from '../../src/core/seed/upstream-limit.js';
import { ArcGisInfoSource } from '../../src/core/source/arcgis-info-source.js';
import { arcGisErrorOf, ArcGisTransport } from '../../src/core/source/arcgis-error.js';
import { ArcGisExportRequest, ArcGisIdentifyRequest } from '../../src/core/source/arcgis-request.js';
import { arcGisSource } from '../../src/core/source/arcgis-source.js';
import { OnErrorHandler } from '../../src/core/source/on-error.js';
import { SourceError } from '../../src/core/source/source.js';
import type { UpstreamRequest } from '../../src/core/source/wms-request.js';
import type { UpstreamResponse, WmsTransport } from '../../src/core/source/wms-transport.js';
import { writeConfigDir } from './config-helpers.js';

function load(sources: string) {
  const dir = writeConfigDir({ 'mapproxy.yaml': `services:\n  wms:\nlayers:\n  - {name: l, title: l, sources: [ag]}\nsources:\n${sources}` });
  return () => loadConfig(join(dir, 'mapproxy.yaml'), { env: {} });
}

describe('arcgis source configuration', () => {
  it('keeps req in order as Python writes it, with MapProxy 7 defaults for opts', () => {
    const { config, warnings } = load(`  ag:
    type: arcgis
    req: {url: 'http://h/arcgis/rest/services/A/MapServer', layers: 'show:0,1', transparent: true, dpi: 96, time: '2020', layerDefs: '{"0":"a=1"}'}
`)();
    const ag = config.sources['ag'] as ArcGisSourceConfig;
    assert.deepEqual(ag.reqParams, [['layers', 'show:0,1'], ['transparent', 'True'], ['dpi', '96'], ['time', '2020'], ['layerDefs', '{"0":"a=1"}']]);
    assert.deepEqual(ag.opts, { map: true, featureinfo: false, featureinfoTolerance: 5, featureinfoReturnGeometries: false });
    // req.transparent goes upstream only; the image options know nothing of it (SourceConfiguration.image_opts)
    assert.equal(ag.imageOptions.transparent, undefined);
    assert.deepEqual(warnings, []);
  });

  it('warns about what has no effect and names a missing url', () => {
    const { warnings } = load(`  ag:
    type: arcgis
    req: {url: 'http://h/MapServer'}
    opts: {featureinfo_tolerance: 3}
    http: {method: POST}
    image: {transparent_color: '#ffffff'}
    wms_opts: {featureinfo: true}
`)();
    assert.deepEqual(warnings.map((w) => w.replace(/^.*?: (?=sources\.)/, '')).sort(), [
      'sources.ag.http.method: has no effect: ArcGIS requests are always sent with GET',
      'sources.ag.image.transparent_color: unknown option, ignored',
      'sources.ag.opts.featureinfo_tolerance: has no effect without featureinfo: true',
      'sources.ag.wms_opts: unknown option, ignored',
    ]);
    assert.throws(load(`  ag:\n    type: arcgis\n    req: {layers: 'show:1'}\n`), (e: unknown) => e instanceof ConfigError && /sources\.ag\.req\.url: missing required value/.test(e.message));
  });

  it('counts its server in the seeder\'s per-host limit of concurrent_requests', () => {
    const dir = writeConfigDir({ 'mapproxy.yaml': `services:\n  tms:\nlayers:\n  - {name: l, title: l, sources: [c]}
caches:\n  c: {grids: [GLOBAL_WEBMERCATOR], sources: [ag, ag2]}
sources:
  ag: {type: arcgis, req: {url: 'http://h:8080/arcgis/rest/services/A/MapServer'}, concurrent_requests: 4}
  ag2: {type: arcgis, req: {url: 'http://h:8080/arcgis/rest/services/B/ImageServer'}, concurrent_requests: 4}
` });
    const { config } = loadConfig(join(dir, 'mapproxy.yaml'), { env: {} });
    // two requests to h:8080 per meta tile, four at a time: two meta tiles at once
    assert.equal(upstreamCreationLimit(config, 'c'), 2);
  });

  it('image.format or a mime type in req.format decides the export format, as image_opts does', () => {
    const { config } = load(`  ag:
    type: arcgis
    req: {url: 'http://h/MapServer', format: jpg}
  jpeg:
    type: arcgis
    req: {url: 'http://h/MapServer', format: image/jpeg}
`)();
    assert.equal((config.sources['ag'] as ArcGisSourceConfig).imageOptions.format, undefined);
    assert.equal((config.sources['jpeg'] as ArcGisSourceConfig).imageOptions.format, 'image/jpeg');
  });
});

/** A transport answering one fixed response, recording the requests. */
function answering(res: Omit<UpstreamResponse, 'url'>): WmsTransport & { urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    async retrieve(request: UpstreamRequest) {
      urls.push(request.url);
      return { ...res, url: request.url };
    },
  };
}

const json = (body: unknown, type = 'text/plain;charset=utf-8') => ({ headers: { 'content-type': type }, body: Buffer.from(JSON.stringify(body)) });
const TOKEN_ERROR = { error: { code: 498, message: 'Invalid Token', details: [] } };

describe('ArcGIS error answers', () => {
  it('are recognised in JSON bodies whatever the content type claims, and only there', () => {
    const url = 'http://h/x';
    assert.deepEqual(arcGisErrorOf({ ...json(TOKEN_ERROR), url }), { code: 498, message: 'Invalid Token', details: [] });
    assert.deepEqual(arcGisErrorOf({ ...json({ error: { message: 'x', details: ['a', 1] } }, 'application/json'), url }), { message: 'x', details: ['a', '1'] });
    assert.equal(arcGisErrorOf({ ...json({ results: [] }), url }), undefined);
    assert.equal(arcGisErrorOf({ ...json(TOKEN_ERROR, 'image/png'), url }), undefined);
    assert.equal(arcGisErrorOf({ headers: {}, body: Buffer.from('{"error": broken'), url }), undefined);
    assert.equal(arcGisErrorOf({ headers: {}, body: Buffer.from('<html>error</html>'), url }), undefined);
  });

  it('fail the transport with the error code as the status', async () => {
    const transport = new ArcGisTransport(answering(json(TOKEN_ERROR)));
    await assert.rejects(transport.retrieve({ url: 'http://h/export?f=image', baseUrl: '', queryString: '' }, 'GET'), (e: unknown) => {
      assert.ok(e instanceof HTTPClientError);
      assert.equal(e.responseCode, 498);
      assert.match(e.message, /^ArcGIS error 498: Invalid Token from http:\/\/h\/export\?f=image$/);
      return true;
    });
  });

  it('give the on_error colour of their code, else a source error naming it', async () => {
    const query = { bbox: [0, 0, 10, 10] as const, size: [4, 4] as const, srs: getSRS('EPSG:4326'), format: 'image/png', transparent: false };
    const request = new ArcGisExportRequest('http://h/arcgis/rest/services/A/MapServer', []);
    const withHandler = arcGisSource({ request, transport: answering(json(TOKEN_ERROR)), onError: new OnErrorHandler({ 498: { color: [0, 0, 255] } }) });
    const img = await (await withHandler.getMap({ ...query, bbox: [...query.bbox], size: [...query.size] }))!.raw();
    assert.deepEqual([...img.data.subarray(0, 4)], [0, 0, 255, 255]);
    const without = arcGisSource({ request, transport: answering(json(TOKEN_ERROR)) });
    await assert.rejects(without.getMap({ ...query, bbox: [...query.bbox], size: [...query.size] }), (e: unknown) => e instanceof SourceError && /ArcGIS error 498: Invalid Token/.test(e.message));
  });

  it('fail an identify, which otherwise is typed by the client INFO_FORMAT', async () => {
    const request = new ArcGisIdentifyRequest('http://h/arcgis/rest/services/A/MapServer', [], { tolerance: 5, returnGeometry: false });
    const click = { bbox: [0, 0, 10, 10] as [number, number, number, number], size: [10, 10] as [number, number], srs: getSRS('EPSG:4326'), pos: [5, 5] as [number, number] };
    const failing = new ArcGisInfoSource({ request, transport: answering(json(TOKEN_ERROR)) });
    await assert.rejects(failing.getInfo({ ...click, infoFormat: 'application/json' }), SourceError);
    const ok = new ArcGisInfoSource({ request, transport: answering(json({ results: [] }, 'text/plain')) });
    assert.deepEqual(await ok.getInfo({ ...click, infoFormat: 'application/json' }), { type: 'json', content: '{"results":[]}' });
    assert.equal((await ok.getInfo({ ...click, infoFormat: 'text/xml' })).type, 'xml');
  });
});
