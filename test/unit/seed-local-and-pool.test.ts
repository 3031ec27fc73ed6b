// The command seeds beside its worker processes: items are shared by load, all stay here when no worker is left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SeedExecutor, SeedWorkItem } from '../../src/core/seed/executor.js';
import { LocalAndPoolExecutor, type WorkerPool } from '../../src/cli/seed/local-and-pool.js';

/** An executor whose items finish when the test says so. */
function fake(capacity: number) {
  const running: (() => void)[] = [];
  const ran: SeedWorkItem[] = [];
  let alive = true;
  const exec: WorkerPool = {
    capacity,
    get inFlight() {
      return running.length;
    },
    get alive() {
      return alive;
    },
    prepare: async () => {},
    run: (item) => {
      ran.push(item);
      return new Promise<number>((resolve) => running.push(() => resolve(item.tiles.length)));
    },
    close: async () => {},
  };
  return { exec, ran, finishAll: () => running.splice(0).forEach((f) => f()), kill: () => (alive = false) };
}

const item = (n: number): SeedWorkItem => ({ unit: 0, tiles: Array.from({ length: n }, (_, i) => [i, 0, 1] as [number, number, number]) });

test('items alternate between this process and the workers by load; capacity is the sum', async () => {
  const local = fake(2);
  const pool = fake(4);
  const both = new LocalAndPoolExecutor(local.exec as SeedExecutor, pool.exec);
  assert.equal(both.capacity, 6);
  const done = [1, 2, 3, 4, 5, 6].map((n) => both.run(item(n)));
  // per slot: local 2 of 2, pool 4 of 4
  assert.equal(local.ran.length, 2);
  assert.equal(pool.ran.length, 4);
  local.finishAll();
  pool.finishAll();
  assert.deepEqual(await Promise.all(done), [1, 2, 3, 4, 5, 6]);
});

test('without workers, or when they are gone, every item runs here', async () => {
  const local = fake(2);
  const alone = new LocalAndPoolExecutor(local.exec, null);
  assert.equal(alone.capacity, 2);
  const a = [alone.run(item(1)), alone.run(item(1)), alone.run(item(1))];
  assert.equal(local.ran.length, 3);
  local.finishAll();
  await Promise.all(a);

  const local2 = fake(2);
  const pool = fake(2);
  pool.kill();
  const both = new LocalAndPoolExecutor(local2.exec, pool.exec);
  const b = [both.run(item(1)), both.run(item(1))];
  assert.equal(local2.ran.length, 2);
  assert.equal(pool.ran.length, 0);
  local2.finishAll();
  await Promise.all(b);
});

test('workers still starting: items run here until they join, prepared with the units announced meanwhile', async () => {
  const local = fake(2);
  const pool = fake(2);
  const prepared: unknown[] = [];
  pool.exec.prepare = async (units) => {
    prepared.push(units);
  };
  let start!: (p: WorkerPool) => void;
  const starting = new Promise<WorkerPool>((resolve) => (start = resolve));
  const both = new LocalAndPoolExecutor(local.exec, starting, { poolCapacity: 2 });
  assert.equal(both.capacity, 4);
  const units = [{ cache: 'c', grid: 'g', refreshBefore: null, skipUncached: false }];
  await both.prepare(units);
  const early = [both.run(item(1)), both.run(item(1)), both.run(item(1))];
  assert.equal(local.ran.length, 3);
  start(pool.exec);
  await starting;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(prepared, [units]);
  const late = both.run(item(2));
  assert.equal(pool.ran.length, 1);
  local.finishAll();
  pool.finishAll();
  assert.deepEqual(await Promise.all([...early, late]), [1, 1, 1, 2]);
  await both.close();
});

test('workers that fail to start leave this process seeding alone, and say why', async () => {
  const local = fake(2);
  const errors: string[] = [];
  const both = new LocalAndPoolExecutor(local.exec, Promise.reject(new Error('seed worker failed to start: boom')), {
    poolCapacity: 2,
    onPoolError: (err) => errors.push(err.message),
  });
  await both.prepare([]);
  await new Promise((r) => setImmediate(r));
  const a = [both.run(item(1)), both.run(item(1)), both.run(item(1))];
  assert.equal(local.ran.length, 3);
  assert.deepEqual(errors, ['seed worker failed to start: boom']);
  local.finishAll();
  await Promise.all(a);
  await both.close();
});
