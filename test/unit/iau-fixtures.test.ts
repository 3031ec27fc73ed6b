// MapProxy 7's own non-Earth test configurations, answered as MapProxy 7's system tests expect
// (test_service_ogcapi.py TestOGCAPIMapsAndTilesNonEarthService, test_source_ogcapimaps.py and
// test_source_ogcapitiles.py non-Earth classes): documents only, no upstream is asked.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/core/config/load-config.js';
import { createApp, get, type OurApp } from '../support/our-app.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/reference/mapproxy-fixtures/', import.meta.url));
const MOON = 'http://www.opengis.net/def/crs/IAU/2015/30100';
const MOON_EQC = 'http://www.opengis.net/def/crs/IAU/2015/30110';
const quiet = { log: { warn() {}, error() {} } };

describe('ogcapi_maps_and_tiles_non_earth_service.yaml', () => {
  let app: OurApp;
  before(async () => {
    app = await createApp(loadConfig(join(FIXTURES, 'ogcapi_maps_and_tiles_non_earth_service.yaml')), quiet);
  });
  after(() => app.runtime.close());

  it("describes the collection as MapProxy 7's test_collection expects, to the letter", async () => {
    const doc = JSON.parse((await get(app, '/ogcapi/collections/test')).body.toString());
    const link = (href: string, rel: string, title: string, type: string) => ({ href: `http://localhost/ogcapi/collections/test${href}`, rel, title, type });
    const MAP = 'http://www.opengis.net/def/rel/ogc/1.0/map';
    const TILESETS = 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-map';
    assert.deepEqual(doc, {
      crs: [MOON, MOON_EQC],
      dataType: 'map',
      extent: { spatial: { bbox: [[-180, -90, 180, 90]], crs: MOON } },
      id: 'test',
      links: [
        link('?f=json', 'self', 'The JSON representation of this data collection', 'application/json'),
        link('?f=html', 'alternate', 'The HTML representation of this data collection', 'text/html'),
        link('/map.png', MAP, 'Default map (as PNG)', 'image/png'),
        link('/map.jpg', MAP, 'Default map (as JPEG)', 'image/jpeg'),
        link('/map/tiles?f=json', TILESETS, 'Map tilesets available for this collection (as JSON)', 'application/json'),
        link('/map/tiles?f=html', TILESETS, 'Map tilesets available for this collection (as HTML)', 'text/html'),
      ],
      storageCrs: MOON,
      title: 'title',
    });
  });

  it('lists the moon_grid tileset only (test_tilesets), in IAU_2015:30100', async () => {
    const doc = JSON.parse((await get(app, '/ogcapi/collections/test/map/tiles')).body.toString());
    assert.deepEqual(doc.tilesets.map((t: { title: string; crs: string }) => [t.title, t.crs]), [['test with moon_grid tile matrix set', MOON]]);
    const hrefs = doc.tilesets[0].links.map((l: { href: string }) => l.href);
    assert.ok(hrefs.includes('http://localhost/ogcapi/tileMatrixSets/moon_grid?f=json'), hrefs.join(' '));
    assert.ok(hrefs.includes('http://localhost/ogcapi/collections/test/map/tiles/moon_grid/{tileMatrix}/{tileRow}/{tileCol}.png'), hrefs.join(' '));
  });

  it('refuses a map of the Moon layer in an Earth CRS, and an Earth bbox-crs (cannot be reprojected)', async () => {
    const crs = await get(app, `/ogcapi/collections/test/map?crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/4326')}`);
    assert.equal(crs.status, 400);
    assert.equal(JSON.parse(crs.body.toString()).detail, 'crs is incompatible with this layer');
    const bbox = await get(app, `/ogcapi/collections/test/map?bbox=-180,-90,180,90&bbox-crs=${encodeURIComponent('http://www.opengis.net/def/crs/OGC/1.3/CRS84')}`);
    assert.equal(bbox.status, 400);
    assert.match(JSON.parse(bbox.body.toString()).detail, /^bbox cannot be reprojected from CRS:84 to IAU_2015:30100: /);
  });
});

describe('ogcapimaps_non_earth_source.yaml and ogcapitiles_non_earth_source.yaml', () => {
  it('WMS 1.3.0 capabilities give the IAU_2015:30100 bounding box latitude first (test_capabilities)', async () => {
    const app = await createApp(loadConfig(join(FIXTURES, 'ogcapimaps_non_earth_source.yaml')), quiet);
    try {
      const caps = (await get(app, '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0')).body.toString();
      const m = /<BoundingBox CRS="IAU_2015:30100" minx="([^"]+)" miny="([^"]+)" maxx="([^"]+)" maxy="([^"]+)" \/>/.exec(caps);
      assert.ok(m, caps);
      assert.deepEqual(m.slice(1).map(Number), [-90, -180, 90, 180]);
    } finally {
      await app.runtime.close();
    }
  });

  it('WMTS serves the Moon grid latitude first from the north-west corner', async () => {
    const app = await createApp(loadConfig(join(FIXTURES, 'ogcapitiles_non_earth_source.yaml')), quiet);
    try {
      const caps = (await get(app, '/wmts/1.0.0/WMTSCapabilities.xml')).body.toString();
      assert.match(caps, /<ows:Identifier>moon_grid<\/ows:Identifier>\s*<ows:SupportedCRS>IAU_2015:30100<\/ows:SupportedCRS>/);
      assert.match(caps, /<TileMatrixSet>\s*<ows:Identifier>moon_grid[\s\S]*?<TopLeftCorner>90.0 -180.0<\/TopLeftCorner>/);
    } finally {
      await app.runtime.close();
    }
  });
});
