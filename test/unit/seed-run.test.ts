import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildRuntime } from '../../src/core/runtime/runtime.js';
import { loadConfig } from '../../src/core/config/load-config.js';
import { loadSeedConfig } from '../../src/core/config/seed-config.js';
import { runCleanup } from '../../src/core/seed/cleanup.js';
import { InProcessExecutor, type SeedExecutor, type SeedWorkItem } from '../../src/core/seed/executor.js';
import { ProgressStore } from '../../src/core/seed/progress-store.js';
import { runSeed } from '../../src/core/seed/seeder.js';
import { planCleanupTasks, planSeedTasks } from '../../src/core/seed/tasks.js';
import { debugSeedConfig } from '../support/seed-debug-config.js';

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  walk(dir);
  return out.filter((f) => !f.startsWith('tile_locks')).sort();
}

const dirs = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== 'tile_locks').map((e) => e.name).sort();

async function setup(seedYaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'seed-run-'));
  writeFileSync(join(dir, 'mapproxy.yaml'), debugSeedConfig(dir));
  writeFileSync(join(dir, 'seed.yaml'), seedYaml);
  const loaded = loadConfig(join(dir, 'mapproxy.yaml'));
  const seedConf = loadSeedConfig(join(dir, 'seed.yaml'), loaded);
  const runtime = await buildRuntime(loaded, { seeding: true });
  return {
    dir,
    tiles: join(dir, 'tiles'),
    seeds: (names?: string[]) => planSeedTasks(seedConf, loaded.config, runtime, names),
    cleanups: (names?: string[]) => planCleanupTasks(seedConf, loaded.config, runtime, names),
    executor: new InProcessExecutor(runtime, 2),
    async close() {
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const SEED = `
coverages:
  west: {bbox: [-180, -90, 0, 90], srs: 'EPSG:4326'}
  corner: {bbox: [-180, -90, -135, 90], srs: 'EPSG:4326'}
seeds:
  all: {caches: [c], levels: {to: 3}}
  west: {caches: [c], levels: [2, 3], coverages: [west]}
cleanups:
  corner: {caches: [c], levels: [3], coverages: [corner], remove_all: true}
  old: {caches: [c], levels: [2, 3]}
`;

test('seeding creates every tile of the coverage and nothing else; a second run creates nothing', async () => {
  const s = await setup(SEED);
  try {
    const first = await runSeed(s.seeds(['west']), { executor: s.executor });
    // level 2: 4x2 tiles of 90°, west half 2x2; level 3: 8x4, west half 4x4
    assert.equal(first.tilesCreated, 4 + 16);
    assert.equal(first.stopped, null);
    const got = files(s.tiles);
    assert.equal(got.length, 20);
    assert.ok(got.every((f) => Number(f.split('/')[1]) < (f.startsWith('2/') ? 2 : 4)), 'only western columns');
    const again = await runSeed(s.seeds(['west']), { executor: s.executor });
    assert.equal(again.tilesCreated, 0);
    assert.equal(again.tilesDone, 20);
  } finally {
    await s.close();
  }
});

test('a dry run counts, creates nothing', async () => {
  const s = await setup(SEED);
  try {
    const r = await runSeed(s.seeds(['all']), { dryRun: true });
    assert.equal(r.tilesTotal, 1 + 2 + 8 + 32);
    assert.deepEqual(r.counts.get('all/c/g')?.get(3), { items: 32, tiles: 32, missing: 32 });
    assert.deepEqual(files(s.tiles), []);
  } finally {
    await s.close();
  }
});

test('resuming skips what the progress file records as done', async () => {
  const s = await setup(SEED);
  try {
    const file = join(s.dir, 'progress.json');
    const abort = new AbortController();
    let runs = 0;
    const stopping: SeedExecutor = {
      capacity: 1,
      prepare: (u) => s.executor.prepare(u),
      run: async (item: SeedWorkItem) => {
        if (++runs === 10) abort.abort();
        return s.executor.run(item);
      },
      close: async () => {},
    };
    const first = await runSeed(s.seeds(['all']), { executor: stopping, progress: new ProgressStore(file, { resume: false }), signal: abort.signal });
    assert.equal(first.stopped, 'interrupted');
    assert.equal(first.tilesCreated, 10);
    let resumedRuns = 0;
    const counting: SeedExecutor = { ...stopping, run: (item) => (resumedRuns++, s.executor.run(item)) };
    const second = await runSeed(s.seeds(['all']), { executor: counting, progress: new ProgressStore(file, { resume: true }) });
    assert.equal(second.itemsResumed, 10);
    assert.equal(resumedRuns, 43 - 10, 'finished items are not handed out again');
    assert.equal(files(s.tiles).length, 43);
  } finally {
    await s.close();
  }
});

test('a failing meta tile is retried with back-off; a failing upstream stops the run with its errors', async () => {
  const s = await setup(SEED);
  try {
    let calls = 0;
    const flaky: SeedExecutor = {
      capacity: 2,
      prepare: (u) => s.executor.prepare(u),
      run: (item) => (++calls % 3 === 1 ? Promise.reject(new Error('upstream 503')) : s.executor.run(item)),
      close: async () => {},
    };
    const warnings: string[] = [];
    const ok = await runSeed(s.seeds(['west']), {
      executor: flaky, retryDelayMs: 1, maxFailureRate: 0.9,
      reporter: { message() {}, warn: (w) => warnings.push(w), start() {}, progress() {}, finish() {} },
    });
    assert.equal(ok.stopped, null);
    assert.equal(ok.failed.length, 0);
    assert.equal(files(s.tiles).length, 20, 'every tile made it after retries');
    assert.ok(warnings.some((w) => /failed: upstream 503; retry 1 of 5/.test(w)), warnings.join('\n'));

    let attempts = 0;
    const broken: SeedExecutor = { ...flaky, run: () => (attempts++, Promise.reject(new Error('connection refused'))) };
    const stopped = await runSeed(s.seeds(['all']), { executor: broken, retryDelayMs: 1, failureWindow: 10, maxFailureRate: 0.5 });
    assert.equal(stopped.stopped, 'failures');
    assert.match(stopped.stopReason ?? '', /of the last 10 upstream attempts failed/);
    assert.deepEqual([...new Set(stopped.recentErrors)], ['connection refused']);
    assert.ok(attempts < 20, `stopped early, after ${attempts} attempts`);
  } finally {
    await s.close();
  }
});

test('cleanups remove exactly the tiles in the coverage, or old files by level, and empty directories', async () => {
  const s = await setup(SEED);
  try {
    await runSeed(s.seeds(['all']), { executor: s.executor });
    assert.equal(files(s.tiles).length, 43);
    const removed = await runCleanup(s.cleanups(['corner']));
    // level 3 tiles are 45°: the strip lon -180..-135 is the first column, 4 tiles
    assert.equal(removed.tilesRemoved, 4);
    const level3 = files(s.tiles).filter((f) => f.startsWith('3/'));
    assert.equal(level3.length, 28);
    assert.ok(!level3.some((f) => f.startsWith('3/0/')));
    assert.ok(level3.includes('3/1/0.png'), 'the neighbour column stays');
    assert.ok(!existsSync(join(s.tiles, '3', '0')), 'column directory left empty is removed');

    // 'old' removes files modified before the run: make level 2 old, keep level 3 fresh
    for (const f of files(s.tiles).filter((f) => f.startsWith('2/'))) utimesSync(join(s.tiles, f), 1000, 1000);
    const [old] = s.cleanups(['old']);
    assert.ok(old && old.removeBefore > statSync(join(s.tiles, '3')).mtimeMs / 1000 - 60);
    for (const f of files(s.tiles).filter((f) => f.startsWith('3/'))) utimesSync(join(s.tiles, f), Date.now() / 1000 + 60, Date.now() / 1000 + 60);
    const r = await runCleanup([old]);
    assert.equal(r.tilesRemoved, 8);
    assert.deepEqual(dirs(s.tiles), ['0', '1', '3']);
  } finally {
    await s.close();
  }
});
