import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BBox } from '../../src/core/geo/bbox.js';
import { DEFAULT_GRIDS, GridError, NoTilesError, tileGrid, type TileGridOptions } from '../../src/core/geo/grid.js';
import { getSRS } from '../../src/core/geo/srs.js';

// Reference numbers from MapProxy 1.15's tile_grid() on this machine.

function assertClose(actual: readonly number[], expected: readonly number[], rel = 1e-9): void {
  assert.equal(actual.length, expected.length, `length ${actual.length} vs ${expected.length}`);
  actual.forEach((v, i) => {
    assert.ok(Math.abs(v - expected[i]!) <= rel * Math.max(1, Math.abs(expected[i]!)), `[${i}] ${v} vs ${expected[i]}`);
  });
}

const M = 20037508.342789244;
const UTM_BBOX: BBox = [280000, 5200000, 920000, 6100000];

describe('built-in grids', () => {
  const geodetic = tileGrid(DEFAULT_GRIDS.GLOBAL_GEODETIC);
  const mercator = tileGrid(DEFAULT_GRIDS.GLOBAL_MERCATOR);
  const webmercator = tileGrid(DEFAULT_GRIDS.GLOBAL_WEBMERCATOR);

  it('GLOBAL_GEODETIC: EPSG:4326, res0 1.40625, sw origin, 20 levels', () => {
    assert.equal(geodetic.srs.code, 'EPSG:4326');
    assert.equal(geodetic.origin, 'sw');
    assert.equal(geodetic.levels, 20);
    assert.deepEqual(geodetic.bbox, [-180, -90, 180, 90]);
    assertClose(geodetic.resolutions.slice(0, 4), [1.40625, 0.703125, 0.3515625, 0.17578125]);
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((l) => geodetic.gridSize(l)), [[1, 1], [2, 1], [4, 2], [8, 4], [16, 8], [32, 16]]);
    // Level 0 is a single tile, half of it above the world.
    assert.deepEqual(geodetic.tileBBox([0, 0, 0]), [-180, -90, 180, 270]);
    assert.deepEqual(geodetic.tileBBox([1, 0, 1]), [0, -90, 180, 90]);
    assert.deepEqual(geodetic.tileBBox([3, 2, 3]), [-45, 0, 0, 45]);
    assert.equal(geodetic.supportsAccessWithOrigin('nw'), false);
    assert.equal(geodetic.tmsProfile(), 'global-geodetic');
  });

  it('GLOBAL_MERCATOR: EPSG:900913, sw origin', () => {
    assert.equal(mercator.srs.code, 'EPSG:900913');
    assert.equal(mercator.origin, 'sw');
    assertClose(mercator.resolutions.slice(0, 4), [156543.03392804097, 78271.51696402048, 39135.75848201024, 19567.87924100512]);
    assert.deepEqual(mercator.tileBBox([0, 0, 0]), [-M, -M, M, M]);
    assert.deepEqual(mercator.tileBBox([1, 0, 1]), [0, -M, M, 0]);
    assertClose(mercator.tileBBox([3, 2, 3]), [-5009377.085697312, -10018754.171394622, -9.313225746154785e-10, -5009377.085697311]);
    assert.equal(mercator.supportsAccessWithOrigin('nw'), true);
    assert.equal(mercator.tmsProfile(), 'global-mercator');
  });

  it('GLOBAL_WEBMERCATOR: EPSG:3857, nw origin (tile 0/0 at the top left)', () => {
    assert.equal(webmercator.srs.code, 'EPSG:3857');
    assert.equal(webmercator.origin, 'nw');
    assert.deepEqual(webmercator.tileBBox([1, 0, 1]), [0, 0, M, M]);
    assertClose(webmercator.tileBBox([3, 2, 3]), [-5009377.085697312, 5009377.085697311, -9.313225746154785e-10, 10018754.171394622]);
    assert.equal(webmercator.supportsAccessWithOrigin('sw'), true);
    assert.equal(webmercator.tmsProfile(), 'global-mercator');
  });

  it('flips tile coords between origins and limits them to the grid', () => {
    assert.deepEqual(mercator.flipTileCoord([0, 1, 1]), [0, 0, 1]);
    assert.deepEqual(mercator.flipTileCoord([1, 3, 2]), [1, 0, 2]);
    assert.equal(mercator.limitTile([-1, 0, 2]), null);
    assert.equal(mercator.limitTile([1, 2, 1]), null);
    assert.equal(mercator.limitTile([0, 0, 20]), null);
    assert.deepEqual(mercator.limitTile([1, 2, 2]), [1, 2, 2]);
    // The same area addressed from either corner.
    assertClose(webmercator.tileBBox(webmercator.flipTileCoord([3, 2, 3])), mercator.tileBBox([3, 2, 3]));
  });
});

describe('custom grid resolutions', () => {
  const cases: [string, TileGridOptions, number[], [number, number][]?][] = [
    ['min_res + max_res (factor 2 until max_res)', { srs: 'EPSG:25832', bbox: UTM_BBOX, minRes: 2000, maxRes: 1, origin: 'nw' },
      [2000, 1000, 500, 250, 125, 62.5, 31.25, 15.625, 7.8125, 3.90625, 1.953125],
      [[2, 2], [3, 4], [5, 8], [10, 15], [20, 29], [40, 57], [80, 113], [160, 225], [320, 450], [640, 900], [1280, 1800]]],
    ['min_res + max_res + num_levels (log-spaced)', { srs: 'EPSG:25832', bbox: UTM_BBOX, minRes: 2000, maxRes: 1, numLevels: 10 },
      [2000.0000000000002, 859.5059451754269, 369.37523489595145, 158.74010519681985, 68.21903207721965, 29.3173318222417,
        12.599210498948729, 5.414548164181538, 2.326918168776362, 1.0],
      [[2, 2], [3, 5], [7, 10], [16, 23], [37, 52], [86, 120], [199, 280], [462, 650], [1075, 1511], [2500, 3516]]],
    ['res_factor 1.5 + num_levels, 512x256 tiles', { srs: 'EPSG:25832', bbox: UTM_BBOX, resFactor: 1.5, numLevels: 5, tileSize: [512, 256] },
      [3515.625, 2343.75, 1562.5, 1041.6666666666667, 694.4444444444445], [[1, 1], [1, 2], [1, 3], [2, 4], [2, 6]]],
    ['res list is sorted descending', { srs: 'EPSG:4326', bbox: [5, 47, 16, 56], res: [0.01, 0.1, 0.05, 1] },
      [1, 0.1, 0.05, 0.01], [[1, 1], [1, 1], [1, 1], [5, 4]]],
    ['bbox as string, default 20 levels', { srs: 'EPSG:4326', bbox: '5,47,16,56' },
      [0.04296875, 0.021484375, 0.0107421875, 0.00537109375, 0.002685546875, 0.0013427734375, 0.00067138671875,
        0.000335693359375, 0.0001678466796875, 8.392333984375e-05, 4.1961669921875e-05, 2.09808349609375e-05,
        1.049041748046875e-05, 5.245208740234375e-06, 2.6226043701171875e-06, 1.3113021850585938e-06,
        6.556510925292969e-07, 3.2782554626464844e-07, 1.6391277313232422e-07, 8.195638656616211e-08]],
    ['align_resolutions_with GLOBAL_MERCATOR within min/max', {
      srs: 'EPSG:900913', minRes: 40000, maxRes: 500, alignResolutionsWith: tileGrid(DEFAULT_GRIDS.GLOBAL_MERCATOR) },
    [39135.75848201024, 19567.87924100512, 9783.93962050256, 4891.96981025128, 2445.98490512564, 1222.99245256282, 611.49622628141]],
    ['align_resolutions_with and sqrt2 inserts intermediate levels', {
      srs: 'EPSG:900913', minRes: 40000, numLevels: 6, resFactor: 'sqrt2', alignResolutionsWith: tileGrid(DEFAULT_GRIDS.GLOBAL_MERCATOR) },
    [39135.75848201024, 27673.160209508387, 19567.87924100512, 13836.580104754194, 9783.93962050256, 6918.290052377097,
      4891.96981025128, 3459.1450261885484, 2445.98490512564, 1729.5725130942742, 1222.99245256282, 864.7862565471371],
    [[4, 4], [6, 6], [8, 8], [12, 12], [16, 16], [23, 23], [32, 32], [46, 46], [64, 64], [91, 91], [128, 128], [182, 182]]],
  ];
  for (const [name, opts, res, sizes] of cases) {
    it(name, () => {
      const g = tileGrid(opts);
      assertClose(g.resolutions, res);
      if (sizes) assert.deepEqual(g.resolutions.map((_, l) => g.gridSize(l)), sizes);
    });
  }

  it('res_factor sqrt2 gives 40 levels', () => {
    const g = tileGrid({ srs: 'EPSG:25832', bbox: UTM_BBOX, resFactor: 'sqrt2' });
    assert.equal(g.levels, 40);
    assertClose(g.resolutions.slice(0, 3), [3515.625, 2485.922277608956, 1757.8124999999998]);
    assert.equal(g.isSqrt2(), true);
  });

  it('transforms the bbox from bbox_srs', () => {
    const g = tileGrid({ srs: 'EPSG:25832', bbox: [5, 47, 16, 56], bboxSrs: 'EPSG:4326', numLevels: 3 });
    assertClose(g.bbox, [195914.75748585997, 5205922.313298963, 1032085.4928354125, 6228213.224875158], 1e-7);
    assertClose(g.resolutions, [3993.3238733445105, 1996.6619366722553, 998.3309683361276], 1e-7);
  });

  it('knows which grids can be read with the other origin', () => {
    assert.equal(tileGrid({ srs: 'EPSG:25832', bbox: UTM_BBOX, minRes: 2000, maxRes: 1, origin: 'nw' }).supportsAccessWithOrigin('sw'), false);
    assert.equal(tileGrid({ srs: 'EPSG:25832', bbox: UTM_BBOX, numLevels: 4 }).supportsAccessWithOrigin('nw'), true);
    assert.equal(tileGrid({ srs: 'EPSG:25832', bbox: UTM_BBOX, resFactor: 1.5, numLevels: 5 }).tmsProfile(), null);
  });

  it('rejects bad definitions', () => {
    assert.throws(() => tileGrid({ srs: 'EPSG:25832' }), GridError); // no default bbox
    assert.throws(() => tileGrid({ srs: 'EPSG:4326', origin: 'se' }), GridError);
    assert.throws(() => tileGrid({ srs: 'EPSG:4326', res: [1, 0.5], minRes: 2 }), GridError);
  });

  it('tells whether a grid is a subset of another', () => {
    const mercator = tileGrid(DEFAULT_GRIDS.GLOBAL_MERCATOR);
    const quarter = tileGrid({ srs: 'EPSG:900913', bbox: [0, 0, M, M], minRes: mercator.resolution(2), numLevels: 5 });
    assert.equal(quarter.isSubsetOf(mercator), true);
    assert.equal(mercator.isSubsetOf(quarter), false);
    assert.equal(tileGrid(DEFAULT_GRIDS.GLOBAL_GEODETIC).isSubsetOf(mercator), false);
    assert.equal(tileGrid({ srs: 'EPSG:900913', resFactor: 1.5 }).isSubsetOf(mercator), false);
  });
});

describe('level selection', () => {
  it('allows up to stretch_factor up-scaling before taking the finer level', () => {
    const g = tileGrid({ srs: 'EPSG:900913', stretchFactor: 1.1 });
    const l1 = g.resolution(1);
    assert.deepEqual([320000, 160000, l1 + 50, l1, l1 - 50, l1 * 0.91, l1 * 0.89, 8000, 0.0001].map((r) => g.closestLevel(r)),
      [0, 0, 1, 1, 1, 1, 2, 5, 19]);
    const d = tileGrid(DEFAULT_GRIDS.GLOBAL_MERCATOR);
    assert.deepEqual([l1 * 1.16, l1 * 1.14, l1 / 1.14, l1 / 1.16, 1e9].map((r) => d.closestLevel(r)), [1, 1, 1, 2, 0]);
  });

  it('prefers the finest level within the stretch band for close resolutions', () => {
    const g = tileGrid({ srs: 'EPSG:25832', bbox: [0, 0, 100000, 100000], res: [100, 95, 50, 10] });
    assert.deepEqual([100, 96, 90, 85, 60, 52, 45, 11, 9].map((r) => g.closestLevel(r)), [0, 0, 1, 1, 2, 2, 2, 3, 3]);
  });

  it('switches at threshold_res', () => {
    const g = tileGrid({ srs: 'EPSG:900913', thresholdRes: [70000, 30000] });
    assert.deepEqual([80000, 70001, 70000, 69000, 40000, 39000, 30001, 30000, 29000, 20000].map((r) => g.closestLevel(r)),
      [1, 1, 2, 2, 2, 2, 2, 3, 3, 3]);
  });
});

describe('affected tiles', () => {
  const mercator = tileGrid(DEFAULT_GRIDS.GLOBAL_MERCATOR);
  const webmercator = tileGrid(DEFAULT_GRIDS.GLOBAL_WEBMERCATOR);
  const geodetic = tileGrid(DEFAULT_GRIDS.GLOBAL_GEODETIC);

  it('returns one tile for the world at 256px', () => {
    const a = mercator.affectedTiles([-20037508.34, -20037508.34, 20037508.34, 20037508.34], [256, 256]);
    assert.deepEqual(a.tiles, [[0, 0, 0]]);
    assert.deepEqual(a.bbox, [-M, -M, M, M]);
  });

  it('lists tiles top row first for both origins', () => {
    const sw = mercator.affectedTiles([-1000000, -500000, 3000000, 2000000], [400, 250]);
    assert.equal(sw.level, 4);
    assert.deepEqual(sw.gridSize, [3, 2]);
    assert.deepEqual(sw.tiles, [[7, 8, 4], [8, 8, 4], [9, 8, 4], [7, 7, 4], [8, 7, 4], [9, 7, 4]]);
    assertClose(sw.bbox, [-2504688.542848654, -2504688.542848654, 5009377.08569731, 2504688.5428486555]);
    const nw = webmercator.affectedTiles([-1000000, -500000, 3000000, 2000000], [400, 250]);
    assert.deepEqual(nw.tiles, [[7, 7, 4], [8, 7, 4], [9, 7, 4], [7, 8, 4], [8, 8, 4], [9, 8, 4]]);
  });

  it('transforms the request bbox into the grid SRS', () => {
    const a = mercator.affectedTiles([5, 45, 15, 55], [512, 512], getSRS('EPSG:4326'));
    assert.equal(a.level, 6);
    assert.deepEqual(a.gridSize, [3, 4]);
    assert.deepEqual(a.tiles.slice(0, 3), [[32, 43, 6], [33, 43, 6], [34, 43, 6]]);
    assert.deepEqual(a.tiles.at(-1), [34, 40, 6]);
    assertClose(a.bbox, [0, 5009377.085697312, 1878516.407136491, 7514065.628545968]);
  });

  it('leaves out tiles the bbox only touches', () => {
    const a = webmercator.affectedTiles(mercator.tileBBox([2, 5, 3]), [256, 256]);
    assert.deepEqual(a.tiles, [[2, 2, 3]]);
  });

  it('returns null for positions outside the grid', () => {
    const a = geodetic.affectedTiles([-200, -100, 20, 10], [220, 110]);
    assert.deepEqual(a.tiles, [null, [0, 0, 1], [1, 0, 1], null, null, null]);
    assert.deepEqual(a.bbox, [-360, -270, 180, 90]);
  });

  it('throws NoTilesError outside the grid or beyond max_shrink_factor', () => {
    assert.throws(() => mercator.affectedTiles([-5 * M, -5 * M, 5 * M, 5 * M], [10, 10]), NoTilesError);
    assert.throws(() => geodetic.affectedTiles([200, 0, 210, 10], [256, 256]), NoTilesError);
  });
});
