import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BBoxCoverage, GeomCoverage } from '../../src/core/geo/coverage.js';
import { tileGrid } from '../../src/core/geo/grid.js';
import { MetaGrid } from '../../src/core/geo/meta-grid.js';
import { getSRS } from '../../src/core/geo/srs.js';
import { backoffDelay, FailureWindow } from '../../src/core/seed/failure-window.js';
import { LevelProgress, ProgressStore } from '../../src/core/seed/progress-store.js';
import { countWalk, walkMetaTiles } from '../../src/core/seed/walker.js';

const grid = tileGrid({ srs: 'EPSG:3857', origin: 'nw' });
const merc = getSRS('EPSG:3857');
// an L-shaped polygon in web mercator metres, off the tile edges (tiles it only touches are not seeded)
const lShape = new GeomCoverage(
  [[[[1e5, 1e5], [3e6, 1e5], [3e6, 1e6], [1e6, 1e6], [1e6, 3e6], [1e5, 3e6], [1e5, 1e5]]]],
  merc,
);

/** Every meta tile of a level whose bbox intersects the coverage, by testing them all. */
function bruteForce(level: number, metaSize: [number, number], coverage: GeomCoverage | BBoxCoverage): Set<string> {
  const meta = new MetaGrid(grid, metaSize, 0);
  const [nx, ny] = grid.gridSize(level);
  const out = new Set<string>();
  for (let x = 0; x < nx; x += metaSize[0]) {
    for (let y = 0; y < ny; y += metaSize[1]) {
      if (coverage.intersects(meta.metaTile([x, y, level]).bbox, merc)) out.add(`${x},${y},${level}`);
    }
  }
  return out;
}

test('the walk yields exactly the meta tiles that intersect the coverage, each once', () => {
  const levels = [0, 2, 3, 5, 6];
  const items = [...walkMetaTiles(grid, { levels, coverage: lShape, metaSize: [2, 2] })];
  for (const level of levels) {
    const got = items.filter((i) => i.level === level).map((i) => i.main.join(','));
    assert.equal(new Set(got).size, got.length, `level ${level}: duplicates`);
    assert.deepEqual(new Set(got), bruteForce(level, [2, 2], lShape), `level ${level}`);
  }
  const level6 = items.filter((i) => i.level === 6);
  assert.ok(level6.every((i) => i.tiles.length === 4), 'full meta tiles inside the grid');
  assert.ok(!items.some((i) => i.level === 1 || i.level === 4), 'only the asked levels');
});

test('depth first: children come before their parent, and a whole-grid walk covers every tile', () => {
  const items = [...walkMetaTiles(grid, { levels: [0, 1, 2], coverage: null, metaSize: [1, 1] })];
  assert.equal(items.length, 1 + 4 + 16);
  assert.equal(items[0]!.level, 2);
  assert.equal(items[items.length - 1]!.level, 0);
  const counts = countWalk(grid, { levels: [0, 1, 2], coverage: null, metaSize: [1, 1] });
  assert.deepEqual([...counts.entries()], [[2, { items: 16, tiles: 16 }], [1, { items: 4, tiles: 4 }], [0, { items: 1, tiles: 1 }]]);
});

test('skipping geometry tests on the last levels keeps everything below a touched tile', () => {
  const box = new BBoxCoverage([1, 1, 2, 2], merc);
  const exact = [...walkMetaTiles(grid, { levels: [4], coverage: box, metaSize: [1, 1] })];
  const loose = [...walkMetaTiles(grid, { levels: [0, 1, 2, 3, 4], coverage: box, metaSize: [1, 1], skipGeomsForLastLevels: 2 })];
  assert.equal(exact.length, 1);
  assert.ok(loose.filter((i) => i.level === 4).length > 1);
});

test('level progress: a watermark plus the items finished out of order', () => {
  const p = new LevelProgress();
  p.markDone(1);
  p.markDone(3);
  assert.ok(!p.isDone(0) && p.isDone(1) && !p.isDone(2) && p.isDone(3));
  p.markDone(0);
  assert.deepEqual(p.toJSON(), { done: 2, extra: [3] });
  p.markDone(2);
  assert.deepEqual(p.toJSON(), { done: 4, extra: [] });
});

test('progress files: written atomically, reused only for the same walk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seed-progress-'));
  try {
    const file = join(dir, 'progress.json');
    const a = new ProgressStore(file, { resume: false });
    a.unit('seed/a', 'fp1').level(3).markDone(0);
    a.unit('cleanup/b', 'fp2').cleanedLevels.add(5);
    a.save();
    const b = new ProgressStore(file, { resume: true });
    assert.ok(b.unit('seed/a', 'fp1').level(3).isDone(0));
    assert.ok(b.unit('cleanup/b', 'fp2').cleanedLevels.has(5));
    assert.ok(!b.unit('seed/a', 'other walk').level(3).isDone(0));
    const fresh = new ProgressStore(file, { resume: false });
    assert.ok(!fresh.unit('seed/a', 'fp1').level(3).isDone(0), 'without --continue nothing is skipped');
    writeFileSync(file, 'garbage');
    const bad = new ProgressStore(file, { resume: true });
    assert.match(bad.warning ?? '', /cannot read progress file/);
    bad.remove();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the failure window trips on a share of recent failures, not on old ones', () => {
  const w = new FailureWindow(10, 0.5, 4);
  w.record(false);
  w.record(false);
  w.record(false);
  assert.ok(!w.tripped, 'too few samples');
  w.record(true);
  assert.ok(w.tripped, '3 of 4 failed');
  for (let i = 0; i < 10; i++) w.record(true);
  assert.ok(!w.tripped);
  assert.equal(backoffDelay(0, 2000, 60000), 2000);
  assert.equal(backoffDelay(3, 2000, 60000), 16000);
  assert.equal(backoffDelay(10, 2000, 60000), 60000);
});
