// Self-test of test/support/clients.ts: GDAL and OWSLib read MapProxy 1.15 (the reference).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_COLORS } from '../support/mapserver.js';
import { serveUpstreamConfig } from '../support/upstream-fixture.js';
import { startReferenceMapProxy } from '../support/mapproxy-reference.js';
import { gdalinfo, gdalTranslate, gdalWmsDsn, gdalWmsLayerDsn, gdalWmtsDsn, owslibClient, subdatasets } from '../support/clients.js';
import { colorFraction, decodeImage } from '../support/images.js';

const WORLD_3857 = [-20037508.34, -20037508.34, 20037508.34, 20037508.34];

describe('client wrappers against MapProxy 1.15', () => {
  const up = serveUpstreamConfig(startReferenceMapProxy);

  it('gdalinfo lists WMS layers as subdatasets and gdal_translate fetches a map', async () => {
    const info = await gdalinfo(gdalWmsDsn(`${up.server.url}/service`, '1.1.1'));
    assert.equal(info.driverShortName, 'WMS');
    assert.deepEqual(subdatasets(info).map((s) => s.desc), ['Areas (cached)', 'Lines and points (direct)', 'Areas and lines', 'Areas (JPEG cache)']);
    const png = await gdalTranslate(gdalWmsLayerDsn(`${up.server.url}/service`, '1.1.1', 'areas_cached', 'EPSG:3857', WORLD_3857), ['-outsize', '256', '256']);
    const img = await decodeImage(png);
    assert.deepEqual([img.width, img.height], [256, 256]);
    assert.ok(colorFraction(img, TEST_COLORS.redArea, 30) > 0.002);
  });

  it('gdalinfo opens a WMTS layer', async () => {
    const info = await gdalinfo(gdalWmtsDsn(`${up.server.url}/wmts/1.0.0/WMTSCapabilities.xml`, 'areas_cached', 'GLOBAL_WEBMERCATOR'));
    assert.equal(info.driverShortName, 'WMTS');
    assert.ok(Math.abs(info.geoTransform![0] + 20037508.34) < 1);
  });

  it('OWSLib reads WMS capabilities and fetches a map', async () => {
    const caps = await owslibClient.wmsCapabilities(`${up.server.url}/service`, '1.3.0');
    assert.equal(caps.version, '1.3.0');
    assert.ok(caps.layers.areas_cached.crs.includes('EPSG:3857'));
    const map = await owslibClient.wmsGetMap(`${up.server.url}/service`, '1.3.0',
      { layers: ['combined'], srs: 'EPSG:3857', bbox: WORLD_3857, size: [256, 256], format: 'image/png' });
    assert.equal(map.contentType, 'image/png');
    assert.ok(colorFraction(await decodeImage(map.bytes), TEST_COLORS.line, 30) > 0.005);
  });

  it('OWSLib reads WMTS capabilities and fetches a tile', async () => {
    const url = `${up.server.url}/service?SERVICE=WMTS&REQUEST=GetCapabilities`;
    const caps = await owslibClient.wmtsCapabilities(url);
    assert.deepEqual(caps.layers.areas_cached.tilematrixsets, ['GLOBAL_WEBMERCATOR']);
    const tile = await owslibClient.wmtsGetTile(url, { layer: 'areas_cached', tilematrixset: 'GLOBAL_WEBMERCATOR',
      tilematrix: '02', row: 1, column: 2 });
    assert.equal(tile.contentType, 'image/png');
    assert.ok(colorFraction(await decodeImage(tile.bytes), TEST_COLORS.redArea) > 0.05);
  });
});
