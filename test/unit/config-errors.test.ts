import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config/load-config.js';
import { ConfigError } from '../../src/core/config/errors.js';
import { MINIMAL, writeConfigDir } from './config-helpers.js';

function loadWith(extra: string, body = MINIMAL) {
  const dir = writeConfigDir({ 'mapproxy.yaml': body + extra });
  return { dir, file: join(dir, 'mapproxy.yaml'), load: () => loadConfig(join(dir, 'mapproxy.yaml'), { env: {} }) };
}

function assertConfigError(fn: () => unknown, file: string, ...parts: (string | RegExp)[]) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.ok(e.message.startsWith(file + ': '), `message names the file: ${e.message}`);
    for (const p of parts) assert.match(e.message, typeof p === 'string' ? new RegExp(p.replace(/[.[\]()]/g, '\\$&')) : p);
    return true;
  });
}

test('type errors name the file, the key path and what was expected', () => {
  const c = loadWith('', MINIMAL.replace('    sources: [osm_wms]\n', '    sources: [osm_wms]\n    meta_size: 4x4\n'));
  assertConfigError(c.load, c.file, 'caches.osm_cache.meta_size: expected a list', "'4x4'");
  const g = loadWith('globals:\n  http:\n    client_timeout: soon\n');
  assertConfigError(g.load, g.file, 'globals.http.client_timeout: expected a number');
  const l = loadWith('', MINIMAL.replace('    title: OSM\n', ''));
  assertConfigError(l.load, l.file, 'layers[0].title: missing required layer title');
  const s = loadWith('', MINIMAL.replace('    type: wms\n', ''));
  assertConfigError(s.load, s.file, 'sources.osm_wms.type: missing required source type');
  const o = loadWith('grids:\n  g:\n    origin: top\n');
  assertConfigError(o.load, o.file, "grids.g.origin: unknown origin value 'top'");
});

test('unknown keys are warnings with their key path, not errors', () => {
  const c = loadWith('globals:\n  cache:\n    meta_sise: [2, 2]\nseeds: {}\n', MINIMAL.replace('      layers: osm\n', '      layers: osm\n    wms_opt:\n      version: 1.3.0\n'));
  const { warnings, config } = c.load();
  assert.deepEqual(warnings.map((w) => w.slice(c.file.length + 2)).sort(), [
    'globals.cache.meta_sise: unknown option, ignored',
    'seeds: unknown option, ignored',
    'sources.osm_wms.wms_opt: unknown option, ignored',
  ]);
  assert.deepEqual(config.globals.cache.metaSize, [4, 4]);
});

test('unsupported features are rejected with "not supported" and the feature name', () => {
  const cases: [string, string, string][] = [
    ['', 'sources.osm_wms.type', "source type 'mapnik' is not supported yet"],
  ];
  const bodies = [MINIMAL.replace('type: wms', 'type: mapnik')];
  cases.forEach(([, path, msg], i) => {
    const c = loadWith('', bodies[i]);
    assertConfigError(c.load, c.file, `${path}: ${msg}`);
  });
  // the OGC API sources are supported: a missing landing page names its key
  const ogc = loadWith('', MINIMAL.replace('type: wms', 'type: ogcapimaps'));
  assertConfigError(ogc.load, ogc.file, 'sources.osm_wms.landingpage_url: missing required value (expected a string)');
  // layer dimensions are supported: a time that is not ISO 8601 names its key
  const dims = loadWith('', MINIMAL.replace('    sources: [osm_cache]\n', '    sources: [osm_cache]\n    dimensions:\n      time:\n        values: [a]\n'));
  assertConfigError(dims.load, dims.file, /layers\[0\]\.dimensions\.time\.values: not an ISO 8601 time or interval/);
  // watermarks are supported: a spacing MapProxy does not know names its key
  const wm = loadWith('', MINIMAL.replace('    sources: [osm_wms]\n', '    sources: [osm_wms]\n    watermark:\n      text: hi\n      spacing: narrow\n'));
  assertConfigError(wm.load, wm.file, "caches.osm_cache.watermark.spacing: unsupported watermark spacing: 'narrow' (expected 'wide')");
  // riak was removed from MapProxy (4.0); an unknown type lists the types there are
  const riak = loadWith('', MINIMAL.replace('    sources: [osm_wms]\n', '    sources: [osm_wms]\n    cache:\n      type: riak\n'));
  assertConfigError(riak.load, riak.file, "caches.osm_cache.cache.type: cache type 'riak' was removed in MapProxy 4.0; use redis, s3 or couchdb");
  const unknown = loadWith('', MINIMAL.replace('    sources: [osm_wms]\n', '    sources: [osm_wms]\n    cache:\n      type: memcache\n'));
  assertConfigError(unknown.load, unknown.file, /caches\.osm_cache\.cache\.type: unknown cache type 'memcache' \(expected file, mbtiles, sqlite, geopackage, compact, redis, couchdb, s3, azureblob, tiered\)/);
  // disable_storage skips the storage backend entirely, as in MapProxy
  const d = loadWith('', MINIMAL.replace('    sources: [osm_wms]\n', '    sources: [osm_wms]\n    disable_storage: true\n    cache:\n      type: mbtiles\n'));
  assert.deepEqual(d.load().config.caches['osm_cache']?.backend, { type: 'disabled' });
});

test('references are checked: layer → source/cache (tagged names), cache → source/grid, grid base', () => {
  const unknownLayerSrc = loadWith('', MINIMAL.replace('[osm_cache]', '[nope]'));
  assertConfigError(unknownLayerSrc.load, unknownLayerSrc.file, "layers (osm).sources[0]: unknown source or cache 'nope'");
  const badGrid = loadWith('', MINIMAL.replace('[GLOBAL_WEBMERCATOR]', '[WEBMERC]'));
  assertConfigError(badGrid.load, badGrid.file, "caches.osm_cache.grids[0]: unknown grid 'WEBMERC'");
  const badBase = loadWith('grids:\n  g:\n    base: missing\n');
  assertConfigError(badBase.load, badBase.file, "grids.g.base: unknown base grid 'missing'");
  const tagged = loadWith('', MINIMAL.replace('sources: [osm_wms]', "sources: ['osm_wms:osm']"));
  assert.deepEqual(tagged.load().config.caches['osm_cache']?.sources, ['osm_wms:osm']);
  const badTag = loadWith('', MINIMAL.replace('sources: [osm_wms]', "sources: ['osm_wms:roads']"));
  assertConfigError(badTag.load, badTag.file, 'caches.osm_cache.sources[0]: layers (roads) not supported by source');
  const tileInLayer = loadWith('  t:\n    type: tile\n    grid: GLOBAL_WEBMERCATOR\n    url: http://x/%(z)s\n', MINIMAL.replace('[osm_cache]', '[t]'));
  assertConfigError(tileInLayer.load, tileInLayer.file, 'layers (osm).sources[0]', 'does not support un-tiled access');
});

test('a missing base file is a ConfigError naming it', () => {
  const c = loadWith('', 'base: nothere.yaml\n' + MINIMAL);
  assert.throws(c.load, (e: unknown) => e instanceof ConfigError && e.message.includes('nothere.yaml') && e.message.includes('cannot read'));
});
