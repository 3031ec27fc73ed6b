// A click on the demo page in headless Chromium shows feature info (our extension of MapProxy's demo). The demo
// runs under a URL prefix (a reverse proxy's X-Script-Name, played by the request handler below, which also
// refuses service requests without the API key, as a protected deployment does); the layers are backed by the
// real MapServer with HTML templates. The panel must show what our WMS answers for the clicked point; a layer
// that is not queryable must send no GetFeatureInfo; the answer's own script must run neither in the page nor in
// its sandboxed frame.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp, type App } from '../../src/core/app.js';
import type { CoreRequest } from '../../src/core/http.js';
import { serveHttp } from '../../src/core/node-http-adapter.js';
import type { CgiRunner } from '../support/cgi-runner.js';
import { ChromiumPage } from '../support/chromium.js';
import { tempDir, writeConfig } from '../support/configs.js';
import { startMapServerFor } from '../support/recording-mapserver.js';

const PREFIX = '/mp';
const KEY = 'api_key=s3cret';

function square(x0: number, y0: number, x1: number, y1: number): number[][][] {
  return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]];
}

/**
 * Two made-up countries with HTML templates. The page header carries a script that marks the demo page (if it
 * could reach it) and its own document (if it ran at all).
 */
function writeCountriesMap(dir: string): string {
  writeFileSync(join(dir, 'countries.geojson'), JSON.stringify({
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { name: 'Freedonia', capital: 'Fredonia City' }, geometry: { type: 'Polygon', coordinates: square(0, 40, 20, 60) } },
      { type: 'Feature', properties: { name: 'Sylvania', capital: 'Sylvan' }, geometry: { type: 'Polygon', coordinates: square(-80, -40, -40, 0) } },
    ],
  }));
  writeFileSync(join(dir, 'header.html'), `<!-- MapServer Template -->
<html><head><title>Countries</title>
<script>document.documentElement.setAttribute('data-ran', 'yes'); try { parent.document.body.setAttribute('data-leak', 'yes'); } catch (e) {}</script>
</head><body><h1>Countries</h1>
`);
  writeFileSync(join(dir, 'footer.html'), '<!-- MapServer Template -->\n</body></html>\n');
  writeFileSync(join(dir, 'country.html'), '<!-- MapServer Template -->\n<table class="country"><tr><th>name</th><td>[name]</td></tr><tr><th>capital</th><td>[capital]</td></tr></table>\n');
  const mapfile = join(dir, 'countries.map');
  writeFileSync(mapfile, `MAP
  NAME "countries"
  EXTENT -180 -90 180 90
  SIZE 256 256
  UNITS DD
  IMAGECOLOR 255 255 255
  PROJECTION "init=epsg:4326" END
  OUTPUTFORMAT NAME "png" DRIVER AGG/PNG MIMETYPE "image/png" IMAGEMODE RGB EXTENSION "png" END
  WEB
    HEADER "${join(dir, 'header.html')}"
    FOOTER "${join(dir, 'footer.html')}"
    METADATA
      "wms_title" "countries"
      "wms_srs" "EPSG:4326 EPSG:3857 EPSG:900913"
      "wms_enable_request" "*"
      "wms_getfeatureinfo_formatlist" "text/plain,text/html"
      "wms_feature_info_mime_type" "text/html"
    END
  END
  LAYER
    NAME "countries"
    TYPE POLYGON
    STATUS ON
    CONNECTIONTYPE OGR
    CONNECTION "${join(dir, 'countries.geojson')}"
    PROJECTION "init=epsg:4326" END
    TEMPLATE "${join(dir, 'country.html')}"
    METADATA "wms_title" "countries" "wms_include_items" "all" "gml_include_items" "all" END
    CLASS STYLE COLOR 220 30 30 END END
  END
END
`);
  return mapfile;
}

function configYaml(msUrl: string, cacheDir: string): string {
  return `
services:
  demo:
  wms:
    srs: ['EPSG:4326', 'EPSG:3857']
    md: {title: Countries}
  wmts:
    featureinfo_formats:
      - {mimetype: text/plain, suffix: txt}
      - {mimetype: text/html, suffix: html}
sources:
  countries_wms:
    type: wms
    req: {url: '${msUrl}', layers: countries, transparent: true}
    wms_opts: {featureinfo: true}
  countries_map_only:
    type: wms
    req: {url: '${msUrl}', layers: countries, transparent: true}
caches:
  countries_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [countries_wms]
    cache: {type: file, directory: '${cacheDir}'}
layers:
  - name: countries
    title: Countries
    sources: [countries_wms]
  - name: countries_tiles
    title: Countries (cached)
    sources: [countries_cache]
  - name: plain
    title: Countries, not queryable
    sources: [countries_map_only]
globals:
  image:
    paletted: false
`;
}

describe('feature info on a click in the demo, in headless Chromium', () => {
  let dir: string;
  let ms: CgiRunner;
  let app: App;
  let server: Server;
  /** The origin, e.g. http://127.0.0.1:port; the demo is under `${origin}${PREFIX}`. */
  let origin: string;
  /** Service requests the browser made, as path?query after the prefix. */
  const asked: string[] = [];
  let page: ChromiumPage;

  before(async () => {
    dir = tempDir('mapproxy-ts-demo-fi-');
    ms = await startMapServerFor(dir, writeCountriesMap);
    app = await createApp(writeConfig(dir, configYaml(`${ms.url}mapserv?`, join(dir, 'cache'))));
    server = await serveHttp({
      handle: (req: CoreRequest) => {
        if (!req.path.startsWith(`${PREFIX}/`)) return Promise.resolve({ status: 404, headers: { 'Content-Type': 'text/plain' }, body: 'outside the prefix' });
        const path = req.path.slice(PREFIX.length);
        if (!path.startsWith('/demo/')) {
          asked.push(`${path}?${req.query}`);
          if (!new URLSearchParams(req.query).has('api_key', 's3cret')) return Promise.resolve({ status: 403, headers: { 'Content-Type': 'text/plain' }, body: 'no key' });
        }
        return app.handle({ ...req, path, headers: { ...req.headers, 'x-script-name': PREFIX } });
      },
    }, { host: '127.0.0.1', port: 0 });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    page = await ChromiumPage.open();
  });
  after(async () => {
    await page?.close();
    server?.closeAllConnections();
    if (server) await new Promise((r) => server.close(r));
    await app?.runtime.close();
    await ms?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens a viewer and waits until OpenLayers drew its map. */
  async function openViewer(query: string): Promise<void> {
    await page.goto(`${origin}${PREFIX}/demo/?${query}&${KEY}`);
    await page.waitFor(`typeof map !== 'undefined' && map.getSize() && map.isRendered()`);
    await page.evaluate(`new Promise((r) => { map.once('rendercomplete', () => r(true)); map.render(); })`);
  }

  /** Clicks the map at lon/lat; returns the clicked point as the map has it (lon/lat). */
  async function clickAt(lon: number, lat: number): Promise<[number, number]> {
    const [x, y, clickedLon, clickedLat] = await page.evaluate<number[]>(`(() => {
      const rect = map.getTargetElement().getBoundingClientRect();
      const px = map.getPixelFromCoordinate(ol.proj.fromLonLat([${lon}, ${lat}], projection)).map(Math.round);
      const at = ol.proj.toLonLat(map.getCoordinateFromPixel(px), projection);
      return [rect.left + px[0], rect.top + px[1], at[0], at[1]];
    })()`);
    const viewport = await page.evaluate<number[]>('[innerWidth, innerHeight]');
    assert.ok(x! > 0 && y! > 0 && x! < viewport[0]! && y! < viewport[1]!, `the point ${lon},${lat} is off the screen at ${x},${y}`);
    await page.click(x!, y!);
    return [clickedLon!, clickedLat!];
  }

  /** Our WMS's own answer for a point: a GetFeatureInfo of a small map centred on it. */
  async function directFeatureInfo(layer: string, [lon, lat]: [number, number]): Promise<{ type: string; body: string }> {
    const q = new URLSearchParams({
      SERVICE: 'WMS', VERSION: '1.1.1', REQUEST: 'GetFeatureInfo', LAYERS: layer, QUERY_LAYERS: layer, STYLES: '', SRS: 'EPSG:4326',
      BBOX: [lon - 0.5, lat - 0.5, lon + 0.5, lat + 0.5].join(','), WIDTH: '101', HEIGHT: '101', X: '50', Y: '50', FORMAT: 'image/png', INFO_FORMAT: 'text/html',
    });
    const res = await fetch(`${origin}${PREFIX}/service?${KEY}&${q}`);
    assert.equal(res.status, 200);
    return { type: res.headers.get('content-type') ?? '', body: await res.text() };
  }

  /** Waits for the panel's answer to the click; returns what it holds. */
  async function panelAnswer(): Promise<{ state: string; srcdoc: string | null; sandbox: string | null; text: string }> {
    await page.waitFor(`['shown', 'failed'].includes(document.getElementById('featureinfo').dataset.state)`);
    return page.evaluate(`(() => {
      const panel = document.getElementById('featureinfo');
      const frame = panel.querySelector('iframe');
      return { state: panel.dataset.state, srcdoc: frame && frame.srcdoc, sandbox: frame && frame.getAttribute('sandbox'), text: panel.textContent };
    })()`);
  }

  it('WMS viewer: a click on a country shows its feature info as our WMS answers it, in a sandboxed frame', async () => {
    await openViewer('wms_layer=countries&format=image%2Fpng&srs=EPSG%3A4326');
    asked.length = 0;
    const point = await clickAt(10, 50);
    const shown = await panelAnswer();
    assert.equal(shown.state, 'shown', shown.text);

    // the browser asked our WMS 1.1.1, under the prefix, with the key, for the layer in HTML at one pixel
    const gfi = asked.filter((a) => /REQUEST=GetFeatureInfo/i.test(a));
    assert.equal(gfi.length, 1, asked.join('\n'));
    const params = new URLSearchParams(gfi[0]!.split('?')[1]);
    assert.equal(gfi[0]!.split('?')[0], '/service');
    assert.equal(params.get('api_key'), 's3cret');
    assert.equal(params.get('VERSION'), '1.1.1');
    assert.equal(params.get('QUERY_LAYERS'), 'countries');
    assert.equal(params.get('INFO_FORMAT'), 'text/html');
    assert.ok(params.has('X') && params.has('Y'), gfi[0]);

    // the panel holds exactly what our WMS answers for that point: Freedonia's row, not Sylvania's
    const direct = await directFeatureInfo('countries', point);
    assert.match(direct.type, /^text\/html/);
    assert.match(direct.body, /Freedonia/);
    assert.equal(shown.srcdoc, direct.body);

    // the frame shows it, and the answer's script ran neither there nor in the demo page
    assert.match(shown.srcdoc!, /<script>document\.documentElement\.setAttribute/);
    let framed = { text: '', ran: null as string | null };
    for (let tries = 0; tries < 50 && !/Freedonia/.test(framed.text); tries++) {
      if (tries) await new Promise((r) => setTimeout(r, 100));
      framed = await page.evaluateInChildFrame(`({ text: document.body ? document.body.innerText : '', ran: document.documentElement.getAttribute('data-ran') })`);
    }
    assert.match(framed.text, /Freedonia/);
    assert.match(framed.text, /Fredonia City/);
    assert.doesNotMatch(framed.text, /Sylvania/);
    assert.equal(framed.ran, null);
    assert.equal(await page.evaluate(`document.body.getAttribute('data-leak')`), null);
    assert.equal(await page.evaluate(`document.getElementById('featureinfo').querySelectorAll('table').length`), 0);
    assert.equal(shown.sandbox, '');
  });

  it('WMTS viewer: a click asks through the REST FeatureInfo template and shows the same feature info', async () => {
    await openViewer('wmts_layer=countries_tiles&matrix_set=GLOBAL_WEBMERCATOR');
    asked.length = 0;
    const point = await clickAt(-60, -20);
    const shown = await panelAnswer();
    assert.equal(shown.state, 'shown', shown.text);
    const gfi = asked.filter((a) => /\.html\?/.test(a));
    assert.equal(gfi.length, 1, asked.join('\n'));
    assert.match(gfi[0]!, /^\/wmts\/countries_tiles\/GLOBAL_WEBMERCATOR\/\d+\/\d+\/\d+\/\d+\/\d+\.html\?api_key=s3cret$/);
    const direct = await directFeatureInfo('countries', point);
    assert.match(direct.body, /Sylvania/);
    assert.equal(shown.srcdoc, direct.body);
  });

  it('a click on a layer that is not queryable sends no GetFeatureInfo', async () => {
    await openViewer('wms_layer=plain&format=image%2Fpng&srs=EPSG%3A4326');
    assert.equal(await page.evaluate(`document.getElementById('featureinfo')`), null);
    await page.evaluate(`window.clicks = 0; map.on('singleclick', () => { window.clicks++; }); true`);
    asked.length = 0;
    await clickAt(10, 50);
    // OpenLayers has seen the click as a single click (it waits 250 ms for a second one)...
    await page.waitFor('window.clicks === 1');
    await new Promise((r) => setTimeout(r, 500));
    // ...and nothing asked for feature info
    assert.deepEqual(asked.filter((a) => /GetFeatureInfo/i.test(a)), []);
  });
});
