// WMTS capabilities LegendURL as MapProxy 7 writes it (MapProxy 1.15 has none): wmts_kvp_legendurl and
// wmts_rest_legendurl with {base_url} and {layer_name}, and for layers with `legendurl` the WMS
// GetLegendGraphic of the highest configured WMS version where neither is set.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { tempDir, writeConfig } from '../support/configs.js';
import { createApp, get, type OurApp } from '../support/our-app.js';
import { wmtsLegendUrls } from '../../src/core/service/wmts/legend-urls.js';

const CONFIG = `
services:
  wms: {versions: ['1.1.1', '1.3.0']}
  wmts: {restful: true, kvp: true}
sources:
  dbg: {type: debug}
caches:
  c: {grids: [GLOBAL_WEBMERCATOR], sources: [dbg], cache: {type: file, directory: ./cache/c}}
layers:
  - {name: with_legend, title: Legend file, legendurl: 'file://legend.png', sources: [c]}
  - name: custom
    title: Own templates
    sources: [c]
    wmts_kvp_legendurl: '{base_url}/legends/{layer_name}.png?a=1&amp;b=2'
    wmts_rest_legendurl: 'http://legends.example/{layer_name}?x=1&y=<2>'
  - {name: partial, title: Only REST set, legendurl: 'file://legend.png', sources: [c], wmts_rest_legendurl: '{base_url}/own/{layer_name}.png'}
  - {name: none, title: No legend, sources: [c]}
`;

function legendOf(caps: string, layer: string): string | null {
  const block = new RegExp(`<ows:Identifier>${layer}</ows:Identifier>\\s*<Style>([\\s\\S]*?)</Style>`).exec(caps)?.[1] ?? '';
  return /<LegendURL\s+format="image\/png"\s+xlink:href="([^"]*)"\s*\/>/.exec(block)?.[1] ?? null;
}

describe('WMTS LegendURL', () => {
  let dir: string;
  let app: OurApp;
  before(async () => {
    dir = tempDir('legend-wmts-');
    writeFileSync(join(dir, 'legend.png'), await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } }).png().toBuffer());
    app = await createApp(writeConfig(dir, CONFIG));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the KVP templates with the KVP base URL', async () => {
    const caps = (await get(app, '/service?SERVICE=WMTS&REQUEST=GetCapabilities')).body.toString();
    assert.equal(legendOf(caps, 'with_legend'),
      'http://localhost/service?service=WMS&amp;request=GetLegendGraphic&amp;version=1.3.0&amp;format=image%2Fpng&amp;layer=with_legend');
    assert.equal(legendOf(caps, 'custom'), 'http://localhost/legends/custom.png?a=1&amp;b=2');
    assert.equal(legendOf(caps, 'partial'),
      'http://localhost/service?service=WMS&amp;request=GetLegendGraphic&amp;version=1.3.0&amp;format=image%2Fpng&amp;layer=partial');
    assert.equal(legendOf(caps, 'none'), null);
  });

  it('writes the REST templates with the REST base URL, escaped where the template would break the document', async () => {
    const caps = (await get(app, '/wmts/1.0.0/WMTSCapabilities.xml')).body.toString();
    assert.equal(legendOf(caps, 'custom'), 'http://legends.example/custom?x=1&amp;y=&lt;2&gt;');
    assert.equal(legendOf(caps, 'partial'), 'http://localhost/own/partial.png');
    assert.equal(legendOf(caps, 'with_legend'),
      'http://localhost/service?service=WMS&amp;request=GetLegendGraphic&amp;version=1.3.0&amp;format=image%2Fpng&amp;layer=with_legend');
  });

  it('follows the WMS versions as MapProxy 7 picks them', () => {
    const layer = { legendurl: 'file:///x.png' };
    assert.match(wmtsLegendUrls(layer, []).kvp!, /version=1\.3\.0/);
    assert.match(wmtsLegendUrls(layer, ['1.3.0', '1.1.1', '1.0.0']).rest!, /version=1\.3\.0/);
    assert.match(wmtsLegendUrls(layer, ['1.1.1', '1.0.0']).rest!, /version=1\.1\.1/);
    // without a WMS service there is no GetLegendGraphic to point at
    assert.deepEqual(wmtsLegendUrls(layer, null), {});
  });
});
