import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mergeDict, mergeLayers } from '../../src/core/config/merge-dict.js';
import { loadConfig } from '../../src/core/config/load-config.js';
import { MINIMAL, writeConfigDir } from './config-helpers.js';

test('mergeDict: scalars replaced, mappings merged recursively, override wins', () => {
  const base = { globals: { cache: { meta_size: [4, 4], meta_buffer: 80 } }, a: 1 };
  const conf = { globals: { cache: { meta_buffer: 0 } }, a: 2, b: 3 };
  assert.deepEqual(mergeDict(conf, base), { globals: { cache: { meta_size: [4, 4], meta_buffer: 0 } }, a: 2, b: 3 });
  assert.deepEqual(base.globals.cache.meta_buffer, 80, 'inputs are not mutated');
});

test('mergeDict: bbox, tile_size, max_output_pixels, sources, grids, res lists are replaced', () => {
  for (const key of ['bbox', 'tile_size', 'max_output_pixels', 'sources', 'grids', 'res']) {
    assert.deepEqual(mergeDict({ [key]: [9] }, { [key]: [1, 2] }), { [key]: [9] }, key);
  }
});

test('mergeDict: other lists are concatenated base + override; an empty list deletes; null keeps base', () => {
  assert.deepEqual(mergeDict({ srs: ['EPSG:3857'] }, { srs: ['EPSG:4326'] }), { srs: ['EPSG:4326', 'EPSG:3857'] });
  assert.deepEqual(mergeDict({ srs: [] }, { srs: ['EPSG:4326'] }), { srs: null });
  assert.deepEqual(mergeDict({ srs: null, md: null }, { srs: ['EPSG:4326'], md: { title: 'x' } }), {
    srs: ['EPSG:4326'],
    md: { title: 'x' },
  });
  assert.deepEqual(mergeDict({ title: null }, { title: 'x' }), { title: null }, 'null replaces a scalar');
});

test('mergeLayers: same names merge in base order, new names are appended', () => {
  const base = [
    { name: 'a', title: 'A', sources: ['s1'] },
    { name: 'b', title: 'B', sources: ['s2'] },
  ];
  const conf = [
    { name: 'c', title: 'C', sources: ['s3'] },
    { name: 'a', title: 'A2' },
  ];
  assert.deepEqual(mergeLayers(conf, base), [
    { name: 'a', title: 'A2', sources: ['s1'] },
    { name: 'b', title: 'B', sources: ['s2'] },
    { name: 'c', title: 'C', sources: ['s3'] },
  ]);
});

test('base: the including file wins, earlier base files win over later ones, later list items come first', () => {
  const dir = writeConfigDir({
    'mapproxy.yaml': `base: [conf/one.yaml, conf/two.yaml]\nglobals:\n  cache:\n    max_tile_limit: 10\n${MINIMAL}`,
    // base names are relative to the including file: conf/one.yaml includes conf/three.yaml
    'conf/one.yaml': `base: three.yaml\nglobals:\n  cache:\n    max_tile_limit: 20\n    meta_buffer: 20\nservices:\n  wms:\n    srs: ['EPSG:1']\n`,
    'conf/two.yaml': `globals:\n  cache:\n    meta_buffer: 30\n    concurrent_tile_creators: 7\nservices:\n  wms:\n    srs: ['EPSG:2']\n`,
    'conf/three.yaml': `globals:\n  cache:\n    concurrent_tile_creators: 5\n    bulk_meta_tiles: true\n`,
  });
  const { config, files } = loadConfig(join(dir, 'mapproxy.yaml'), { env: {} });
  assert.equal(config.globals.cache.maxTileLimit, 10, 'including file wins');
  assert.equal(config.globals.cache.metaBuffer, 20, 'earlier base wins over later base');
  assert.equal(config.globals.cache.concurrentTileCreators, 5, 'one.yaml (with its base three.yaml) wins over two.yaml');
  assert.equal(config.globals.cache.bulkMetaTiles, true);
  assert.deepEqual(config.services.wms?.srs, ['EPSG:2', 'EPSG:1'], 'later file items first');
  assert.deepEqual(
    files.map((f) => f.path.slice(dir.length + 1)).sort(),
    ['conf/one.yaml', 'conf/three.yaml', 'conf/two.yaml', 'mapproxy.yaml'],
  );
  assert.ok(files.every((f) => f.mtimeMs > 0));
});

test('base: like MapProxy, lists not in the replace list (meta_size) are concatenated and then rejected', () => {
  const dir = writeConfigDir({
    'base.yaml': `globals:\n  cache:\n    meta_size: [2, 2]\n`,
    'mapproxy.yaml': `base: base.yaml\nglobals:\n  cache:\n    meta_size: [3, 3]\n${MINIMAL}`,
  });
  assert.throws(() => loadConfig(join(dir, 'mapproxy.yaml'), { env: {} }), /globals\.cache\.meta_size: expected a list of 2 integers, got 4 items/);
});

test('base: layers merge by name across files, parts is ignored', () => {
  const dir = writeConfigDir({
    'base.yaml': `${MINIMAL}\nparts:\n  anything: [1, 2]\n`,
    'mapproxy.yaml': `base: base.yaml\nlayers:\n  - name: osm\n    title: OSM from override\n  - name: debug\n    title: Debug\n    sources: [dbg]\nsources:\n  dbg:\n    type: debug\n`,
  });
  const { config, warnings } = loadConfig(join(dir, 'mapproxy.yaml'), { env: {} });
  assert.deepEqual(
    config.namedLayers.map((l) => [l.name, l.title, l.sources]),
    [
      ['osm', 'OSM from override', ['osm_cache']],
      ['debug', 'Debug', ['dbg']],
    ],
  );
  assert.deepEqual(warnings, []);
});

test('old dict form of layers is converted to the list form (with a deprecation warning)', () => {
  const dir = writeConfigDir({
    'mapproxy.yaml': MINIMAL.replace(
      /\nlayers:\n(.|\n)*?\ncaches:/,
      '\nlayers:\n  osm:\n    title: OSM\n    sources: [osm_cache]\n  raw:\n    title: Raw\n    sources: [osm_wms]\ncaches:',
    ),
  });
  const { config, warnings } = loadConfig(join(dir, 'mapproxy.yaml'), { env: {} });
  assert.equal(config.rootLayer?.title, null);
  assert.deepEqual(config.rootLayer?.layers.map((l) => l.name), ['osm', 'raw']);
  assert.deepEqual(config.namedLayers.map((l) => l.name), ['osm', 'raw']);
  assert.ok(warnings.some((w) => w.includes('layers') && w.includes('deprecated')));
});
