// Real clients against mapproxy-ts served over HTTP (node:http adapter): GDAL and OWSLib read the
// WMS 1.1.1 / 1.3.0 and WMTS capabilities and fetch maps and tiles; the capabilities are schema-valid.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_COLORS } from '../support/mapserver.js';
import { serveUpstreamConfig } from '../support/upstream-fixture.js';
import { gdalinfo, gdalTranslate, gdalWmsDsn, gdalWmsLayerDsn, gdalWmtsDsn, owslibClient, subdatasets } from '../support/clients.js';
import { colorFraction, decodeImage } from '../support/images.js';
import { validateXml } from '../support/xml-schema.js';
import { startOurServer } from '../support/our-app.js';

const WORLD_3857 = [-20037508.34, -20037508.34, 20037508.34, 20037508.34];
const LAYER_TITLES = ['Areas (cached)', 'Lines and points (direct)', 'Areas and lines', 'Areas (JPEG cache)'];

describe('clients against mapproxy-ts', () => {
  const up = serveUpstreamConfig(startOurServer);

  for (const version of ['1.1.1', '1.3.0'] as const) {
    it(`GDAL reads WMS ${version} capabilities and fetches a map`, async () => {
      const info = await gdalinfo(gdalWmsDsn(`${up.server.url}/service`, version));
      assert.equal(info.driverShortName, 'WMS');
      assert.deepEqual(subdatasets(info).map((s) => s.desc), LAYER_TITLES);
      const png = await gdalTranslate(gdalWmsLayerDsn(`${up.server.url}/service`, version, 'combined', 'EPSG:3857', WORLD_3857),
        ['-outsize', '256', '256']);
      const img = await decodeImage(png);
      assert.deepEqual([img.width, img.height], [256, 256]);
      assert.ok(colorFraction(img, TEST_COLORS.redArea, 30) > 0.002, 'red area');
      assert.ok(colorFraction(img, TEST_COLORS.line, 30) > 0.005, 'lines');
    });

    it(`OWSLib reads WMS ${version} capabilities and fetches a map`, async () => {
      const caps = await owslibClient.wmsCapabilities(`${up.server.url}/service`, version);
      assert.equal(caps.version, version);
      assert.equal(caps.title, 'mapproxy-ts integration test');
      assert.deepEqual(Object.keys(caps.layers).sort(), ['areas_cached', 'areas_jpeg', 'combined', 'lines_direct']);
      for (const srs of ['EPSG:4326', 'EPSG:3857', 'EPSG:900913', 'EPSG:25832', 'EPSG:31467']) {
        assert.ok(caps.layers.areas_cached.crs.includes(srs), srs);
      }
      assert.ok(caps.getmap_formats.includes('image/png') && caps.getmap_formats.includes('image/jpeg'));
      const map = await owslibClient.wmsGetMap(`${up.server.url}/service`, version,
        { layers: ['areas_cached'], srs: 'EPSG:3857', bbox: WORLD_3857, size: [256, 256], format: 'image/png' });
      assert.equal(map.contentType, 'image/png');
      const img = await decodeImage(map.bytes);
      assert.ok(colorFraction(img, TEST_COLORS.greenArea, 20) > 0.005);
    });
  }

  it('GDAL reads the WMTS capabilities and a layer', async () => {
    const caps = `${up.server.url}/wmts/1.0.0/WMTSCapabilities.xml`;
    const info = await gdalinfo(gdalWmtsDsn(caps));
    assert.deepEqual(subdatasets(info).map((s) => s.desc), ['Layer Areas (cached)', 'Layer Areas (JPEG cache)']);
    const layer = gdalWmtsDsn(caps, 'areas_cached', 'GLOBAL_WEBMERCATOR');
    const li = await gdalinfo(layer);
    assert.equal(li.driverShortName, 'WMTS');
    assert.ok(Math.abs(li.geoTransform![0] + 20037508.34) < 1);
    const png = await gdalTranslate(layer, ['-outsize', '256', '256']);
    assert.ok(colorFraction(await decodeImage(png), TEST_COLORS.redArea, 30) > 0.002);
  });

  it('OWSLib reads the WMTS capabilities and fetches a tile', async () => {
    const url = `${up.server.url}/service?SERVICE=WMTS&REQUEST=GetCapabilities`;
    const caps = await owslibClient.wmtsCapabilities(url);
    assert.deepEqual(Object.keys(caps.layers).sort(), ['areas_cached', 'areas_jpeg']);
    assert.deepEqual(caps.layers.areas_jpeg.formats, ['image/jpeg']);
    const matrices = caps.tilematrixsets.GLOBAL_WEBMERCATOR.matrices;
    assert.equal(matrices[0].width, 1);
    assert.equal(matrices[2].width, 4);
    const tile = await owslibClient.wmtsGetTile(url, { layer: 'areas_cached', tilematrixset: 'GLOBAL_WEBMERCATOR',
      tilematrix: matrices[2].id, row: 1, column: 2 });
    assert.equal(tile.contentType, 'image/png');
    assert.ok(colorFraction(await decodeImage(tile.bytes), TEST_COLORS.redArea) > 0.05);
  });

  it('publishes schema-valid capabilities', async () => {
    const text = async (path: string) => (await fetch(up.server.url + path)).text();
    const cases = [
      ['/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0', 'wms-1.3.0-capabilities'],
      ['/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.1.1', 'wms-1.1.1-capabilities'],
      ['/wmts/1.0.0/WMTSCapabilities.xml', 'wmts-1.0-capabilities'],
    ] as const;
    for (const [path, schema] of cases) {
      const result = await validateXml(await text(path), schema);
      assert.deepEqual(result, { valid: true, errors: [] }, `${path}\n${result.errors.join('\n')}`);
    }
  });
});
