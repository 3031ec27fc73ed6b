// The seed queue on a real redis-server: a run split into units that several workers take, resumed after the
// coordinator stops, and the units of a worker that stops answering taken over after their lease.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/core/config/load-config.js';
import { loadSeedConfig } from '../../src/core/config/seed-config.js';
import { buildRuntime, type Runtime } from '../../src/core/runtime/runtime.js';
import { InProcessExecutor, type SeedExecutor } from '../../src/core/seed/executor.js';
import { runQueuedSeed } from '../../src/core/seed/queue/queue-coordinator.js';
import { runSeedWorker } from '../../src/core/seed/queue/queue-worker.js';
import { RedisSeedQueue } from '../../src/core/seed/queue/seed-queue.js';
import { planSeedTasks, type SeedTask } from '../../src/core/seed/tasks.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
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
  return out.sort();
}

let redis: RedisServer;
let dir: string;
let runtime: Runtime;
let tasks: SeedTask[];
const url = () => `redis://127.0.0.1:${redis.port}/0`;

before(async () => {
  redis = await startRedisServer();
  dir = mkdtempSync(join(tmpdir(), 'seed-queue-'));
  writeFileSync(join(dir, 'mapproxy.yaml'), debugSeedConfig(dir));
  writeFileSync(join(dir, 'seed.yaml'), 'seeds:\n  all: {caches: [c], levels: {to: 4}}\n');
  const loaded = loadConfig(join(dir, 'mapproxy.yaml'));
  runtime = await buildRuntime(loaded, { seeding: true });
  tasks = planSeedTasks(loadSeedConfig(join(dir, 'seed.yaml'), loaded), loaded.config, runtime);
});

after(async () => {
  await runtime?.close();
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Levels 0..4 of a 2:1 grid: 1 + 2 + 8 + 32 + 128 tiles; the debug source has no meta tiles, so one unit each. */
const TILES = 171;
const UNITS = TILES;

describe('seeding through a Redis queue', () => {
  it('three workers share a run: every tile once, every unit counted once, the coordinator sees the cluster', async () => {
    rmSync(join(dir, 'tiles'), { recursive: true, force: true });
    const queue = await RedisSeedQueue.open(url(), 'q1');
    const runs: string[][] = [[], [], []];
    const workers = runs.map(async (seen, i) => {
      const inner = new InProcessExecutor(runtime, 2);
      const executor: SeedExecutor = { ...inner, capacity: 2, prepare: (u) => inner.prepare(u), run: (item) => (seen.push(item.tiles.join(' ')), inner.run(item)), close: async () => {} };
      const q = await RedisSeedQueue.open(url(), 'q1');
      try {
        return await runSeedWorker({ queue: q, executor, consumer: `w${i}`, leaseMs: 5000, blockMs: 200 });
      } finally {
        await q.close();
      }
    });
    const progress: number[] = [];
    const result = await runQueuedSeed(tasks, {
      queue, pollMs: 100, maxBacklog: 10,
      reporter: { message() {}, warn() {}, start() {}, progress: (s) => void progress.push(s.tilesDone), finish() {} },
    });
    const done = await Promise.all(workers);
    await queue.close();
    assert.equal(result.stopped, null);
    assert.equal(result.unitsTotal, UNITS);
    assert.equal(result.tilesDone, TILES);
    assert.equal(result.tilesCreated, TILES);
    assert.equal(files(join(dir, 'tiles')).length, TILES);
    const all = runs.flat();
    assert.equal(all.length, UNITS, 'no unit handed out twice');
    assert.equal(new Set(all).size, UNITS);
    assert.ok(done.every((d) => d.stopped === null), 'the workers end with the run');
    assert.equal(done.reduce((n, d) => n + d.unitsDone, 0), UNITS);
    assert.ok(done.filter((d) => d.unitsDone > 0).length >= 2, `the work is shared: ${done.map((d) => d.unitsDone)}`);
    assert.ok(progress.some((p) => p > 0 && p < TILES), 'progress is reported while the cluster works');
  });

  it('a worker that stops answering: its units are taken over after the lease, nothing else is redone', async () => {
    rmSync(join(dir, 'tiles'), { recursive: true, force: true });
    const queue = await RedisSeedQueue.open(url(), 'q2');
    // the coordinator queues everything first, then a worker takes two units and hangs (a frozen process)
    const coordinator = runQueuedSeed(tasks, { queue, pollMs: 100 });
    const stuckQueue = await RedisSeedQueue.open(url(), 'q2');
    while (!(await stuckQueue.run())?.enqueued) await new Promise((r) => setTimeout(r, 20));
    const held = await stuckQueue.take('stuck', 2, 60_000, 100);
    assert.equal(held.length, 2);
    const healthyRuns: string[] = [];
    const inner = new InProcessExecutor(runtime, 2);
    const q = await RedisSeedQueue.open(url(), 'q2');
    const started = Date.now();
    const worker = await runSeedWorker({
      queue: q, consumer: 'healthy', leaseMs: 1500, blockMs: 200,
      executor: { capacity: 2, prepare: (u) => inner.prepare(u), run: (item) => (healthyRuns.push(item.tiles.join(' ')), inner.run(item)), close: async () => {} },
    });
    const result = await coordinator;
    assert.equal(result.tilesDone, TILES);
    assert.equal(worker.unitsDone, UNITS, 'the healthy worker did everything, the stuck units included');
    assert.equal(healthyRuns.length, UNITS, 'and nothing twice');
    assert.ok(Date.now() - started >= 1500, 'the stuck units waited for their lease');
    assert.equal(await stuckQueue.done(held[0]!.id, result.runId, 4, 4), false, 'a late acknowledgement is not counted again');
    assert.equal(files(join(dir, 'tiles')).length, TILES);
    await Promise.all([queue.close(), q.close(), stuckQueue.close()]);
  });

  it('--continue after the coordinator stopped queues only the rest of the walk, and failed units again', async () => {
    rmSync(join(dir, 'tiles'), { recursive: true, force: true });
    const queue = await RedisSeedQueue.open(url(), 'q3');
    const abort = new AbortController();
    // stop after the first batches are queued, before any worker ran
    const first = await runQueuedSeed(tasks, { queue, pollMs: 50, maxBacklog: 5, signal: abort.signal, reporter: { message() {}, warn() {}, start() {}, progress: () => abort.abort(), finish() {} } });
    assert.equal(first.stopped, 'interrupted');
    const queued = (await queue.run())!;
    assert.ok(queued.unitsQueued > 0 && queued.unitsQueued < UNITS, `part of the walk is queued: ${queued.unitsQueued}`);
    assert.equal(queued.enqueued, false);
    // a worker whose upstream fails every unit of level 0: recorded as failed
    const inner = new InProcessExecutor(runtime, 2);
    let failing = true;
    const executor: SeedExecutor = {
      capacity: 1, prepare: (u) => inner.prepare(u), close: async () => {},
      run: (item) => (failing && item.tiles[0]![2] === 0 ? Promise.reject(new Error('upstream says no')) : inner.run(item)),
    };
    const q = await RedisSeedQueue.open(url(), 'q3');
    const worker = runSeedWorker({ queue: q, executor, consumer: 'w', retries: 0, blockMs: 100, maxFailureRate: 1.1 });
    const second = await runQueuedSeed(tasks, { queue, resume: true, pollMs: 50 });
    assert.equal(second.resumed, true);
    assert.equal(second.runId, first.runId);
    assert.equal(second.unitsTotal, UNITS);
    assert.equal(second.unitsFailed, 1);
    assert.equal(second.failed[0]!.error, 'upstream says no');
    assert.equal(second.tilesDone, TILES - 1);
    assert.equal((await worker).unitsFailed, 1);
    failing = false;
    const third = runQueuedSeed(tasks, { queue, resume: true, pollMs: 50 });
    // a finished run ends its workers: this one starts once the failed unit is queued again
    while ((await queue.run())!.unitsFailed > 0) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await runSeedWorker({ queue: q, executor, consumer: 'w', blockMs: 100 })).unitsDone, 1);
    await third;
    assert.equal((await third).unitsFailed, 0);
    assert.equal((await third).tilesDone, TILES);
    assert.equal(files(join(dir, 'tiles')).length, TILES);
    await Promise.all([queue.close(), q.close()]);
  });
});
