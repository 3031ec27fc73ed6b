// The default configuration (config/mapproxy.yaml) serves the world map rendered by MapServer
// (`type: mapserver` source, config/world.map) and the debug layer, with no network access.
// It runs on a copy of config/ so the test leaves no cache behind in the checkout.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/configs.js';
import { colorFraction, decodeImage } from '../support/images.js';
import { REPO_ROOT } from '../support/xml-schema.js';
import { createApp, get, type OurApp } from '../support/our-app.js';

const OCEAN = [170, 211, 223];
const LAND = [242, 239, 233];

describe('default configuration', () => {
  let dir: string;
  let app: OurApp;
  before(async () => {
    dir = tempDir();
    cpSync(join(REPO_ROOT, 'config'), dir, { recursive: true, filter: (src) => !src.includes('cache_data') });
    app = await createApp(join(dir, 'mapproxy.yaml'));
  });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('publishes the world and debug layers', async () => {
    const res = await get(app, '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0');
    assert.equal(res.status, 200);
    const xml = res.body.toString();
    for (const name of ['world', 'debug']) assert.ok(xml.includes(`<Name>${name}</Name>`), name);
    for (const srs of ['EPSG:4326', 'EPSG:3857', 'EPSG:900913', 'EPSG:25832']) assert.ok(xml.includes(srs), srs);
  });

  it('renders and caches world tiles: ocean and land', async () => {
    const res = await get(app, '/tms/1.0.0/world/GLOBAL_WEBMERCATOR/0/0/0.png');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'image/png');
    const img = await decodeImage(res.body);
    assert.ok(colorFraction(img, OCEAN, 12) > 0.3, 'ocean');
    assert.ok(colorFraction(img, LAND, 12) > 0.1, 'land');
    assert.ok(existsSync(join(dir, 'cache_data')), 'cache in ./cache_data next to the config');
    assert.ok(readdirSync(join(dir, 'cache_data')).some((d) => d.startsWith('world_cache')));
  });

  it('serves the world in EPSG:25832 and the debug layer', async () => {
    const res = await get(app, '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=world,debug&STYLES=' +
      '&SRS=EPSG:25832&BBOX=200000,5200000,900000,6200000&WIDTH=280&HEIGHT=400&FORMAT=image/png');
    assert.equal(res.status, 200);
    const img = await decodeImage(res.body);
    assert.ok(colorFraction(img, LAND, 12) > 0.5, 'mostly land (Germany)');
    assert.ok(colorFraction(img, OCEAN, 12) > 0.02, 'some sea (North Sea, Baltic)');
  });
});
