// GetLegendGraphic side by side: mapproxy-ts and MapProxy 1.15 on one configuration in front of the real
// MapServer, which draws the legends (RGBA PNGs, so combining goes through MapProxy's masked paste). Legend
// images are compared by decoded pixels, capabilities by their LegendURL elements, the legend caches by the
// file names both write under <base_dir>/legends, exceptions by code and message. OWSLib follows the
// LegendURL of our capabilities as a client would.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import type { CgiRunner } from '../support/cgi-runner.js';
import { askBoth, startMapServerFor } from '../support/recording-mapserver.js';
import { owslibAvailable, owslibClient } from '../support/clients.js';
import { tempDir, writeConfig } from '../support/configs.js';
import { assertImagesSimilar, decodeImage } from '../support/images.js';
import { mapServerAvailable } from '../support/mapserver.js';
import { startReferenceMapProxy, type ReferenceMapProxy } from '../support/mapproxy-reference.js';
import { createApp, get, startOurServer, type OurApp, type OurServer } from '../support/our-app.js';
import { legendHash } from '../../src/core/source/legend-cache.js';
import { OGC_SCHEMA_DIR, validateXml, xmllintAvailable } from '../support/xml-schema.js';

interface Answer { status: number; contentType: string; body: Buffer }

function square(x0: number, y0: number, x1: number, y1: number): number[][][] {
  return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]];
}

/** A MapServer with classed layers (legends have a row per class) and transparent RGBA PNG output. */
function writeLegendMap(dir: string): string {
  const fc = (features: object[]) => JSON.stringify({ type: 'FeatureCollection', features });
  writeFileSync(join(dir, 'areas.geojson'), fc([
    { type: 'Feature', properties: { kind: 1 }, geometry: { type: 'Polygon', coordinates: square(0, 40, 20, 60) } },
    { type: 'Feature', properties: { kind: 2 }, geometry: { type: 'Polygon', coordinates: square(-80, -40, -40, 0) } },
  ]));
  writeFileSync(join(dir, 'roads.geojson'), fc([
    { type: 'Feature', properties: { kind: 1 }, geometry: { type: 'LineString', coordinates: [[-170, 20], [170, 20]] } },
  ]));
  const mapfile = join(dir, 'legend.map');
  writeFileSync(mapfile, `MAP
  NAME "legends"
  EXTENT -180 -90 180 90
  SIZE 256 256
  UNITS DD
  PROJECTION "init=epsg:4326" END
  OUTPUTFORMAT NAME "png" DRIVER AGG/PNG MIMETYPE "image/png" IMAGEMODE RGBA TRANSPARENT ON EXTENSION "png" END
  LEGEND
    KEYSIZE 18 12
    LABEL TYPE BITMAP SIZE MEDIUM COLOR 0 0 0 END
  END
  WEB
    METADATA
      "wms_title" "legend test"
      "wms_srs" "EPSG:4326 EPSG:3857"
      "wms_enable_request" "*"
    END
  END
  LAYER
    NAME "areas"
    TYPE POLYGON
    STATUS ON
    CONNECTIONTYPE OGR
    CONNECTION "${join(dir, 'areas.geojson')}"
    PROJECTION "init=epsg:4326" END
    METADATA "wms_title" "areas" END
    CLASSITEM "kind"
    CLASS NAME "Fields" EXPRESSION "1" STYLE COLOR 220 30 30 OUTLINECOLOR 0 0 0 END END
    CLASS NAME "Forest" EXPRESSION "2" STYLE COLOR 30 160 30 END END
  END
  LAYER
    NAME "roads"
    TYPE LINE
    STATUS ON
    CONNECTIONTYPE OGR
    CONNECTION "${join(dir, 'roads.geojson')}"
    PROJECTION "init=epsg:4326" END
    METADATA "wms_title" "roads" END
    CLASS NAME "Road" STYLE COLOR 30 30 220 WIDTH 3 END END
  END
END
`);
  return mapfile;
}

function configYaml(msUrl: string): string {
  const wms = (layers: string, opts: string) => `
    type: wms
    req: {url: '${msUrl}', layers: '${layers}', transparent: true}
    wms_opts: {${opts}}`;
  return `
globals:
  cache: {base_dir: ./cache}
services:
  wms:
    srs: ['EPSG:4326', 'EPSG:3857']
    md: {title: Legends}
sources:
  areas_wms:${wms('areas', 'legendgraphic: true')}
  roads_wms:${wms('roads', 'legendgraphic: true')}
  both_wms:${wms('areas,roads', 'legendgraphic: true')}
  areas_130:${wms('areas', "legendgraphic: true, version: '1.3.0'")}
  fixed_wms:${wms('areas', "legendurl: 'file://fixed.png'")}
  plain_wms:${wms('areas', 'map: true')}
caches:
  areas_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [areas_wms]
    cache: {type: file, directory: ./cache/areas}
layers:
  - {name: areas, title: Areas, sources: [areas_wms]}
  - {name: two, title: Two sources, sources: [areas_wms, roads_wms]}
  - {name: multi, title: One source with two layers, sources: [both_wms]}
  - {name: v130, title: A WMS 1.3.0 source, sources: [areas_130]}
  - {name: fixedsrc, title: A source with a fixed legend, sources: [fixed_wms]}
  - {name: static, title: A static legend file, legendurl: 'file://static.png', sources: [plain_wms]}
  - {name: mixed, title: A fixed and a fetched legend, sources: [fixed_wms, roads_wms]}
  - {name: cached, title: Through a cache, sources: [areas_cache]}
  - {name: plain, title: No legend, sources: [plain_wms]}
  - name: group
    title: A group
    layers:
      - {name: g_areas, title: G areas, sources: [areas_wms]}
      - {name: g_roads, title: G roads, sources: [roads_wms]}
`;
}

const legendPath = (version: '1.1.1' | '1.3.0', layer: string, extra: Record<string, string> = {}): string => {
  const q: Record<string, string> = { SERVICE: 'WMS', VERSION: version, REQUEST: 'GetLegendGraphic', LAYER: layer, FORMAT: 'image/png', ...extra };
  if (version === '1.1.1' && !('SLD_VERSION' in extra)) q.SLD_VERSION = '1.1.0';
  return '/service?' + Object.entries(q).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
};

/** The LegendURL elements of a capabilities document: layer name → width, height, format and the query of the href. */
function legendUrls(caps: string): Record<string, { width: string; height: string; format: string; query: string }> {
  const out: Record<string, { width: string; height: string; format: string; query: string }> = {};
  for (const m of caps.matchAll(/<Name>([^<]+)<\/Name>(?:(?!<Layer)[\s\S])*?<LegendURL width="(\d+)" height="(\d+)">\s*<Format>([^<]+)<\/Format>\s*<OnlineResource[^>]*xlink:href="([^"]+)"/g)) {
    out[m[1]!] = { width: m[2]!, height: m[3]!, format: m[4]!, query: m[5]!.replace(/^[^?]*/, '') };
  }
  return out;
}

/** A schema importing WMS 1.3.0 and SLD 1.1.0 capabilities, as the document's schemaLocation names both. */
function wmsWithSldSchema(dir: string): string {
  const file = join(dir, 'wms-sld.xsd');
  const local = (p: string) => pathToFileURL(join(OGC_SCHEMA_DIR, p)).href;
  writeFileSync(file, `<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:mapproxy-ts:test">
  <xs:import namespace="http://www.opengis.net/wms" schemaLocation="${local('wms/1.3.0/capabilities_1_3_0.xsd')}"/>
  <xs:import namespace="http://www.opengis.net/sld" schemaLocation="${local('sld/1.1.0/sld_capabilities.xsd')}"/>
</xs:schema>
`);
  return file;
}

function exception(body: string): { code: string; message: string } {
  const m = /<ServiceException(?: code="([^"]*)")?>\s*([\s\S]*?)\s*<\/ServiceException>/.exec(body);
  return { code: m?.[1] ?? '', message: m?.[2] ?? '' };
}

describe('GetLegendGraphic side by side with MapProxy 1.15', { skip: !mapServerAvailable() }, () => {
  let dir: string;
  let ms: CgiRunner;
  const msRequests: string[] = [];
  let app: OurApp;
  let ref: ReferenceMapProxy;

  const ours = async (path: string): Promise<Answer> => {
    const r = await get(app, path);
    return { status: r.status, contentType: r.headers['content-type'] ?? '', body: r.body };
  };
  const theirs = async (path: string): Promise<Answer> => {
    const r = await fetch(ref.url + path);
    return { status: r.status, contentType: r.headers.get('content-type') ?? '', body: Buffer.from(await r.arrayBuffer()) };
  };
  const both = askBoth(msRequests, ours, theirs);

  before(async () => {
    dir = tempDir('mapproxy-ts-legend-');
    ms = await startMapServerFor(dir, writeLegendMap, msRequests);
    const url = `${ms.url}mapserv?`;
    // fixed legends: an RGB PNG (a static layer legend) and a paletted one with transparency (a source's legendurl)
    const staticPng = await sharp({ create: { width: 40, height: 14, channels: 3, background: { r: 250, g: 200, b: 20 } } }).png().toBuffer();
    const fixedPng = await sharp({ create: { width: 30, height: 20, channels: 4, background: { r: 20, g: 90, b: 200, alpha: 0.5 } } })
      .png({ palette: true }).toBuffer();
    for (const side of ['ours', 'ref']) {
      mkdirSync(join(dir, side), { recursive: true });
      writeFileSync(join(dir, side, 'static.png'), staticPng);
      writeFileSync(join(dir, side, 'fixed.png'), fixedPng);
    }
    app = await createApp(writeConfig(join(dir, 'ours'), configYaml(url)));
    ref = await startReferenceMapProxy(writeConfig(join(dir, 'ref'), configYaml(url)));
  });
  after(async () => {
    await ref?.stop();
    await ms?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const layers = ['areas', 'two', 'multi', 'v130', 'fixedsrc', 'static', 'mixed', 'cached', 'g_roads'];
  for (const version of ['1.1.1', '1.3.0'] as const) {
    for (const layer of layers) {
      it(`draws the legend of ${layer} (WMS ${version}) as MapProxy does`, async () => {
        const { a, b, oursUpstream, theirsUpstream } = await both(legendPath(version, layer));
        assert.equal(b.status, 200, `reference: ${b.body.toString()}`);
        assert.equal(a.status, 200, a.body.toString());
        assert.equal(a.contentType, b.contentType);
        const [ia, ib] = await Promise.all([decodeImage(a.body), decodeImage(b.body)]);
        assert.deepEqual([ia.width, ia.height], [ib.width, ib.height]);
        // PNG quantization of combined legends may place a few colours differently
        await assertImagesSimilar(ia, ib, { tolerance: 12, maxDiffFraction: 0.02, message: layer });
        // the same GetLegendGraphic requests reach MapServer (none once the legend is cached on either side)
        assert.deepEqual([...oursUpstream].sort(), [...theirsUpstream].sort());
      });
    }
  }

  it('forwards SCALE to the source and caches the legend per scale, as MapProxy does', async () => {
    const { a, b, oursUpstream, theirsUpstream } = await both(legendPath('1.1.1', 'two', { SCALE: '5000' }));
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    await assertImagesSimilar(a.body, b.body, { tolerance: 12, maxDiffFraction: 0.02 });
    assert.equal(oursUpstream.length, 2);
    assert.ok(oursUpstream.every((q) => /(^|&)scale=5000\.0(&|$)/.test(q)), oursUpstream.join('\n'));
    assert.deepEqual([...oursUpstream].sort(), [...theirsUpstream].sort());
    // a second request of that scale is answered from the legend cache
    const again = await both(legendPath('1.1.1', 'two', { SCALE: '5000' }));
    assert.deepEqual(again.oursUpstream, []);
    assert.deepEqual(again.theirsUpstream, []);
  });

  it('writes the same legend cache files as MapProxy', async () => {
    const files = (side: string) => readdirSync(join(dir, side, 'cache', 'legends')).filter((f) => f.endsWith('.png')).sort();
    // fixed legend files are named after their absolute path, which is not the same for the two configurations
    const fixedNames = (side: string) => ['static.png', 'fixed.png'].map((f) => `${legendHash(`file://${join(dir, side, f)}`, undefined)}.png`);
    const shared = (side: string) => files(side).filter((f) => !fixedNames(side).includes(f));
    for (const side of ['ours', 'ref']) for (const f of fixedNames(side)) assert.ok(files(side).includes(f), `${side}: ${f}`);
    assert.ok(shared('ours').length >= 5, files('ours').join(' '));
    assert.deepEqual(shared('ours'), shared('ref'));
    // and each holds the same legend
    for (const f of shared('ours')) {
      const [x, y] = [join(dir, 'ours', 'cache', 'legends', f), join(dir, 'ref', 'cache', 'legends', f)];
      await assertImagesSimilar(await sharp(x).png().toBuffer(), await sharp(y).png().toBuffer(), { tolerance: 2, maxDiffFraction: 0, message: f });
    }
  });

  it('announces the same LegendURLs and GetLegendGraphic formats in WMS capabilities', async () => {
    for (const version of ['1.1.1', '1.3.0']) {
      const { a, b } = await both(`/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=${version}`);
      const [ca, cb] = [a.body.toString(), b.body.toString()];
      const ours = legendUrls(ca);
      assert.deepEqual(ours, legendUrls(cb));
      assert.deepEqual(Object.keys(ours).sort(), [...layers.filter((l) => l !== 'g_roads'), 'g_areas', 'g_roads'].sort());
      assert.equal(ours.areas!.query, '?format=image%2Fpng&amp;layer=areas&amp;sld_version=1.1.0&amp;request=GetLegendGraphic&amp;service=WMS&amp;version=1.1.1&amp;styles=');
      const tag = version === '1.3.0' ? 'sld:GetLegendGraphic' : 'GetLegendGraphic';
      const formats = (caps: string) => new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(caps)?.[1]?.match(/<Format>[^<]+<\/Format>/g);
      assert.ok(formats(ca)?.length, 'a GetLegendGraphic request section');
      assert.deepEqual(formats(ca), formats(cb));
      if (xmllintAvailable()) {
        // 1.3.0: sld:GetLegendGraphic is declared by the SLD capabilities schema the document names next to WMS's
        const v = await validateXml(a.body, version === '1.3.0' ? { xsd: wmsWithSldSchema(dir) } : 'wms-1.1.1-capabilities');
        assert.ok(v.valid, v.errors.join('\n'));
      }
    }
  });

  it('announces the same legends in WMS 1.1.0 (LegendURL) and 1.0.0 (StyleURL) capabilities', async () => {
    const v110 = await both('/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.1.0');
    assert.deepEqual(legendUrls(v110.a.body.toString()), legendUrls(v110.b.body.toString()));
    assert.ok(Object.keys(legendUrls(v110.a.body.toString())).length > 5);
    const styleUrls = (caps: string) => [...caps.matchAll(/<Name>([^<]+)<\/Name>(?:(?!<Layer)[\s\S])*?<StyleURL>([^<]+)<\/StyleURL>/g)]
      .map((m) => `${m[1]} ${m[2]!.replace(/^[^?]*/, '')}`).sort();
    const v100 = await both('/service?SERVICE=WMS&REQUEST=capabilities&WMTVER=1.0.0');
    assert.deepEqual(styleUrls(v100.a.body.toString()), styleUrls(v100.b.body.toString()));
    assert.ok(styleUrls(v100.a.body.toString()).length > 5);
  });

  it('refuses an unknown layer with LayerNotDefined, as MapProxy does', async () => {
    const { a, b } = await both(legendPath('1.1.1', 'nope'));
    assert.deepEqual(exception(a.body.toString()), exception(b.body.toString()));
    assert.deepEqual(exception(a.body.toString()), { code: 'LayerNotDefined', message: 'unknown layer: nope' });
  });

  it('refuses a layer without legend with the same message (and MapProxy 7\'s 404)', async () => {
    const { a, b } = await both(legendPath('1.3.0', 'plain'));
    assert.deepEqual(exception(a.body.toString()), exception(b.body.toString()));
    assert.equal(exception(a.body.toString()).message, 'layer plain has no legend graphic');
    // MapProxy 1.15 answers this with its default status; MapProxy 7 made it a 404, as we answer
    assert.equal(a.status, 404);
  });

  it('refuses an SLD_VERSION other than 1.1.0 with the same exception', async () => {
    const { a, b } = await both(legendPath('1.1.1', 'areas', { SLD_VERSION: '1.0.0' }));
    assert.deepEqual(exception(a.body.toString()), exception(b.body.toString()));
    assert.match(exception(a.body.toString()).message, /invalid sld_version 1\.0\.0/);
  });

  it('combines the legends of a group layer, where MapProxy fails', async () => {
    // MapProxy's WMSGroupLayer has no legend(): its GetLegendGraphic is an internal error. We stack the
    // legends of the group's layers, bottom layer first, as for a layer with several sources.
    const { a, b } = await both(legendPath('1.1.1', 'group'));
    assert.equal(b.status, 500);
    assert.equal(a.status, 200);
    const two = await theirs(legendPath('1.1.1', 'two'));
    await assertImagesSimilar(a.body, two.body, { tolerance: 12, maxDiffFraction: 0.02 });
  });

  it('answers a FORMAT the service does not offer with InvalidFormat, where MapProxy fails', async () => {
    const { a, b } = await both(legendPath('1.1.1', 'areas', { FORMAT: 'image/bmp' }));
    assert.equal(b.status, 500);
    assert.equal(exception(a.body.toString()).code, 'InvalidFormat');
  });

  it('serves JPEG legends as MapProxy does', async () => {
    const { a, b } = await both(legendPath('1.3.0', 'two', { FORMAT: 'image/jpeg' }));
    assert.equal(a.status, 200);
    assert.equal(a.contentType, 'image/jpeg');
    assert.equal(b.contentType, 'image/jpeg');
    assert.equal((await decodeImage(a.body)).format, 'jpeg');
    await assertImagesSimilar(a.body, b.body, { tolerance: 24, maxDiffFraction: 0.05 });
  });

  describe('OWSLib', { skip: !owslibAvailable() }, () => {
    let server: OurServer;
    before(async () => {
      server = await startOurServer(join(dir, 'ours', 'mapproxy.yaml'));
    });
    after(async () => server?.stop());

    for (const version of ['1.1.1', '1.3.0'] as const) {
      it(`follows the LegendURL of WMS ${version} capabilities to the legend MapProxy draws`, async () => {
        const legend = await owslibClient.wmsLegend(`${server.url}/service`, version, 'two');
        assert.equal(legend.contentType, 'image/png');
        assert.match(legend.href, /request=GetLegendGraphic/);
        const reference = await theirs(legendPath('1.1.1', 'two'));
        await assertImagesSimilar(legend.bytes, reference.body, { tolerance: 12, maxDiffFraction: 0.02 });
      });
    }
  });
});
