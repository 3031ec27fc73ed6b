// Self-test of test/support/xml-schema.ts on MapProxy 1.15's own documents.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startReferenceMapProxy, type ReferenceMapProxy } from '../support/mapproxy-reference.js';
import { tempDir, writeConfig } from '../support/configs.js';
import { validateXml } from '../support/xml-schema.js';

const CONFIG = `
services:
  wms:
    srs: ['EPSG:4326', 'EPSG:3857']
  wmts:
layers:
  - name: dbg
    title: Debug layer
    sources: [dbg_cache]
caches:
  dbg_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [dbg]
    disable_storage: true
sources:
  dbg: {type: debug}
`;

describe('XML schema validation', () => {
  let ref: ReferenceMapProxy;
  let dir: string;
  const fetchText = async (path: string) => (await fetch(ref.url + path)).text();
  before(async () => {
    dir = tempDir();
    ref = await startReferenceMapProxy(writeConfig(dir, CONFIG));
  });
  after(async () => {
    await ref?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('accepts MapProxy 1.15 WMS 1.3.0 capabilities and rejects a mutated copy', async () => {
    const caps = await fetchText('/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0');
    assert.deepEqual(await validateXml(caps, 'wms-1.3.0-capabilities'), { valid: true, errors: [] });
    const mutated = caps.replace('<Title>Debug layer</Title>', '<Titel>Debug layer</Titel>');
    assert.notEqual(mutated, caps);
    const result = await validateXml(mutated, 'wms-1.3.0-capabilities');
    assert.equal(result.valid, false);
    assert.ok(result.errors.some((e) => e.includes('Titel')), result.errors.join('\n'));
  });

  it('validates WMS 1.1.1 capabilities against the DTD', async () => {
    const caps = await fetchText('/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.1.1');
    assert.equal((await validateXml(caps, 'wms-1.1.1-capabilities')).valid, true);
    const mutated = caps.replace(/<LatLonBoundingBox /, '<LatLonBox ');
    assert.equal((await validateXml(mutated, 'wms-1.1.1-capabilities')).valid, false);
  });

  it('validates WMTS capabilities and WMS exceptions', async () => {
    const wmts = await fetchText('/wmts/1.0.0/WMTSCapabilities.xml');
    assert.equal((await validateXml(wmts, 'wmts-1.0-capabilities')).valid, true);
    assert.equal((await validateXml(wmts.replace(/<TileMatrix>/, '<TileMatrx>'), 'wmts-1.0-capabilities')).valid, false);
    const exc = await fetchText('/service?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=nope&CRS=EPSG:3857' +
      '&BBOX=0,0,1,1&WIDTH=1&HEIGHT=1&FORMAT=image/png&STYLES=');
    assert.match(exc, /LayerNotDefined/);
    assert.equal((await validateXml(exc, 'wms-1.3.0-exception')).valid, true);
  });

  it('rejects documents that are not well-formed', async () => {
    const r = await validateXml('<WMS_Capabilities><Service>', 'wms-1.3.0-capabilities');
    assert.equal(r.valid, false);
    assert.ok(r.errors.length > 0);
  });
});
