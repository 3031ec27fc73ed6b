import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_GRIDS, tileGrid } from '../../src/core/geo/grid.js';
import { MetaGrid, type MetaTile } from '../../src/core/geo/meta-grid.js';

// Reference values from MapProxy 1.15's MetaGrid on this machine.
const M = 20037508.342789244;
const mercator = tileGrid(DEFAULT_GRIDS.GLOBAL_MERCATOR);
const webmercator = tileGrid(DEFAULT_GRIDS.GLOBAL_WEBMERCATOR);

function assertClose(actual: readonly number[], expected: readonly number[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= 1e-6, `[${i}] ${v} vs ${expected[i]}`));
}

const pattern = (m: MetaTile) => m.tiles.map((t) => [...t.coord, ...t.offset]);

describe('MetaGrid', () => {
  it('clips the meta size to small levels', () => {
    const m = new MetaGrid(mercator, [4, 4], 80).metaTile([1, 0, 1]);
    assert.deepEqual(m.bbox, [-M, -M, M, M]); // the buffer is cut at the grid edge
    assert.deepEqual(m.size, [512, 512]);
    assert.deepEqual(m.gridSize, [2, 2]);
    assert.deepEqual(pattern(m), [[0, 1, 1, 0, 0], [1, 1, 1, 256, 0], [0, 0, 1, 0, 256], [1, 0, 1, 256, 256]]);
  });

  it('adds the buffer, cut where the meta tile touches the grid edge (sw origin)', () => {
    const mg = new MetaGrid(mercator, [4, 4], 80);
    const m = mg.metaTile([5, 6, 3]);
    assert.deepEqual(mg.mainTile([5, 6, 3]), [4, 4, 3]);
    assert.deepEqual(m.baseTile, [4, 4, 3]);
    assert.deepEqual(m.mainTile, [4, 7, 3]); // MapProxy locks on the top-left member
    assertClose(m.bbox, [-1565430.3392804097, -1565430.3392804097, M, M]);
    assert.deepEqual(m.size, [1104, 1104]);
    const p = pattern(m);
    assert.equal(p.length, 16);
    assert.deepEqual(p[0], [4, 7, 3, 80, 0]);
    assert.deepEqual(p[3], [7, 7, 3, 848, 0]);
    assert.deepEqual(p[4], [4, 6, 3, 80, 256]);
    assert.deepEqual(p[15], [7, 4, 3, 848, 768]);

    const b = mg.metaTile([1, 2, 3]);
    assertClose(b.bbox, [-M, -M, 1565430.3392804088, 1565430.3392804088]);
    assert.deepEqual(pattern(b)[0], [0, 3, 3, 0, 80]);
    assert.deepEqual(pattern(b)[15], [3, 0, 3, 768, 848]);
  });

  it('lists nw tiles top row first with offsets from the image top', () => {
    const mg = new MetaGrid(webmercator, [4, 4], 80);
    const m = mg.metaTile([5, 6, 3]);
    assertClose(m.bbox, [-1565430.3392804097, -M, M, 1565430.3392804097]);
    assert.deepEqual(m.size, [1104, 1104]);
    assert.deepEqual(pattern(m)[0], [4, 4, 3, 80, 80]);
    assert.deepEqual(pattern(m)[15], [7, 7, 3, 848, 848]);
    const b = mg.metaTile([1, 2, 3]);
    assertClose(b.bbox, [-M, -1565430.3392804088, 1565430.3392804088, M]);
    assert.deepEqual(pattern(b)[0], [0, 0, 3, 0, 0]);
    assert.deepEqual(pattern(b)[5], [1, 1, 3, 256, 256]);
  });

  it('works without a buffer and with non-square meta sizes', () => {
    const m = new MetaGrid(mercator, [2, 3], 0).metaTile([3, 4, 3]);
    assertClose(m.bbox, [-10018754.171394622, -5009377.085697312, -9.313225746154785e-10, 10018754.171394624]);
    assert.deepEqual(m.size, [512, 768]);
    assert.deepEqual(pattern(m), [[2, 5, 3, 0, 0], [3, 5, 3, 256, 0], [2, 4, 3, 0, 256], [3, 4, 3, 256, 256],
      [2, 3, 3, 0, 512], [3, 3, 3, 256, 512]]);
  });

  it('handles levels that are not square (GLOBAL_GEODETIC)', () => {
    const m = new MetaGrid(tileGrid(DEFAULT_GRIDS.GLOBAL_GEODETIC), [4, 4], 10).metaTile([2, 1, 2]);
    assert.deepEqual(m.bbox, [-180, -90, 180, 90]);
    assert.deepEqual(m.size, [1024, 512]);
    assert.deepEqual(pattern(m)[0], [0, 1, 2, 0, 0]);
    assert.deepEqual(pattern(m)[4], [0, 0, 2, 0, 256]);
  });

  it('leaves out member tiles beyond the grid but keeps the others in place', () => {
    const grid = tileGrid({ srs: 'EPSG:25832', bbox: [0, 0, 768, 768], res: [1] });
    assert.deepEqual(grid.gridSize(0), [3, 3]);
    const m = new MetaGrid(grid, [2, 2], 0).metaTile([2, 2, 0]);
    assert.deepEqual(m.bbox, [512, 512, 1024, 1024]);
    assert.deepEqual(m.size, [512, 512]);
    assert.deepEqual(pattern(m), [[2, 2, 0, 0, 256]]);
    assert.deepEqual(m.mainTile, [2, 2, 0]);
  });

  it('builds a minimal meta tile around the needed tiles', () => {
    const m = new MetaGrid(mercator, [4, 4], 80).minimalMetaTile([[2, 3, 4], [3, 4, 4], [4, 3, 4]]);
    assertClose(m.bbox, [-15810846.426732138, -13306157.883883484, -6731350.458905761, -6731350.458905761]);
    assert.deepEqual(m.size, [928, 672]);
    assert.deepEqual(m.mainTile, [2, 4, 4]);
    assert.deepEqual(pattern(m), [[2, 4, 4, 80, 80], [3, 4, 4, 336, 80], [4, 4, 4, 592, 80], [2, 3, 4, 80, 336],
      [3, 3, 4, 336, 336], [4, 3, 4, 592, 336]]);
  });

  it('groups tiles by meta tile', () => {
    const mg = new MetaGrid(mercator, [4, 4], 0);
    const metas = mg.metaTilesFor([[0, 0, 3], [3, 3, 3], [4, 0, 3], [1, 2, 3]]);
    assert.deepEqual(metas.map((m) => m.baseTile), [[0, 0, 3], [4, 0, 3]]);
  });

  it('finds the meta tiles of a level inside a bbox (seeding), top row first', () => {
    const mg = new MetaGrid(mercator, [4, 4], 80);
    const a = mg.affectedLevelTiles([-1000000, -500000, 9000000, 2000000], 5);
    assert.deepEqual(a.gridSize, [3, 2]);
    assert.deepEqual(a.tiles, [[12, 16, 5], [16, 16, 5], [20, 16, 5], [12, 12, 5], [16, 12, 5], [20, 12, 5]]);
    assertClose(a.bbox, [-5009377.085697312, -5009377.085697312, 10018754.17139462, 5009377.085697313]);
    const metas = [...mg.metaTilesInBBox([-1000000, -500000, 9000000, 2000000], 5)];
    assert.equal(metas.length, 6);
    assert.deepEqual(metas[0]!.baseTile, [12, 16, 5]);

    // nw: rows counted from the top; the bbox spans all listed meta rows.
    const w = new MetaGrid(webmercator, [4, 4], 80).affectedLevelTiles([-1000000, -500000, 9000000, 2000000], 5);
    assert.deepEqual(w.tiles, [[12, 12, 5], [16, 12, 5], [20, 12, 5], [12, 16, 5], [16, 16, 5], [20, 16, 5]]);
    assertClose(w.bbox, [-5009377.085697312, -5009377.085697313, 10018754.17139462, 5009377.085697312]);
  });
});
