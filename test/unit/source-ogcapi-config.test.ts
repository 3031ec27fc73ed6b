import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../src/core/config/errors.js';
import { loadConfig } from '../../src/core/config/load-config.js';
import type { OgcApiMapsSourceConfig, OgcApiTilesSourceConfig } from '../../src/core/config/types.js';
import { upstreamCreationLimit } from '../../src/core/seed/upstream-limit.js';

/* How `type: ogcapitiles` and `type: ogcapimaps` are read: MapProxy 7's keys, errors at their key path. */

const dir = mkdtempSync(join(tmpdir(), 'ogcapi-source-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function load(sources: string, layerSource = 'c') {
  const file = join(dir, `mapproxy-${n++}.yaml`);
  writeFileSync(file, `services:\n  wms:\nlayers:\n  - {name: l, title: l, sources: [${layerSource}]}
caches:\n  c: {grids: [GLOBAL_WEBMERCATOR], sources: [ot, om]}
sources:
${sources}`);
  return () => loadConfig(file, { env: {} });
}

const BASE = `  ot: {type: ogcapitiles, landingpage_url: 'http://h:8080/ogcapi/'}
  om: {type: ogcapimaps, landingpage_url: 'http://h:8080/ogcapi'}
`;

describe('ogcapitiles and ogcapimaps configuration', () => {
  it('reads every option of MapProxy 7, plus http and on_error', () => {
    const { config } = load(`  ot:
    type: ogcapitiles
    landingpage_url: 'http://h:8080/ogcapi/'
    collection: osm
    tile_matrix_set_id: WebMercatorQuad
    image: {format: image/jpeg}
    coverage: {bbox: [0, 40, 20, 60], srs: 'EPSG:4326'}
    http: {client_timeout: 3}
    on_error: {404: {response: transparent, cache: true}}
  om:
    type: ogcapimaps
    landingpage_url: 'http://h:8080/ogcapi'
    supported_srs: ['EPSG:3857']
    transparent: true
    bgcolor: '#ff00ff80'
    image: {transparent_color: '#ffffff', transparent_color_tolerance: 10}
    min_res: 1000
`)();
    const ot = config.sources['ot'] as OgcApiTilesSourceConfig;
    assert.equal(ot.landingpageUrl, 'http://h:8080/ogcapi');
    assert.equal(ot.collection, 'osm');
    assert.equal(ot.tileMatrixSetId, 'WebMercatorQuad');
    assert.equal(ot.imageOptions.format, 'image/jpeg');
    assert.equal(ot.http.clientTimeout, 3);
    assert.deepEqual(ot.onError, [{ status: 404, color: [255, 255, 255, 0], cache: true, authorizeStale: false }]);
    assert.equal(ot.coverage?.type, 'bbox');
    const om = config.sources['om'] as OgcApiMapsSourceConfig;
    assert.equal(om.collection, undefined);
    assert.deepEqual(om.supportedSrs, ['EPSG:3857']);
    assert.equal(om.transparent, true);
    assert.equal(om.imageOptions.transparent, true);
    assert.deepEqual(om.bgcolor, [255, 0, 255, 128]);
    assert.deepEqual(om.transparentColor, [255, 255, 255]);
    assert.equal(om.transparentColorTolerance, 10);
    assert.equal(om.resRange?.minRes, 1000);
  });

  it('names the key of a missing landing page, a bad colour or an unknown option', () => {
    const error = (yaml: string, re: RegExp) =>
      assert.throws(load(yaml), (e: unknown) => e instanceof ConfigError && re.test(e.message), re.source);
    error(BASE.replace("landingpage_url: 'http://h:8080/ogcapi/'", 'collection: x'), /sources\.ot\.landingpage_url: missing required value/);
    error(BASE.replace("landingpage_url: 'http://h:8080/ogcapi'}", "landingpage_url: x, bgcolor: reddish}"), /sources\.om\.bgcolor: expected a color/);
    const { warnings } = load(BASE.replace("'http://h:8080/ogcapi/'}", "'http://h:8080/ogcapi/', tile_matrix: x}"))();
    assert.ok(warnings.some((w) => w.includes('sources.ot.tile_matrix: unknown option')), warnings.join('\n'));
  });

  it('refuses an ogcapitiles source used by a layer directly: it answers single tiles only', () => {
    assert.throws(load(BASE, 'ot'), (e: unknown) => e instanceof ConfigError && /is a tile source and does not support un-tiled access/.test(e.message));
    assert.doesNotThrow(load(BASE, 'om'));
  });

  it("counts the landing page's host in the seeder's per-host limit of concurrent_requests", () => {
    const { config } = load(BASE.replace("'http://h:8080/ogcapi/'}", "'http://h:8080/ogcapi/', concurrent_requests: 4}").replace("'http://h:8080/ogcapi'}", "'http://h:8080/ogcapi', concurrent_requests: 4}"))();
    // two requests to h:8080 per meta tile, four at a time: two meta tiles at once
    assert.equal(upstreamCreationLimit(config, 'c'), 2);
  });

  it('reads coverages in the IAU CRS of other worlds (the Moon here)', () => {
    const moon = load(`${BASE}  other:\n    type: ogcapimaps\n    landingpage_url: x\n    coverage: {bbox: [-180, -90, 180, 90], srs: 'IAU_2015:30100'}\n`);
    assert.doesNotThrow(moon);
  });
});
