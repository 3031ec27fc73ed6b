import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tilePath, levelPath, quadkey, tcPath, arcgisPath, dimensionsPart } from '../../src/core/cache/paths.js';

// Expected values are MapProxy's own doctests (cache/path.py, client/tile.py) and system tests.
test('tc layout', () => {
  assert.equal(tilePath('tc', '/tmp/cache', [3, 4, 2], 'png'), '/tmp/cache/02/000/000/003/000/000/004.png');
  assert.equal(tilePath('tc', 'cache_data/wms_cache_EPSG900913', [0, 1, 1], 'jpeg'),
    'cache_data/wms_cache_EPSG900913/01/000/000/000/000/000/001.jpeg');
  assert.equal(tcPath([1234567, 87654321, 9]), '09/001/234/567/087/654/321');
});

test('mp layout', () => {
  assert.equal(tilePath('mp', '/tmp/cache', [3, 4, 2], 'png'), '/tmp/cache/02/0000/0003/0000/0004.png');
  assert.equal(tilePath('mp', '/tmp/cache', [12345678, 98765432, 22], 'png'), '/tmp/cache/22/1234/5678/9876/5432.png');
});

test('tms and reverse_tms layouts', () => {
  assert.equal(tilePath('tms', '/tmp/cache', [3, 4, 2], 'png'), '/tmp/cache/2/3/4.png');
  assert.equal(tilePath('reverse_tms', '/tmp/cache', [3, 4, 2], 'png'), '/tmp/cache/4/3/2.png');
});

test('quadkey layout', () => {
  assert.equal(tilePath('quadkey', '/tmp/cache', [3, 4, 2], 'png'), '/tmp/cache/11.png');
  assert.equal(quadkey([0, 0, 1]), '0');
  assert.equal(quadkey([1, 0, 1]), '1');
  assert.equal(quadkey([1, 2, 2]), '21');
  assert.equal(quadkey([0, 0, 0]), '');
});

test('arcgis layout', () => {
  assert.equal(tilePath('arcgis', '/tmp/cache', [1234567, 87654321, 9], 'png'), '/tmp/cache/L09/R05397fb1/C0012d687.png');
  assert.equal(arcgisPath([1234567, 87654321, 9]), 'L09/R05397fb1/C0012d687');
});

test('dimension sub-directories: predefined first, then dim_* sorted', () => {
  assert.equal(dimensionsPart({ time: '2020-08-25T00:00:00Z' }), 'time-2020-08-25T00:00:00Z');
  assert.equal(
    dimensionsPart({ time: '2020-08-25T00:00:00Z', dim_reference_time: '2020-08-25T00:00:00Z', dim_level: '700' }),
    'time-2020-08-25T00:00:00Z/dim_level-700/dim_reference_time-2020-08-25T00:00:00Z',
  );
  assert.equal(tilePath('tms', '/c', [1, 2, 3], 'png', { elevation: '500', time: 'x' }), '/c/elevation-500/time-x/3/1/2.png');
  assert.equal(tilePath('tc', '/c', [1, 2, 3], 'png', {}), '/c/03/000/000/001/000/000/002.png');
});

test('dimension values that escape the cache directory are refused', () => {
  assert.throws(() => tilePath('tc', '/c', [0, 0, 0], 'png', { time: '../../etc' }));
  assert.throws(() => tilePath('tc', '/c', [0, 0, 0], 'png', { time: 'a/../../b' }));
});

test('level directories', () => {
  assert.equal(levelPath('tc', '/tmp/cache', 2), '/tmp/cache/02');
  assert.equal(levelPath('tms', '/tmp/cache', 2), '/tmp/cache/2');
  assert.equal(levelPath('arcgis', '/tmp/cache', 2), '/tmp/cache/L02');
  assert.equal(levelPath('quadkey', '/tmp/cache', 2), null);
});
