// GetFeatureInfo side by side: mapproxy-ts and MapProxy 1.15 on one configuration in front of the real
// MapServer (a mapfile of its own here, with HTML templates and a GeoJSON output format, so every
// INFO_FORMAT has a real answer). Bodies are compared after normalising whitespace and character
// references (MapProxy 1.15 writes non-ASCII as references, MapProxy 7 and we as UTF-8); exceptions by code.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { CgiRunner } from '../support/cgi-runner.js';
import { askBoth, startMapServerFor } from '../support/recording-mapserver.js';
import { tempDir, writeConfig } from '../support/configs.js';
import { MAPSERV_BINARY, mapServerAvailable } from '../support/mapserver.js';
import { PYTHON, startReferenceMapProxy, type ReferenceMapProxy } from '../support/mapproxy-reference.js';
import { runClient } from '../support/clients.js';
import { createApp, get, startOurServer, type OurApp, type OurServer } from '../support/our-app.js';
import { findXsltproc } from '../../src/core/source/xslt-transform.js';

interface Answer { status: number; contentType: string; body: string }

function square(x0: number, y0: number, x1: number, y1: number): number[][][] {
  return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]];
}

/** A MapServer with two queryable layers (areas, zones), HTML templates and GeoJSON feature info. */
export function writeFeatureInfoMap(dir: string): string {
  const fc = (features: object[]) => JSON.stringify({ type: 'FeatureCollection', features });
  writeFileSync(join(dir, 'areas.geojson'), fc([
    { type: 'Feature', properties: { name: 'red', kind: 1 }, geometry: { type: 'Polygon', coordinates: square(0, 40, 20, 60) } },
    { type: 'Feature', properties: { name: 'grün', kind: 2 }, geometry: { type: 'Polygon', coordinates: square(-80, -40, -40, 0) } },
  ]));
  writeFileSync(join(dir, 'zones.geojson'), fc([
    { type: 'Feature', properties: { zone: 'north', code: 7 }, geometry: { type: 'Polygon', coordinates: square(-180, 0, 180, 90) } },
  ]));
  writeFileSync(join(dir, 'header.html'), '<!-- MapServer Template -->\n<html><head><title>Feature info</title></head><body>\n<h1>Features &amp; more</h1>\n');
  writeFileSync(join(dir, 'footer.html'), '<!-- MapServer Template -->\n<p>end</p></body></html>\n');
  writeFileSync(join(dir, 'area.html'), '<!-- MapServer Template -->\n<table class="area"><tr><th>name</th><td>[name]</td></tr><tr><th>kind</th><td>[kind]</td></tr></table>\n');
  writeFileSync(join(dir, 'zone.html'), '<!-- MapServer Template -->\n<div class="zone">[zone] <br> code [code]</div>\n');
  const layer = (name: string, template: string, color: string) => `
  LAYER
    NAME "${name}"
    TYPE POLYGON
    STATUS ON
    CONNECTIONTYPE OGR
    CONNECTION "${join(dir, `${name}.geojson`)}"
    PROJECTION "init=epsg:4326" END
    TEMPLATE "${template}"
    METADATA "wms_title" "${name}" "wms_include_items" "all" "gml_include_items" "all" END
    CLASS STYLE COLOR ${color} END END
  END`;
  const mapfile = join(dir, 'fi.map');
  writeFileSync(mapfile, `MAP
  NAME "fi"
  EXTENT -180 -90 180 90
  SIZE 256 256
  UNITS DD
  IMAGECOLOR 255 255 255
  PROJECTION "init=epsg:4326" END
  OUTPUTFORMAT NAME "png" DRIVER AGG/PNG MIMETYPE "image/png" IMAGEMODE RGB EXTENSION "png" END
  OUTPUTFORMAT NAME "geojson" DRIVER "OGR/GEOJSON" MIMETYPE "application/json" FORMATOPTION "STORAGE=stream" FORMATOPTION "FORM=SIMPLE" END
  WEB
    HEADER "${join(dir, 'header.html')}"
    FOOTER "${join(dir, 'footer.html')}"
    METADATA
      "wms_title" "feature info test"
      "wms_srs" "EPSG:4326 EPSG:3857 EPSG:900913 EPSG:25832"
      "wms_enable_request" "*"
      "wms_getfeatureinfo_formatlist" "text/plain,text/html,application/vnd.ogc.gml,text/xml,application/json"
      "wms_feature_info_mime_type" "text/html"
    END
  END
${layer('areas', join(dir, 'area.html'), '220 30 30')}
${layer('zones', join(dir, 'zone.html'), '30 30 220')}
END
`);
  return mapfile;
}

/** An XSLT that lists the feature names of MapServer's GML as an HTML list. */
const NAMES_XSL = `<?xml version="1.0"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="/">
    <html><body><ul><xsl:for-each select="//*[name or zone]"><li><xsl:value-of select="concat(name, zone)"/></li></xsl:for-each></ul></body></html>
  </xsl:template>
</xsl:stylesheet>
`;

function configYaml(msUrl: string, cacheDir: string, xslDir: string): string {
  const wms = (layers: string, extra = '') => `
    type: wms
    req: {url: '${msUrl}', layers: ${layers}}
    wms_opts: {featureinfo: true${extra}}`;
  return `
services:
  wms:
    srs: ['EPSG:4326', 'EPSG:3857', 'EPSG:25832']
    md: {title: Feature info}
  wmts:
    featureinfo_formats:
      - {mimetype: text/plain, suffix: txt}
      - {mimetype: text/html, suffix: html}
      - {mimetype: application/vnd.ogc.gml, suffix: gml}
      - {mimetype: application/json, suffix: json}
sources:
  areas_wms:${wms('areas')}
  zones_wms:${wms('zones')}
  areas_130:${wms('areas', ', version: 1.3.0')}
  areas_4326_only:${wms('areas')}
    supported_srs: ['EPSG:4326']
  zones_names:${wms('zones', `, featureinfo_format: application/vnd.ogc.gml, featureinfo_xslt: '${join(xslDir, 'names.xsl')}', featureinfo_out_format: text/html`)}
  areas_map_only:
    type: wms
    req: {url: '${msUrl}', layers: areas}
caches:
  areas_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [areas_wms]
    cache: {type: file, directory: '${cacheDir}/areas'}
  nested_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [areas_cache, zones_wms]
    cache: {type: file, directory: '${cacheDir}/nested'}
layers:
  - name: areas
    title: Areas
    sources: [areas_wms]
  - name: zones
    title: Zones
    sources: [zones_wms]
  - name: both
    title: Areas and zones
    sources: [areas_wms, zones_wms]
  - name: group
    title: A group
    layers:
      - {name: g_areas, title: G areas, sources: [areas_wms]}
      - {name: g_zones, title: G zones, sources: [zones_wms]}
  - name: areas130
    title: Areas from a WMS 1.3.0 source
    sources: [areas_130]
  - name: reprojected
    title: Areas from EPSG:4326 only
    sources: [areas_4326_only]
  - name: names
    title: Zone names through XSLT
    sources: [zones_names]
  - name: cached
    title: Areas cached
    sources: [areas_cache]
  - name: nested
    title: Nested cache
    sources: [nested_cache]
  - name: tiled
    title: Tile sources
    sources: [areas_map_only]
    tile_sources: [nested_cache]
  - name: plain
    title: Not queryable
    sources: [areas_map_only]
`;
}

/** Whitespace collapsed, character references decoded: what a reader of the document sees. */
export function normalise(body: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', uuml: 'ü' };
  return body
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&(uuml|nbsp);/g, (_m, n: string) => named[n]!)
    .replace(/\s+/g, ' ')
    .replace(/> </g, '><')
    .trim();
}

const xml = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, attributeNamePrefix: '@', isArray: (n) => n === 'ServiceException' || n === 'Exception' });

function exceptionCode(body: string): string {
  const doc = xml.parse(body);
  const wms = doc.ServiceExceptionReport?.ServiceException?.[0];
  if (wms !== undefined) return typeof wms === 'object' ? String(wms['@code'] ?? '') : '';
  const ows = doc.ExceptionReport?.Exception?.[0];
  if (ows !== undefined) return String(ows['@exceptionCode'] ?? '');
  return '';
}

const gfi = (version: '1.1.1' | '1.3.0', q: Record<string, string | number>): string => {
  const base: Record<string, string | number> = version === '1.3.0'
    ? { SERVICE: 'WMS', VERSION: '1.3.0', REQUEST: 'GetFeatureInfo', STYLES: '', CRS: 'EPSG:4326', BBOX: '30,-10,70,40', WIDTH: 200, HEIGHT: 160, I: 100, J: 80 }
    : { SERVICE: 'WMS', VERSION: '1.1.1', REQUEST: 'GetFeatureInfo', STYLES: '', SRS: 'EPSG:4326', BBOX: '-10,30,40,70', WIDTH: 200, HEIGHT: 160, X: 100, Y: 80 };
  const all = { ...base, FORMAT: 'image/png', ...q };
  return '/service?' + Object.entries(all).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&');
};

/** Our answer to a path, as the comparisons read it. */
async function oursText(app: OurApp, path: string): Promise<Answer> {
  const r = await get(app, path);
  return { status: r.status, contentType: r.headers['content-type'] ?? '', body: r.body.toString('utf8') };
}

/** MapProxy 1.15's answer to a path, as the comparisons read it. */
async function theirsText(ref: ReferenceMapProxy, path: string): Promise<Answer> {
  const r = await fetch(ref.url + path);
  return { status: r.status, contentType: r.headers.get('content-type') ?? '', body: Buffer.from(await r.arrayBuffer()).toString('utf8') };
}

describe('GetFeatureInfo side by side with MapProxy 1.15', { skip: !mapServerAvailable() || !findXsltproc() }, () => {
  let dir: string;
  let ms: CgiRunner;
  const msRequests: string[] = [];
  let app: OurApp;
  let ref: ReferenceMapProxy;

  const ours = (path: string) => oursText(app, path);
  const theirs = (path: string) => theirsText(ref, path);
  /** Our and the reference's answer, and the MapServer requests each caused. */
  const both = askBoth(msRequests, ours, theirs);

  before(async () => {
    dir = tempDir('mapproxy-ts-fi-');
    ms = await startMapServerFor(dir, writeFeatureInfoMap, msRequests);
    writeFileSync(join(dir, 'names.xsl'), NAMES_XSL);
    const url = `${ms.url}mapserv?`;
    app = await createApp(writeConfig(join(dir, 'ours'), configYaml(url, join(dir, 'ours', 'cache'), dir)));
    ref = await startReferenceMapProxy(writeConfig(join(dir, 'ref'), configYaml(url, join(dir, 'ref', 'cache'), dir)));
  });
  after(async () => {
    await ref?.stop();
    await ms?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cases: [string, string][] = [
    ['text/plain, two sources', gfi('1.1.1', { LAYERS: 'both', QUERY_LAYERS: 'both', INFO_FORMAT: 'text/plain' })],
    ['text/html, two sources merged into one body', gfi('1.1.1', { LAYERS: 'both', QUERY_LAYERS: 'both', INFO_FORMAT: 'text/html' })],
    ['GML, two sources merged into one root', gfi('1.1.1', { LAYERS: 'both', QUERY_LAYERS: 'both', INFO_FORMAT: 'application/vnd.ogc.gml' })],
    ['GeoJSON, two sources merged', gfi('1.1.1', { LAYERS: 'both', QUERY_LAYERS: 'both', INFO_FORMAT: 'application/json' })],
    ['1.3.0 GML (sent as text/xml) with I/J and lat/lon axis order', gfi('1.3.0', { LAYERS: 'both', QUERY_LAYERS: 'both', INFO_FORMAT: 'application/vnd.ogc.gml' })],
    ['1.3.0 JSON, FEATURE_COUNT forwarded', gfi('1.3.0', { LAYERS: 'areas', QUERY_LAYERS: 'areas', INFO_FORMAT: 'application/json', FEATURE_COUNT: 3 })],
    ['a WMS 1.3.0 source (CRS, I/J and lat/lon BBOX upstream)', gfi('1.1.1', { LAYERS: 'areas130', QUERY_LAYERS: 'areas130', INFO_FORMAT: 'text/plain' })],
    ['a group layer asks its layers', gfi('1.1.1', { LAYERS: 'group', QUERY_LAYERS: 'group', INFO_FORMAT: 'text/html' })],
    ['two query layers, one named twice', gfi('1.1.1', { LAYERS: 'areas,zones', QUERY_LAYERS: 'areas,zones,areas', INFO_FORMAT: 'text/plain' })],
    ['non-ASCII feature attributes', gfi('1.1.1', { LAYERS: 'both', QUERY_LAYERS: 'both', INFO_FORMAT: 'text/html', BBOX: '-80,-40,-40,0', X: 50, Y: 50 })],
    ['a reprojected source (EPSG:3857 click forwarded in EPSG:4326)', gfi('1.1.1', {
      LAYERS: 'reprojected', QUERY_LAYERS: 'reprojected', INFO_FORMAT: 'text/plain', SRS: 'EPSG:3857',
      BBOX: '-1113194.9,4865942.3,3339584.7,8399737.9', WIDTH: 300, HEIGHT: 250, X: 120, Y: 90,
    })],
    ['a reprojected source in EPSG:25832', gfi('1.1.1', {
      LAYERS: 'reprojected', QUERY_LAYERS: 'reprojected', INFO_FORMAT: 'text/html', SRS: 'EPSG:25832',
      BBOX: '200000,5200000,900000,6200000', WIDTH: 280, HEIGHT: 400, X: 131, Y: 207,
    })],
    ['a cache layer asks its cache\'s sources', gfi('1.1.1', { LAYERS: 'cached', QUERY_LAYERS: 'cached', INFO_FORMAT: 'text/plain', SRS: 'EPSG:3857', BBOX: '0,4865942.3,2226389.8,8399737.9', X: 33, Y: 47 })],
    ['a cache of a cache asks all sources below', gfi('1.1.1', { LAYERS: 'nested', QUERY_LAYERS: 'nested', INFO_FORMAT: 'application/vnd.ogc.gml' })],
    ['a source XSLT (GML to an HTML list)', gfi('1.1.1', { LAYERS: 'names', QUERY_LAYERS: 'names', INFO_FORMAT: 'text/html' })],
    ['a float position', gfi('1.1.1', { LAYERS: 'areas', QUERY_LAYERS: 'areas', INFO_FORMAT: 'text/plain', X: '100.5', Y: '80.25' })],
    ['an unknown INFO_FORMAT: the upstream exception as text', gfi('1.1.1', { LAYERS: 'areas', QUERY_LAYERS: 'areas', INFO_FORMAT: 'image/tiff' })],
    ['a point outside the image: forwarded as it is', gfi('1.3.0', { LAYERS: 'areas', QUERY_LAYERS: 'areas', INFO_FORMAT: 'text/plain', I: 500, J: -3 })],
    ['a click on nothing', gfi('1.1.1', { LAYERS: 'areas', QUERY_LAYERS: 'areas', INFO_FORMAT: 'text/html', BBOX: '100,-80,120,-60' })],
  ];

  for (const [name, path] of cases) {
    it(`answers ${name} as MapProxy does`, async () => {
      const { a, b, oursUpstream, theirsUpstream } = await both(path);
      assert.equal(b.status, 200, `reference: ${b.body}`);
      assert.equal(a.status, 200, a.body);
      assert.equal(a.contentType, b.contentType);
      // MapProxy 1.15 hands the HTML parser bytes without a charset, which reads them as Latin-1 (MapProxy 7
      // decodes UTF-8 first, as we do): its 'grün' comes out as 'grÃ¼n'.
      const reference = name.startsWith('non-ASCII') ? Buffer.from(normalise(b.body), 'latin1').toString('utf8') : normalise(b.body);
      assert.equal(normalise(a.body), reference);
      assert.ok(a.body.trim().length > 0 || name === 'a click on nothing' || name.includes('outside'), 'an answer');
      // the same upstream requests, in any order (we ask sources concurrently); coordinates transformed by
      // PROJ (pyproj) and proj4js agree to 1e-12, not to the last bit
      const rounded = (qs: string[]) => qs.map((q) => q.replace(/-?\d+\.\d{6,}/g, (n) => Number(n).toPrecision(12))).sort();
      assert.deepEqual(rounded(oursUpstream), rounded(theirsUpstream));
    });
  }

  const errors: [string, string, string][] = [
    ['a layer that is not queryable', gfi('1.1.1', { LAYERS: 'plain', QUERY_LAYERS: 'plain', INFO_FORMAT: 'text/plain' }), ''],
    ['an unknown CRS', gfi('1.3.0', { LAYERS: 'areas', QUERY_LAYERS: 'areas', CRS: 'EPSG:31467' }), 'InvalidCRS'],
    ['missing I and J', gfi('1.3.0', { LAYERS: 'areas', QUERY_LAYERS: 'areas', I: '', J: '' }).replace(/&I=&J=/, ''), ''],
    ['missing QUERY_LAYERS', gfi('1.1.1', { LAYERS: 'areas' }), ''],
  ];
  for (const [name, path, code] of errors) {
    it(`refuses ${name} with the same exception`, async () => {
      const { a, b } = await both(path);
      assert.equal(exceptionCode(a.body), code, `ours: ${a.body}`);
      assert.equal(exceptionCode(b.body), code, `reference: ${b.body}`);
      const message = (s: string) => normalise(s.replace(/^[\s\S]*<ServiceException[^>]*>([\s\S]*)<\/ServiceException>[\s\S]*$/, '$1'));
      assert.equal(message(a.body), message(b.body));
      assert.ok(a.status >= 400, `status ${a.status}`);
    });
  }

  it('refuses an unknown query layer with LayerNotDefined, where MapProxy fails with an internal error', async () => {
    // MapProxy's validate_layers never sees QUERY_LAYERS (it asks the request, not its params, for them)
    // and the lookup of the layer then raises a KeyError: a 500 without an OGC exception.
    const { a, b } = await both(gfi('1.3.0', { LAYERS: 'areas', QUERY_LAYERS: 'nope', INFO_FORMAT: 'text/plain' }));
    assert.equal(b.status, 500);
    assert.equal(a.status, 400);
    assert.equal(exceptionCode(a.body), 'LayerNotDefined');
    assert.match(a.body, /unknown layer: nope/);
  });

  it('skips a later answer that is no XML as MapProxy 7 does, where MapProxy 1.15 fails', async () => {
    // MapServer answers text/xml with its HTML templates; the zones template has a <br>, which is no XML
    const { a, b } = await both(gfi('1.3.0', { LAYERS: 'both', QUERY_LAYERS: 'both', INFO_FORMAT: 'text/xml' }));
    assert.equal(b.status, 500);
    assert.equal(a.status, 200);
    assert.equal(a.contentType, 'text/xml; charset=utf-8');
    assert.match(a.body, /<td>red<\/td>/);
    assert.doesNotMatch(a.body, /north/);
  });

  it('advertises queryable layers and the info formats in WMS capabilities as the reference', async () => {
    for (const version of ['1.1.1', '1.3.0']) {
      const { a, b } = await both(`/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=${version}`);
      const queryable = (body: string) => [...body.matchAll(/<Layer queryable="1">\s*<Name>([^<]+)<\/Name>/g)].map((m) => m[1]).sort();
      assert.deepEqual(queryable(a.body), queryable(b.body));
      assert.ok(queryable(a.body).includes('areas') && !queryable(a.body).includes('plain'));
      const formats = (body: string) => /<GetFeatureInfo>([\s\S]*?)<\/GetFeatureInfo>/.exec(body)![1]!.match(/<Format>[^<]+<\/Format>/g);
      assert.deepEqual(formats(a.body), formats(b.body));
    }
  });

  describe('OWSLib as a client', () => {
    let server: OurServer;
    before(async () => {
      server = await startOurServer(join(dir, 'ours', 'mapproxy.yaml'));
    });
    after(async () => server?.stop());

    const owslib = async (version: string, infoFormat: string): Promise<string> => {
      const script = [
        'import sys, warnings', 'warnings.simplefilter("ignore")', 'from owslib.wms import WebMapService',
        `wms = WebMapService(sys.argv[1], version="${version}", timeout=30)`,
        `r = wms.getfeatureinfo(layers=["both"], query_layers=["both"], styles=[""], srs="EPSG:4326", bbox=(-10, 30, 40, 70), size=(200, 160), format="image/png", xy=(100, 80), info_format="${infoFormat}", feature_count=5)`,
        'sys.stdout.buffer.write(r.read())',
      ].join('\n');
      const r = await runClient(PYTHON, ['-c', script, `${server.url}/service`]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.toString('utf8');
    };

    it('gets merged text and GML feature info through getfeatureinfo (1.1.1 and 1.3.0)', async () => {
      const text = await owslib('1.1.1', 'text/plain');
      assert.match(text, /name = 'red'/);
      assert.match(text, /zone = 'north'/);
      const gml = await owslib('1.3.0', 'application/vnd.ogc.gml');
      const doc = xml.parse(gml);
      assert.ok(doc.msGMLOutput.areas_layer && doc.msGMLOutput.zones_layer, gml);
    });
  });
});

describe('WMTS GetFeatureInfo side by side with MapProxy 1.15', { skip: !mapServerAvailable() }, () => {
  let dir: string;
  let ms: CgiRunner;
  let app: OurApp;
  let ref: ReferenceMapProxy;

  before(async () => {
    dir = tempDir('mapproxy-ts-wmtsfi-');
    writeFileSync(join(dir, 'names.xsl'), NAMES_XSL);
    ms = await startMapServerFor(dir, writeFeatureInfoMap);
    const url = `${ms.url}mapserv?`;
    app = await createApp(writeConfig(join(dir, 'ours'), configYaml(url, join(dir, 'ours', 'cache'), dir)));
    ref = await startReferenceMapProxy(writeConfig(join(dir, 'ref'), configYaml(url, join(dir, 'ref', 'cache'), dir)));
  });
  after(async () => {
    await ref?.stop();
    await ms?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const both = async (path: string) => ({ a: await oursText(app, path), b: await theirsText(ref, path) });

  const kvp = (q: Record<string, string | number>) => '/service?' + new URLSearchParams(Object.entries({
    SERVICE: 'WMTS', REQUEST: 'GetFeatureInfo', VERSION: '1.0.0', LAYER: 'cached', STYLE: '', TILEMATRIXSET: 'GLOBAL_WEBMERCATOR',
    TILEMATRIX: '03', TILEROW: 2, TILECOL: 4, FORMAT: 'image/png', INFOFORMAT: 'text/plain', I: 20, J: 60, ...q,
  }).map(([k, v]) => [k, String(v)])).toString();

  const answers: [string, string][] = [
    ['KVP text', kvp({})],
    ['KVP by suffix', kvp({ INFOFORMAT: 'html' })],
    ['KVP GML from a cache of caches and a source', kvp({ LAYER: 'nested', INFOFORMAT: 'application/vnd.ogc.gml' })],
    ['KVP through tile_sources', kvp({ LAYER: 'tiled', INFOFORMAT: 'application/json' })],
    ['REST template', '/wmts/cached/GLOBAL_WEBMERCATOR/03/4/2/20/60.html'],
    ['REST JSON', '/wmts/nested/GLOBAL_WEBMERCATOR/03/4/2/20/60.json'],
  ];
  for (const [name, path] of answers) {
    it(`answers ${name} as MapProxy does`, async () => {
      const { a, b } = await both(path);
      assert.equal(b.status, 200, b.body);
      assert.equal(a.status, 200, a.body);
      assert.equal(a.contentType, b.contentType);
      assert.ok(a.body.trim().length > 0);
      assert.equal(normalise(a.body), normalise(b.body));
    });
  }

  const refused: [string, string, string][] = [
    ['an unknown info format', kvp({ INFOFORMAT: 'image/png' }), 'InvalidParameterValue'],
    ['an unknown REST suffix', '/wmts/cached/GLOBAL_WEBMERCATOR/03/4/2/20/60.xyz', 'InvalidParameterValue'],
    ['an unknown layer', kvp({ LAYER: 'nope' }), 'InvalidParameterValue'],
  ];
  for (const [name, path, code] of refused) {
    it(`refuses ${name} as MapProxy does`, async () => {
      const { a, b } = await both(path);
      assert.equal(exceptionCode(a.body), code, a.body);
      assert.equal(exceptionCode(b.body), code, b.body);
    });
  }

  it('lists InfoFormat and FeatureInfo ResourceURLs of queryable layers as the reference', async () => {
    const { a, b } = await both('/wmts/1.0.0/WMTSCapabilities.xml');
    const info = (body: string) => [...body.matchAll(/<ResourceURL format="([^"]+)" resourceType="FeatureInfo" template="([^"]+)"\/>/g)]
      .map((m) => `${m[1]} ${m[2]!.replace(/^https?:\/\/[^/]+/, '')}`).sort();
    assert.ok(info(a.body).length > 0);
    assert.deepEqual(info(a.body), info(b.body));
    const formats = (body: string) => (body.match(/<InfoFormat>[^<]+<\/InfoFormat>/g) ?? []).length;
    assert.equal(formats(a.body), formats(b.body));
  });
});

/** Lists the first cells and zone blocks of MapServer's HTML pages (service-wide xslt for html). */
const CELLS_XSL = `<?xml version="1.0"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="html"/>
  <xsl:template match="/">
    <html><body><ul><xsl:for-each select="//td[1]|//div"><li><xsl:value-of select="normalize-space(.)"/></li></xsl:for-each></ul></body></html>
  </xsl:template>
</xsl:stylesheet>
`;

/** Lists the names of GML features as XML (service-wide xslt for xml). */
const SUMMARY_XSL = `<?xml version="1.0"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="/">
    <summary><xsl:for-each select="//name|//zone|//td[1]"><f><xsl:value-of select="."/></f></xsl:for-each></summary>
  </xsl:template>
</xsl:stylesheet>
`;

describe('service-wide featureinfo_xslt and a mapserver source, side by side with MapProxy 1.15', { skip: !mapServerAvailable() || !findXsltproc() }, () => {
  let dir: string;
  let app: OurApp;
  let ref: ReferenceMapProxy;

  before(async () => {
    dir = tempDir('mapproxy-ts-fixslt-');
    const msDir = join(dir, 'mapserver');
    mkdirSync(msDir);
    const mapfile = writeFeatureInfoMap(msDir);
    // MapProxy's mapserver source passes the mapfile as map=, which MapServer 8 only takes with a pattern
    const conf = join(msDir, 'ms.conf');
    writeFileSync(conf, 'CONFIG\n  ENV\n    MS_MAP_PATTERN "\\.map$"\n  END\nEND\n');
    const wrapper = join(msDir, 'mapserv.sh');
    writeFileSync(wrapper, `#!/bin/sh\nMAPSERVER_CONFIG_FILE='${conf}'\nexport MAPSERVER_CONFIG_FILE\nexec ${MAPSERV_BINARY} "$@"\n`, { mode: 0o755 });
    writeFileSync(join(dir, 'summary.xsl'), SUMMARY_XSL);
    writeFileSync(join(dir, 'cells.xsl'), CELLS_XSL);
    const yaml = `
services:
  wms:
    featureinfo_xslt:
      xml: '${join(dir, 'summary.xsl')}'
      html: '${join(dir, 'cells.xsl')}'
sources:
  areas_ms:
    type: mapserver
    req: {map: '${mapfile}', layers: areas}
    mapserver: {binary: '${wrapper}', working_dir: '${msDir}'}
    wms_opts: {featureinfo: true}
  zones_ms:
    type: mapserver
    req: {map: '${mapfile}', layers: zones}
    mapserver: {binary: '${wrapper}', working_dir: '${msDir}'}
    wms_opts: {featureinfo: true}
layers:
  - name: both
    title: Areas and zones from mapserv
    sources: [areas_ms, zones_ms]
`;
    app = await createApp(writeConfig(join(dir, 'ours'), yaml));
    ref = await startReferenceMapProxy(writeConfig(join(dir, 'ref'), yaml));
  });
  after(async () => {
    await ref?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const both = async (path: string) => ({ a: await oursText(app, path), b: await theirsText(ref, path) });

  const cases: [string, string][] = [
    ['GML transformed by the xml stylesheet', gfi('1.1.1', { LAYERS: 'both', QUERY_LAYERS: 'both', INFO_FORMAT: 'application/vnd.ogc.gml' })],
    ['HTML transformed by the html stylesheet', gfi('1.1.1', { LAYERS: 'both', QUERY_LAYERS: 'both', INFO_FORMAT: 'text/html' })],
  ];
  for (const [name, path] of cases) {
    it(`answers ${name} as MapProxy does`, async () => {
      const { a, b } = await both(path);
      assert.equal(b.status, 200, b.body);
      assert.equal(a.status, 200, a.body);
      assert.equal(a.contentType, b.contentType);
      assert.ok(/<f>|<li>/.test(a.body), a.body);
      assert.equal(normalise(a.body), normalise(b.body));
    });
  }

  it('advertises the types with a stylesheet as the info formats', async () => {
    const { a, b } = await both('/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.1.1');
    const formats = (body: string) => /<GetFeatureInfo>([\s\S]*?)<\/GetFeatureInfo>/.exec(body)![1]!.match(/<Format>[^<]+<\/Format>/g);
    assert.deepEqual(formats(a.body), ['<Format>application/vnd.ogc.gml</Format>', '<Format>text/html</Format>']);
    assert.deepEqual(formats(a.body), formats(b.body));
  });

  it('answers a request without INFO_FORMAT with the server\'s default, where MapProxy fails with an internal error', async () => {
    // MapProxy builds its InfoQuery with params['info_format'], a KeyError when the client sent none (INFO_FORMAT
    // is optional in WMS 1.1.1). MapServer answers such a request in text, which no stylesheet transforms.
    const { a, b } = await both(gfi('1.1.1', { LAYERS: 'both', QUERY_LAYERS: 'both' }));
    assert.equal(b.status, 500);
    assert.equal(a.status, 200);
    assert.equal(a.contentType, 'text/plain; charset=utf-8');
    assert.match(a.body, /name = 'red'[\s\S]*zone = 'north'/);
  });

  it('answers text untransformed when no stylesheet is for text, where MapProxy fails with an internal error', async () => {
    // MapProxy looks the stylesheet up with fi_transformers[info_type]: a KeyError for a type without one
    const { a, b } = await both(gfi('1.1.1', { LAYERS: 'both', QUERY_LAYERS: 'both', INFO_FORMAT: 'text/plain' }));
    assert.equal(b.status, 500);
    assert.equal(a.status, 200);
    assert.match(a.body, /name = 'red'/);
    assert.match(a.body, /zone = 'north'/);
  });
});
