// GetLegendGraphic through the whole app in front of a small local WMS that answers legends as PNG and JSON:
// JSON legends as MapProxy 7's test_legendgraphic expects them, SCALE checks, failing sources, a group's
// legends in order, and the LegendURL size of a layer with several sources (MapProxy's legend_size).
import { after, before, describe, it } from 'node:test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { tempDir, writeConfig } from '../support/configs.js';
import { createApp, get, type OurApp } from '../support/our-app.js';

const SIZES: Record<string, [number, number]> = { foo: [40, 20], bar: [60, 10], spam: [30, 30] };

describe('GetLegendGraphic service', () => {
  let app: OurApp;
  let dir: string;
  const seen: string[] = [];

  let server: Server;
  after(() => {
    server?.closeAllConnections();
    server?.close();
  });

  before(async () => {
    server = createServer(async (req, res) => {
      const url = new URL(req.url!, 'http://x');
      seen.push(url.search);
      const layer = url.searchParams.get('layer') ?? '';
      if (layer === 'down') {
        res.writeHead(500).end('broken');
        return;
      }
      if (url.searchParams.get('format') === 'application/json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ Legend: [{ layerName: layer }] }));
        return;
      }
      const [width, height] = SIZES[layer] ?? [5, 5];
      const png = await sharp({ create: { width, height, channels: 3, background: { r: width, g: height, b: 0 } } }).png().toBuffer();
      res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = tempDir('legend-service-');
    app = await createApp(writeConfig(dir, `
globals:
  cache: {base_dir: ./cache}
services:
  wms: {}
sources:
  legend_src: {type: wms, req: {url: '${base}/service', layers: 'foo,bar'}, wms_opts: {legendgraphic: true}}
  legend_src_2: {type: wms, req: {url: '${base}/service', layers: spam}, wms_opts: {legendgraphic: true}}
  failing: {type: wms, req: {url: '${base}/service', layers: down}, wms_opts: {legendgraphic: true}}
layers:
  - {name: wms_legend, title: 'One source, two layers', sources: [legend_src]}
  - {name: wms_mult_sources, title: Two sources, sources: [legend_src, legend_src_2]}
  - {name: half, title: One source fails, sources: [failing, legend_src_2]}
  - name: group
    title: Group
    layers:
      - {name: g1, title: G1, sources: [legend_src_2]}
      - {name: g2, title: G2, sources: [legend_src]}
`), { log: { warn: () => {}, error: () => {} } as never });
  });

  const legend = (layer: string, extra = '') =>
    get(app, `/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetLegendGraphic&LAYER=${layer}&FORMAT=image/png${extra}`);
  const size = async (body: Buffer) => {
    const m = await sharp(body).metadata();
    return [m.width, m.height];
  };

  it('merges the JSON legends of a source\'s layers (MapProxy 7 test_legendgraphic)', async () => {
    seen.length = 0;
    const r = await get(app, '/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetLegendGraphic&LAYER=wms_legend&FORMAT=application/json&SLD_VERSION=1.1.0');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.body.toString(), '{"Legend": [{"layerName": "foo"}, {"layerName": "bar"}]}');
    assert.deepEqual(seen.map((q) => new URLSearchParams(q).get('format')), ['application/json', 'application/json']);
  });

  it('stacks two sources as high as both and as wide as the widest, and announces that size', async () => {
    const r = await legend('wms_mult_sources');
    assert.equal(r.status, 200);
    // foo over bar is legend_src (60 x 30), spam (30 x 30) on top of it
    assert.deepEqual(await size(r.body), [60, 60]);
    const caps = (await get(app, '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetCapabilities')).body.toString();
    assert.match(caps, /<Name>wms_mult_sources<\/Name>[\s\S]*?<LegendURL width="60" height="60">/);
    assert.match(caps, /<Name>wms_legend<\/Name>[\s\S]*?<LegendURL width="60" height="30">/);
    // a group without sources announces no LegendURL but answers with its layers' legends, the last on top
    assert.doesNotMatch(caps, /<Name>group<\/Name>\s*<Title>Group<\/Title>(?:(?!<Layer)[\s\S])*<LegendURL/);
    const group = await legend('group');
    assert.deepEqual(await size(group.body), [60, 60]);
    const raw = await sharp(group.body).ensureAlpha().raw().toBuffer();
    // the top row is g2's legend_src, whose own top is its last layer (bar: red 60); the bottom row g1's spam (red 30)
    assert.equal(raw[0], 60);
    assert.equal(raw[(59 * 60) * 4], 30);
  });

  it('draws a legend without a failing source and does not cache it', async () => {
    const before = readdirSync(join(dir, 'cache', 'legends')).length;
    const r = await legend('half', '&SCALE=1234');
    assert.equal(r.status, 200);
    // as in MapProxy, the failing source still gives its 1x1 blank legend below spam's
    assert.deepEqual(await size(r.body), [30, 31]);
    // spam at this scale is cached, the failing source is not
    assert.equal(readdirSync(join(dir, 'cache', 'legends')).length, before + 1);
  });

  it('refuses a SCALE that is not a number and a FORMAT the service has not', async () => {
    const bad = await legend('wms_legend', '&SCALE=big');
    assert.match(bad.body.toString(), /invalid scale big/);
    const fmt = await get(app, '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetLegendGraphic&LAYER=wms_legend&FORMAT=image/bmp&SLD_VERSION=1.1.0');
    assert.match(fmt.body.toString(), /code="InvalidFormat"/);
  });
});
