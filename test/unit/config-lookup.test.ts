import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config/load-config.js';
import type { CacheConfig } from '../../src/core/config/types.js';
import type { FileBackendOptions } from '../../src/core/cache/file-cache.js';
import { MINIMAL, writeConfigDir } from './config-helpers.js';

const CACHES = `
caches:
  local:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [osm_wms]
    meta_size: [2, 3]
    meta_buffer: 0
    concurrent_tile_creators: 1
    format: image/jpeg
    cache:
      type: file
      directory_layout: tms
      tile_lock_dir: ./locks
  from_globals:
    grids: [GLOBAL_WEBMERCATOR, GLOBAL_GEODETIC]
    sources: [osm_wms]
    cache_dir: ./other
  defaults:
    sources: []
    format: png8
    cache:
      use_grid_names: true
`;

const GLOBALS = `
globals:
  cache:
    meta_size: [8, 8]
    base_dir: ./data
  http:
    client_timeout: 5
    headers: {User-Agent: mapproxy-ts}
  image:
    formats:
      png8:
        format: image/png
        colors: 16
`;

function load() {
  const dir = writeConfigDir({ 'mapproxy.yaml': MINIMAL.replace('[osm_cache]', '[local]').replace(/\ncaches:\n(.|\n)*?\nsources:/, `${CACHES}\nsources:`) + GLOBALS });
  return { dir, ...loadConfig(join(dir, 'mapproxy.yaml'), { env: {} }) };
}

test('cache options: local key, then globals, then built-in defaults', () => {
  const { config } = load();
  const { local, from_globals, defaults } = config.caches;
  assert.deepEqual(local?.metaSize, [2, 3]);
  assert.equal(local?.metaBuffer, 0, 'a local 0 is a value, not missing');
  assert.equal(local?.concurrentTileCreators, 1);
  assert.deepEqual(from_globals?.metaSize, [8, 8]);
  assert.equal(from_globals?.metaBuffer, 80);
  assert.equal(from_globals?.concurrentTileCreators, 2);
  assert.equal(from_globals?.bulkMetaTiles, false);
  assert.equal(from_globals?.maxTileLimit, 500);
  // nothing local: the globals' meta_size, the built-in meta_buffer, the format as configured
  assert.deepEqual(defaults?.metaSize, [8, 8]);
  assert.equal(defaults?.metaBuffer, 80);
  assert.equal(defaults?.format, 'png8');
});

/** The file backend's options of a cache (fails the test for another backend). */
function fileOptions(cache: CacheConfig | undefined): FileBackendOptions {
  assert.equal(cache?.backend.type, 'file');
  return (cache?.backend as { options: FileBackendOptions }).options;
}

test('cache directories and locks resolve like MapProxy, relative to the main config dir', () => {
  const { config, dir } = load();
  const { local, from_globals, defaults } = config.caches;
  assert.equal(local?.cacheDir, `${dir}/./data`);
  assert.equal(local?.tileLockDir, `${dir}/./locks`);
  assert.equal(fileOptions(local).directoryLayout, 'tms');
  assert.deepEqual(fileOptions(local).gridDirectories, {
    GLOBAL_WEBMERCATOR: `${dir}/./data/local_EPSG3857`,
  });
  assert.equal(from_globals?.tileLockDir, `${dir}/./other/tile_locks`);
  assert.deepEqual(fileOptions(from_globals).gridDirectories, {
    GLOBAL_WEBMERCATOR: `${dir}/./other/from_globals_EPSG3857`,
    GLOBAL_GEODETIC: `${dir}/./other/from_globals_EPSG4326`,
  });
  assert.deepEqual(defaults?.grids, ['GLOBAL_MERCATOR']);
  assert.deepEqual(fileOptions(defaults).gridDirectories, {
    GLOBAL_MERCATOR: `${dir}/./data/defaults/GLOBAL_MERCATOR`,
  });
  assert.equal(config.globals.cache.lockDir, `${dir}/./cache_data/tile_locks`);
});

test('image options: custom formats, paletted PNG, unknown format names fall back to image/png', () => {
  const { config } = load();
  assert.deepEqual(config.caches['local']?.image, { format: 'image/jpeg', resampling: 'bicubic', encodingOptions: {} });
  assert.equal(config.caches['local']?.fileExt, 'jpeg');
  assert.equal(config.caches['from_globals']?.image.colors, 256, 'PNG is paletted by default');
  assert.equal(config.caches['defaults']?.image.format, 'image/png');
  assert.equal(config.caches['defaults']?.image.colors, 16, 'from globals.image.formats.png8');
  assert.equal(config.caches['defaults']?.requestFormat, 'png8');
});

test('source http options: local http key, then globals.http, then defaults', () => {
  const dir = writeConfigDir({
    'mapproxy.yaml': MINIMAL + `
  tiles:
    type: tile
    grid: GLOBAL_WEBMERCATOR
    url: http://localhost/%(z)s/%(x)s/%(y)s.png
    http:
      client_timeout: 2
      method: GET
    min_scale: 1000
    max_scale: 100000
` + GLOBALS,
  });
  const { config } = loadConfig(join(dir, 'mapproxy.yaml'), { env: {} });
  const wms = config.sources['osm_wms']!;
  const tiles = config.sources['tiles']!;
  assert.ok(wms.type === 'wms' && tiles.type === 'tile');
  assert.equal(wms.http.clientTimeout, 5);
  assert.deepEqual(wms.http.headers, { 'User-Agent': 'mapproxy-ts' });
  assert.equal(wms.http.method, 'AUTO');
  assert.equal(wms.http.hideErrorDetails, true);
  assert.equal(tiles.http.clientTimeout, 2);
  assert.equal(tiles.http.method, 'GET');
  assert.deepEqual(tiles.http.headers, { 'User-Agent': 'mapproxy-ts' });
  assert.equal(wms.concurrentRequests, 0);
  // scales → resolutions with 0.28 mm pixels: min_res from max_scale
  assert.ok(Math.abs(tiles.resRange!.minRes! - 28) < 1e-9);
  assert.ok(Math.abs(tiles.resRange!.maxRes! - 0.28) < 1e-9);
});

test('grids: base inheritance, tile_size from globals.grid, built-ins available by name', () => {
  const dir = writeConfigDir({
    'mapproxy.yaml': MINIMAL + `
grids:
  webmerc:
    base: GLOBAL_WEBMERCATOR
    num_levels: 5
  utm:
    srs: EPSG:25832
    bbox: "300000,5000000,900000,6200000"
    origin: ul
    res_factor: sqrt2
    stretch_factor: 1.2
globals:
  grid:
    tile_size: [512, 512]
`,
  });
  const { config } = loadConfig(join(dir, 'mapproxy.yaml'), { env: {} });
  assert.deepEqual(config.grids['webmerc'], {
    name: 'webmerc', srs: 'EPSG:3857', tileSize: [512, 512], origin: 'nw', originConfigured: true, resFactor: 2,
    stretchFactor: 1.15, maxShrinkFactor: 4, numLevels: 5, base: 'GLOBAL_WEBMERCATOR', tileSizeConfigured: false,
  });
  assert.deepEqual(config.grids['utm']?.bbox, [300000, 5000000, 900000, 6200000]);
  assert.equal(config.grids['utm']?.origin, 'nw');
  assert.equal(config.grids['utm']?.resFactor, 'sqrt2');
  assert.equal(config.grids['utm']?.stretchFactor, 1.2);
  assert.equal(config.grids['GLOBAL_MERCATOR']?.srs, 'EPSG:900913');
  assert.equal(config.grids['GLOBAL_MERCATOR']?.origin, 'sw');
  assert.equal(config.grids['GLOBAL_GEODETIC']?.srs, 'EPSG:4326');
});

test('coverages: bbox with srs, WKT and GeoJSON files relative to the main config, union', () => {
  const dir = writeConfigDir({
    'cov/area.txt': 'POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))\nMULTIPOLYGON(((20 20, 30 20, 30 30, 20 20)))\n',
    'cov/area.geojson': JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[1, 2], [3, 2], [3, 4], [1, 2]]] } }] }),
    'sub/base.yaml': `
sources:
  cov_wms:
    type: wms
    req: {url: 'http://localhost/x', layers: a}
    coverage:
      union:
        - bbox: [5, 50, 10, 55]
          srs: 'EPSG:4326'
        - datasource: cov/area.txt
          srs: 'EPSG:4326'
        - datasource: cov/area.geojson
          srs: 'EPSG:3857'
          clip: true
`,
    'mapproxy.yaml': `base: sub/base.yaml\n${MINIMAL}`,
  });
  const { config } = loadConfig(join(dir, 'mapproxy.yaml'), { env: {} });
  const cov = config.sources['cov_wms']!.coverage!;
  assert.equal(cov.type, 'union');
  assert.ok(cov.type === 'union');
  const [bbox, wkt, geojson] = cov.parts;
  assert.deepEqual(bbox, { type: 'bbox', bbox: [5, 50, 10, 55], srs: 'EPSG:4326', clip: false });
  assert.ok(wkt?.type === 'polygons' && geojson?.type === 'polygons');
  assert.equal(wkt.polygons.length, 2);
  assert.deepEqual(wkt.bbox, [0, 0, 30, 30]);
  assert.equal(wkt.file, `${dir}/cov/area.txt`);
  assert.deepEqual(geojson.bbox, [1, 2, 3, 4]);
  assert.equal(geojson.clip, true);
  assert.equal(geojson.srs, 'EPSG:3857');
});
