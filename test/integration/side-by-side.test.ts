// mapproxy-ts and MapProxy 1.15 on one configuration (separate cache directories), same requests:
// same capabilities content, same tile files on disk, images equal within tolerance, same errors.
// WMS exceptions are HTTP 500 in 7.0 and 200 in 1.15, ours 400 for a client's mistake, so for WMS the
// exception code is compared, not the status.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { startMapServer, type TestMapServer } from '../support/mapserver.js';
import { startReferenceMapProxy, type ReferenceMapProxy } from '../support/mapproxy-reference.js';
import { listFiles, tempDir, upstreamConfig, writeConfig } from '../support/configs.js';
import { compareImages } from '../support/images.js';
import { createApp, get, type OurApp } from '../support/our-app.js';
import { waitUntilEqual } from '../support/wait-until.js';

interface Answer { status: number; contentType: string; body: Buffer }

const parser = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, attributeNamePrefix: '@', isArray: (name) =>
  ['Layer', 'SRS', 'CRS', 'TileMatrixSet', 'TileMatrixSetLink', 'ServiceException', 'Exception', 'Format'].includes(name) });

/** Tile files of a cache directory; lock files are an implementation detail. */
const cacheFiles = (dir: string): string[] => listFiles(dir).filter((f) => !f.startsWith('tile_locks') && !f.endsWith('.lck'));

/** Named WMS layers with their SRS, from GetCapabilities of either version. */
function wmsLayers(xml: string): Record<string, string[]> {
  const doc = parser.parse(xml);
  const root = doc.WMT_MS_Capabilities ?? doc.WMS_Capabilities;
  const out: Record<string, string[]> = {};
  const walk = (layer: Record<string, unknown>, inherited: string[]) => {
    const own = [...((layer.SRS ?? layer.CRS ?? []) as unknown[])].map(String).flatMap((s) => s.split(/\s+/));
    const srs = [...new Set([...inherited, ...own])].sort();
    if (layer.Name !== undefined) out[String(layer.Name)] = srs;
    for (const child of (layer.Layer ?? []) as Record<string, unknown>[]) walk(child, srs);
  };
  for (const top of root.Capability.Layer as Record<string, unknown>[]) walk(top, []);
  return out;
}

/** WMTS layer identifiers with their TileMatrixSet links and formats. */
function wmtsLayers(xml: string): Record<string, { sets: string[]; formats: string[] }> {
  const doc = parser.parse(xml);
  const out: Record<string, { sets: string[]; formats: string[] }> = {};
  for (const layer of doc.Capabilities.Contents.Layer as Record<string, unknown>[]) {
    out[String(layer.Identifier)] = {
      sets: (layer.TileMatrixSetLink as { TileMatrixSet: string }[]).map((l) => String(l.TileMatrixSet)).sort(),
      formats: (layer.Format as string[]).map(String).sort(),
    };
  }
  return out;
}

/** The OGC exception code of a WMS (ServiceException) or OWS (Exception) report, or the root element. */
function exceptionCode(body: Buffer): string {
  const doc = parser.parse(body.toString());
  const wms = doc.ServiceExceptionReport?.ServiceException?.[0];
  if (wms) return typeof wms === 'object' ? String(wms['@code'] ?? '') : '';
  const ows = doc.ExceptionReport?.Exception?.[0];
  if (ows) return String(ows['@exceptionCode'] ?? '');
  return Object.keys(doc).filter((k) => k !== '?xml')[0] ?? '';
}

describe('side by side with MapProxy 1.15', () => {
  let ms: TestMapServer;
  let dir: string;
  let app: OurApp;
  let ref: ReferenceMapProxy;
  const ourCache = () => join(dir, 'ours', 'cache');
  const refCache = () => join(dir, 'ref', 'cache');

  const ours = async (path: string): Promise<Answer> => {
    const r = await get(app, path);
    return { status: r.status, contentType: r.headers['content-type'] ?? '', body: r.body };
  };
  const theirs = async (path: string): Promise<Answer> => {
    const r = await fetch(ref.url + path);
    return { status: r.status, contentType: r.headers.get('content-type') ?? '', body: Buffer.from(await r.arrayBuffer()) };
  };
  const both = async (path: string) => ({ a: await ours(path), b: await theirs(path) });

  before(async () => {
    ms = await startMapServer();
    dir = tempDir();
    app = await createApp(writeConfig(join(dir, 'ours'), upstreamConfig({ mapserverUrl: ms.url, cacheDir: ourCache() })));
    ref = await startReferenceMapProxy(writeConfig(join(dir, 'ref'), upstreamConfig({ mapserverUrl: ms.url, cacheDir: refCache() })));
  });
  after(async () => {
    await ref?.stop();
    await ms?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const version of ['1.1.1', '1.3.0']) {
    it(`publishes the same WMS ${version} layers and SRS`, async () => {
      const { a, b } = await both(`/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=${version}`);
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      assert.deepEqual(wmsLayers(a.body.toString()), wmsLayers(b.body.toString()));
    });
  }

  it('publishes the same WMTS layers, tile matrix sets and formats', async () => {
    const { a, b } = await both('/wmts/1.0.0/WMTSCapabilities.xml');
    assert.equal(a.status, 200);
    assert.deepEqual(wmtsLayers(a.body.toString()), wmtsLayers(b.body.toString()));
  });

  const imageRequests = [
    '/wmts/areas_cached/GLOBAL_WEBMERCATOR/02/2/1.png',
    '/service?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=areas_cached&STYLE=&TILEMATRIXSET=GLOBAL_WEBMERCATOR' +
      '&TILEMATRIX=03&TILEROW=2&TILECOL=3&FORMAT=image/png',
    '/tms/1.0.0/areas_cached/GLOBAL_WEBMERCATOR/2/0/0.png',
    '/tms/1.0.0/areas_cached/GLOBAL_GEODETIC/0/0/0.png',
    '/tms/1.0.0/areas_cached/GLOBAL_GEODETIC/2/5/2.png',
    '/wmts/areas_jpeg/GLOBAL_WEBMERCATOR/02/2/1.jpeg',
    '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=combined&STYLES=&SRS=EPSG:3857' +
      '&BBOX=-20037508.34,-20037508.34,20037508.34,20037508.34&WIDTH=256&HEIGHT=256&FORMAT=image/png',
    '/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=areas_cached&STYLES=&CRS=EPSG:4326' +
      '&BBOX=30,-10,70,40&WIDTH=300&HEIGHT=240&FORMAT=image/png',
    '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=lines_direct&STYLES=&SRS=EPSG:4326' +
      '&BBOX=-180,-90,180,90&WIDTH=400&HEIGHT=200&FORMAT=image/png&TRANSPARENT=TRUE',
  ];

  it('answers tile and map requests with equal images and writes the same tiles to disk', async () => {
    for (const path of imageRequests) {
      const { a, b } = await both(path);
      assert.equal(b.status, 200, `reference: ${path}`);
      assert.equal(a.status, 200, `${path}: ${a.body.subarray(0, 200).toString()}`);
      assert.equal(a.contentType.split(';')[0], b.contentType.split(';')[0], path);
      const cmp = await compareImages(a.body, b.body, { tolerance: 24, maxDiffFraction: 0.01 });
      assert.ok(cmp.equal, `${path}: ${cmp.differingPixels} pixels differ (max delta ${cmp.maxDelta}) ${JSON.stringify(cmp.samples)}`);
    }
    // the last cold miss's other tiles are stored right after its answer
    const ourFiles = await waitUntilEqual(() => cacheFiles(ourCache()), () => cacheFiles(refCache()), 'the same cache files');
    assert.ok(ourFiles.length > 0);
    assert.deepEqual(ourFiles, cacheFiles(refCache()));
  });

  it('serves a reprojected GetMap (EPSG:25832) like the reference', async () => {
    const { a, b } = await both('/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=combined&STYLES=' +
      '&SRS=EPSG:25832&BBOX=-500000,4000000,1500000,7000000&WIDTH=200&HEIGHT=300&FORMAT=image/png');
    assert.equal(a.status, 200);
    const cmp = await compareImages(a.body, b.body, { tolerance: 40, maxDiffFraction: 0.03 });
    assert.ok(cmp.equal, `${cmp.differingPixels} pixels differ (max delta ${cmp.maxDelta}) ${JSON.stringify(cmp.samples)}`);
  });

  const wmsErrors = [
    ['unknown layer', 'VERSION=1.3.0&REQUEST=GetMap&LAYERS=nope&STYLES=&CRS=EPSG:3857&BBOX=0,0,1,1&WIDTH=1&HEIGHT=1&FORMAT=image/png'],
    ['unknown layer 1.1.1', 'VERSION=1.1.1&REQUEST=GetMap&LAYERS=nope&STYLES=&SRS=EPSG:3857&BBOX=0,0,1,1&WIDTH=1&HEIGHT=1&FORMAT=image/png'],
    ['unsupported format', 'VERSION=1.1.1&REQUEST=GetMap&LAYERS=areas_cached&STYLES=&SRS=EPSG:3857&BBOX=0,0,1,1&WIDTH=1&HEIGHT=1&FORMAT=image/bogus'],
    ['unsupported SRS 1.1.1', 'VERSION=1.1.1&REQUEST=GetMap&LAYERS=areas_cached&STYLES=&SRS=EPSG:2056&BBOX=0,0,1,1&WIDTH=1&HEIGHT=1&FORMAT=image/png'],
    ['unsupported CRS 1.3.0', 'VERSION=1.3.0&REQUEST=GetMap&LAYERS=areas_cached&STYLES=&CRS=EPSG:2056&BBOX=0,0,1,1&WIDTH=1&HEIGHT=1&FORMAT=image/png'],
    ['unknown request', 'VERSION=1.1.1&REQUEST=GetSomething'],
  ];
  for (const [name, query] of wmsErrors) {
    it(`reports the same WMS exception code: ${name}`, async () => {
      const { a, b } = await both(`/service?SERVICE=WMS&${query}`);
      assert.match(b.contentType, /xml/);
      assert.match(a.contentType, /xml/);
      assert.equal(exceptionCode(a.body), exceptionCode(b.body), a.body.toString());
      assert.ok(a.status === 400 || a.status === b.status, `status ${a.status}`);
    });
  }

  const tileErrors = [
    '/tms/1.0.0/nope/GLOBAL_WEBMERCATOR/0/0/0.png',
    '/tms/1.0.0/areas_cached/GLOBAL_WEBMERCATOR/1/9/9.png',
    '/wmts/areas_cached/GLOBAL_WEBMERCATOR/02/9/9.png',
    '/service?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=areas_cached&STYLE=&TILEMATRIXSET=GLOBAL_WEBMERCATOR' +
      '&TILEMATRIX=02&TILEROW=9&TILECOL=2&FORMAT=image/png',
    '/service?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=nope&STYLE=&TILEMATRIXSET=GLOBAL_WEBMERCATOR' +
      '&TILEMATRIX=02&TILEROW=1&TILECOL=2&FORMAT=image/png',
  ];
  for (const path of tileErrors) {
    it(`answers the same status and error for ${path}`, async () => {
      const { a, b } = await both(path);
      assert.equal(a.status, b.status, a.body.toString());
      assert.equal(exceptionCode(a.body), exceptionCode(b.body), a.body.toString());
    });
  }
});
