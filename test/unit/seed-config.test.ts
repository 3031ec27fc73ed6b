import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRuntime } from '../../src/core/runtime/runtime.js';
import { ConfigError } from '../../src/core/config/errors.js';
import { loadConfig } from '../../src/core/config/load-config.js';
import { loadSeedConfig } from '../../src/core/config/seed-config.js';
import { levelsForGrid, planCleanupTasks, planSeedTasks } from '../../src/core/seed/tasks.js';
import { tileGrid } from '../../src/core/geo/grid.js';

const MAPPROXY = `
services: {tms: }
layers: [{name: l, title: l, sources: [c]}]
caches:
  c:
    grids: [GLOBAL_WEBMERCATOR, GLOBAL_GEODETIC]
    sources: [wms]
    meta_size: [4, 4]
  c2:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [wms]
  nostore:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [wms]
    disable_storage: true
sources:
  wms:
    type: wms
    concurrent_requests: 3
    req: {url: 'http://localhost:1/service', layers: a}
`;

function setup(seedYaml: string, files: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'seed-config-'));
  writeFileSync(join(dir, 'mapproxy.yaml'), MAPPROXY);
  writeFileSync(join(dir, 'seed.yaml'), seedYaml);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const loaded = loadConfig(join(dir, 'mapproxy.yaml'));
  return { dir, loaded, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('seeds, cleanups and coverages of all kinds are read', async () => {
  const square = { type: 'Polygon', coordinates: [[[5, 47], [15, 47], [15, 55], [5, 55], [5, 47]]] };
  const { dir, loaded, cleanup } = setup(
    `
coverages:
  box: {bbox: [5, 47, 15, 55], srs: 'EPSG:4326'}
  wkt: {datasource: area.wkt, srs: 'EPSG:4326'}
  fc: {datasource: area.geojson, srs: 'EPSG:4326'}
  feature: {datasource: feature.geojson, srs: 'EPSG:4326'}
  both: {union: [{bbox: [0, 0, 1, 1], srs: 'EPSG:4326'}, {bbox: [2, 2, 3, 3], srs: 'EPSG:4326'}]}
  common: {intersection: [{bbox: [0, 0, 10, 10], srs: 'EPSG:4326'}, {bbox: [5, 5, 20, 20], srs: 'EPSG:4326'}]}
  minus: {difference: [{bbox: [0, 0, 10, 10], srs: 'EPSG:4326'}, {bbox: [5, 0, 10, 10], srs: 'EPSG:4326'}]}
seeds:
  a:
    caches: [c]
    grids: [GLOBAL_WEBMERCATOR]
    coverages: [box, wkt]
    levels: {from: 2, to: 4}
    refresh_before: {days: 1}
  b:
    caches: [c]
    resolutions: [1000, 500]
cleanups:
  x:
    caches: [c, c]
    grids: [GLOBAL_GEODETIC]
    levels: [3, 1, 1]
    remove_all: true
  y:
    caches: [c2]
    coverages: [minus]
    remove_before: {hours: 2}
`,
    {
      'area.wkt': 'POLYGON((5 47, 15 47, 15 55, 5 55, 5 47))\n',
      'area.geojson': JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: square, properties: {} }] }),
      'feature.geojson': JSON.stringify({ type: 'Feature', geometry: { type: 'MultiPolygon', coordinates: [square.coordinates] }, properties: {} }),
    },
  );
  try {
    const conf = loadSeedConfig(join(dir, 'seed.yaml'), loaded);
    assert.deepEqual(conf.warnings, []);
    assert.deepEqual(Object.keys(conf.coverages), ['box', 'wkt', 'fc', 'feature', 'both', 'common', 'minus']);
    assert.equal(conf.seeds[0]!.levels?.type, 'levelRange');
    assert.deepEqual(conf.seeds[0]!.refreshBefore, { type: 'age', seconds: 86400 });
    assert.equal(conf.cleanups[0]!.removeAll, true);

    const runtime = await buildRuntime(loaded, { seeding: true });
    const now = 1_700_000_000;
    const seeds = planSeedTasks(conf, loaded.config, runtime, undefined, now);
    assert.deepEqual(seeds.map((t) => [t.name, t.gridName, t.levels]), [
      ['a', 'GLOBAL_WEBMERCATOR', [2, 3, 4]],
      // closest levels with stretch_factor 1.15; degrees on the geodetic grid put 1000 and 500 on level 0
      ['b', 'GLOBAL_WEBMERCATOR', [8, 9]],
      ['b', 'GLOBAL_GEODETIC', [0]],
    ]);
    assert.equal(seeds[0]!.refreshBefore, now - 86400);
    assert.deepEqual(seeds[0]!.metaSize, [4, 4]);
    assert.equal(seeds[0]!.upstreamLimit, 3);
    const covA = seeds[0]!.coverage;
    assert.ok(covA);
    assert.ok(covA.contains([1e6, 6.1e6, 1.5e6, 7e6], seeds[0]!.grid.srs), 'inside the box (web mercator metres)');
    assert.ok(!covA.intersects([-1e6, 6.1e6, 0, 7e6], seeds[0]!.grid.srs));
    const cleanups = planCleanupTasks(conf, loaded.config, runtime, ['y'], now);
    assert.equal(cleanups.length, 1);
    assert.equal(cleanups[0]!.removeBefore, now - 7200);
    // 'minus' leaves the west half of the box
    const cov = cleanups[0]!.coverage;
    assert.ok(cov);
    assert.ok(cov.intersects([0, 0, 100, 100], cleanups[0]!.grid.srs));
    assert.ok(!cov.intersects([700000, 100000, 900000, 900000], cleanups[0]!.grid.srs));
    await runtime.close();
  } finally {
    cleanup();
  }
});

test('errors name the seed file and key path', () => {
  const cases: [string, RegExp][] = [
    ['seeds: {a: {levels: [1]}}', /seeds\.a\.caches: missing required value/],
    ['seeds: {a: {caches: [nope]}}', /seeds\.a\.caches\[0\]: cache 'nope' not found/],
    ['seeds: {a: {caches: [c], coverages: [x]}}', /seeds\.a\.coverages\[0\]: coverage 'x' not found/],
    ['seeds: {a: {caches: [c, c2]}}', /caches in one task must have identical grids/],
    ['seeds: {a: {caches: [c2], grids: [GLOBAL_GEODETIC]}}', /seeds\.a\.grids\[0\]: grid 'GLOBAL_GEODETIC' is not a grid/],
    ['seeds: {a: {caches: [c], levels: {from: 1.5}}}', /seeds\.a\.levels\.from: expected a level number/],
    ['coverages: {x: {bbox: [1, 2, 3]}}', /coverages\.x\.bbox/],
    ['cleanups: {a: {caches: [c], remove_before: {time: yesterday}}}', /cleanups\.a\.remove_before\.time: can't parse time/],
  ];
  for (const [yaml, re] of cases) {
    const { dir, loaded, cleanup } = setup(yaml);
    try {
      assert.throws(() => loadSeedConfig(join(dir, 'seed.yaml'), loaded), (err: Error) => {
        assert.ok(err instanceof ConfigError, `${yaml}: ${err}`);
        assert.match(err.message, re);
        assert.ok(err.message.includes('seed.yaml'), err.message);
        return true;
      });
    } finally {
      cleanup();
    }
  }
});

test('$VAR expansion, an empty datasource skips the task, and disable_storage caches are refused', async () => {
  const { dir, loaded, cleanup } = setup(
    `
coverages:
  empty: {datasource: empty.geojson, srs: 'EPSG:4326'}
seeds:
  a: {caches: [$SEED_CACHE], coverages: [empty], levels: [0]}
  n: {caches: [nostore]}
`,
    { 'empty.geojson': '{"type": "FeatureCollection", "features": []}' },
  );
  try {
    const conf = loadSeedConfig(join(dir, 'seed.yaml'), loaded, { env: { SEED_CACHE: 'c2' } });
    assert.deepEqual(conf.seeds[0]!.caches, ['c2']);
    assert.equal(conf.coverages.empty!.empty, true);
    const runtime = await buildRuntime(loaded, { seeding: true });
    const [task] = planSeedTasks(conf, loaded.config, runtime, ['a']);
    assert.equal(task!.coverage, false);
    assert.throws(() => planSeedTasks(conf, loaded.config, runtime, ['n']), /can't seed cache 'nostore' \(disable_storage: true\)/);
    assert.throws(() => planSeedTasks(conf, loaded.config, runtime, ['zzz']), /unknown seed tasks: zzz/);
    await runtime.close();
  } finally {
    cleanup();
  }
});

test('levels from lists, ranges and resolutions are limited to the grid', () => {
  const grid = tileGrid({ srs: 'EPSG:3857', origin: 'nw', numLevels: 10 });
  assert.deepEqual(levelsForGrid(undefined, grid), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(levelsForGrid({ type: 'levels', levels: [3, 1, 3, 42, -1] }, grid), [1, 3]);
  assert.deepEqual(levelsForGrid({ type: 'levelRange', from: 7 }, grid), [7, 8, 9]);
  assert.deepEqual(levelsForGrid({ type: 'levelRange', to: 1 }, grid), [0, 1]);
  const r = grid.resolutions;
  assert.deepEqual(levelsForGrid({ type: 'resolutions', resolutions: [r[4]!, r[2]!] }, grid), [2, 4]);
  assert.deepEqual(levelsForGrid({ type: 'resolutionRange', from: r[1]!, to: r[3]! }, grid), [1, 2, 3]);
});
