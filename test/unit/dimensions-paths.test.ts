// The dimension directories of the file cache against MapProxy 7's cache/path.py (dimensions_part): the order
// of the segments and which values are refused. The expected values were produced by MapProxy 7's own function.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dimensionsPart, levelPath, tilePath } from '../../src/core/cache/paths.js';

test('segments: predefined dimensions sorted, then dim_* sorted (case-sensitive, as MapProxy 7)', () => {
  assert.equal(
    dimensionsPart({ time: '2020-08-25T00:00:00Z', dim_reference_time: '2020-08-25T00:00:00Z', dim_level: '700' }),
    'time-2020-08-25T00:00:00Z/dim_level-700/dim_reference_time-2020-08-25T00:00:00Z',
  );
  assert.equal(dimensionsPart({ time: 't', elevation: '0', band: 'red' }), 'band-red/elevation-0/time-t');
  assert.equal(dimensionsPart({ DIM_X: '1', dim_a: '2' }), 'DIM_X-1/dim_a-2');
});

test('values MapProxy 7 takes, and where they lead', () => {
  for (const [value, segment] of [['a/b', 'time-a/b'], ['.', 'time-.'], ['//a', 'time-//a'], ['ok:1', 'time-ok:1'], ['2020-09-22T14:20:00Z', 'time-2020-09-22T14:20:00Z']]) {
    assert.equal(dimensionsPart({ time: value }), segment, value);
  }
  assert.equal(tilePath('tc', '/c', [1, 2, 3], 'png', { time: 'a/b' }), '/c/time-a/b/03/000/000/001/000/000/002.png');
});

test('values MapProxy 7 refuses', () => {
  for (const value of ['..', '../x', 'a/../b', '', 'a/', 'x\\..\\y', './a', 'a//b', 'nul\0']) {
    assert.throws(() => dimensionsPart({ time: value }), /illegal characters/, JSON.stringify(value));
  }
});

test('quadkey and arcgis tiles have no dimension directories; level directories do (arcgis, tc, mp, tms)', () => {
  assert.equal(tilePath('quadkey', '/c', [3, 4, 2], 'png', { time: 't' }), '/c/11.png');
  assert.equal(tilePath('arcgis', '/c', [1, 2, 3], 'png', { time: 't' }), '/c/L03/R00000002/C00000001.png');
  assert.equal(levelPath('arcgis', '/c', 3, { time: 't' }), '/c/time-t/L03');
  assert.equal(levelPath('tc', '/c', 3, { time: 't' }), '/c/time-t/03');
  assert.equal(tilePath('reverse_tms', '/c', [1, 2, 3], 'png', { time: 't' }), '/c/time-t/2/1/3.png');
  assert.equal(tilePath('mp', '/c', [1, 2, 3], 'png', { time: 't' }), '/c/time-t/03/0000/0001/0000/0002.png');
});
