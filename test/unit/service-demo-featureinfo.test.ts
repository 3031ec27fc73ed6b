// The demo's feature-info click (our extension of MapProxy's demo): the script and its panel are on the viewer
// page of a queryable layer only, ask in the format the service offers, and keep the URL prefix and the
// forwarded query. The browser test (test/integration/demo-featureinfo-browser.test.ts) clicks for real.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_GRIDS } from '../../src/core/geo/grid.js';
import { demoInfoFormat, jsLiteral } from '../../src/core/service/demo/featureinfo-click.js';
import { DemoService } from '../../src/core/service/demo/service.js';
import type { DemoOptions } from '../../src/core/service/demo/options.js';
import { request, solidLayer, tileLayer, wmsLayer } from './service-fakes.js';

const text = (r: { body: Buffer | string }) => r.body.toString();
const noInfo = { getInfo: async () => null };

describe('demo feature info click', () => {
  const queryable = { ...wmsLayer('countries', { mapLayers: [solidLayer([255, 0, 0])], bbox: [5, 45, 15, 55] }), queryable: true };
  const plain = wmsLayer('plain', { mapLayers: [solidLayer([0, 255, 0])], bbox: [5, 45, 15, 55] });
  const root = wmsLayer(undefined, { children: [queryable, plain] });
  const infoTiles = { ...tileLayer('countries_tiles', DEFAULT_GRIDS.GLOBAL_WEBMERCATOR), infoSources: [noInfo] };
  const plainTiles = tileLayer('plain_tiles', DEFAULT_GRIDS.GLOBAL_WEBMERCATOR);
  const options = (wmsInfo: string[], wmts: Partial<NonNullable<DemoOptions['wmts']>> = {}): DemoOptions => ({
    wms: { rootLayer: root, srs: ['EPSG:4326'], imageFormats: ['image/png'], infoFormats: wmsInfo },
    wmts: {
      layers: [infoTiles, plainTiles],
      restful: true,
      kvp: true,
      infoFormats: [{ mimetype: 'text/plain', suffix: 'txt' }, { mimetype: 'text/html', suffix: 'html' }],
      ...wmts,
    },
  });
  const page = async (demo: DemoService, p: string, headers: Record<string, string> = {}) => text(await demo.handle(request(p, headers), '/demo/'));
  const demo = new DemoService(options(['text/plain', 'text/html', 'application/vnd.ogc.gml']));

  it('puts the click script and the panel on the WMS viewer of a queryable layer only', async () => {
    const q = await page(demo, '/demo/?wms_layer=countries&srs=EPSG%3A4326');
    assert.match(q, /map\.on\('singleclick'/);
    assert.match(q, /getFeatureInfoUrl\(evt\.coordinate, map\.getView\(\)\.getResolution\(\), projection, \{INFO_FORMAT: "text\/html"\}\)/);
    assert.match(q, /<div id="featureinfo" data-state="idle"><\/div>/);
    // the answer is shown in a sandboxed iframe through srcdoc or as text, never parsed into the page
    assert.match(q, /setAttribute\('sandbox', ''\)/);
    assert.match(q, /\.srcdoc = body/);
    assert.match(q, /\.textContent = body/);
    assert.doesNotMatch(q, /innerHTML|insertAdjacentHTML|document\.write/);
    const p = await page(demo, '/demo/?wms_layer=plain&srs=EPSG%3A4326');
    assert.match(p, /new ol\.Map/);
    assert.doesNotMatch(p, /singleclick|getFeatureInfoUrl|id="featureinfo"|Feature info/);
  });

  it('asks in text/plain when the service offers no HTML, and not at all without text or HTML', async () => {
    const textOnly = new DemoService(options(['text/plain', 'application/vnd.ogc.gml']));
    assert.match(await page(textOnly, '/demo/?wms_layer=countries&srs=EPSG%3A4326'), /\{INFO_FORMAT: "text\/plain"\}/);
    const xmlOnly = new DemoService(options(['application/vnd.ogc.gml']));
    assert.doesNotMatch(await page(xmlOnly, '/demo/?wms_layer=countries&srs=EPSG%3A4326'), /singleclick/);
    assert.equal(demoInfoFormat(['application/json', 'text/html', 'text/plain']), 'text/html');
    assert.equal(demoInfoFormat([]), undefined);
  });

  it('clicks through the WMTS REST FeatureInfo template under the URL prefix, with the forwarded query', async () => {
    const q = await page(demo, '/demo/?wmts_layer=countries_tiles&matrix_set=GLOBAL_WEBMERCATOR&api_key=k%261', { 'x-script-name': '/mp' });
    assert.match(q, /map\.on\('singleclick'/);
    assert.ok(q.includes(`${jsLiteral('http://localhost/mp/wmts/countries_tiles/GLOBAL_WEBMERCATOR/{TileMatrix}/{TileCol}/{TileRow}/{I}/{J}.{InfoFormat}?api_key=k%261')}.replace(`), q);
    assert.match(q, /replace\('\{InfoFormat\}', "html"\)/);
    assert.doesNotMatch(await page(demo, '/demo/?wmts_layer=plain_tiles&matrix_set=GLOBAL_WEBMERCATOR'), /singleclick|id="featureinfo"/);
  });

  it('clicks through WMTS KVP when the service is not RESTful, and not without info formats', async () => {
    const kvp = new DemoService(options(['text/html'], { restful: false }));
    const q = await page(kvp, '/demo/?wmts_layer=countries_tiles&matrix_set=GLOBAL_WEBMERCATOR&token=t');
    assert.match(q, /REQUEST: 'GetFeatureInfo'/);
    assert.match(q, /INFOFORMAT: "text\/html"/);
    assert.ok(q.includes(`const base = ${jsLiteral('http://localhost/service?token=t')};`), q);
    const none = new DemoService(options(['text/html'], { infoFormats: [] }));
    assert.doesNotMatch(await page(none, '/demo/?wmts_layer=countries_tiles&matrix_set=GLOBAL_WEBMERCATOR'), /singleclick/);
  });

  it('the WMS click keeps the prefix and the forwarded query of the ImageWMS URL', async () => {
    const q = await page(demo, '/demo/?wms_layer=countries&srs=EPSG%3A4326&api_key=secret', { 'x-script-name': '/mp' });
    // OpenLayers builds the GetFeatureInfo URL from the source's own URL
    assert.match(q, /ImageWMS\(\{url: "http:\/\/localhost\/mp\/service\?api_key=secret"/);
  });

  it('writes literals that cannot end the script element', () => {
    assert.equal(jsLiteral('</script><b>'), '"\\u003c/script>\\u003cb>"');
  });
});
