// `-c N`: N slots of two meta tiles each; the command serves the first two slots itself, each worker process two more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ITEMS_PER_SLOT, SLOTS_PER_PROCESS, seedProcesses } from '../../src/cli/seed/seed-processes.js';

test('-c 1 and -c 2 seed in the command alone, with 2 and 4 meta tiles in hand', () => {
  assert.deepEqual(seedProcesses(1), { localCapacity: 2, workers: 0, workerCapacity: 0 });
  assert.deepEqual(seedProcesses(2), { localCapacity: 4, workers: 0, workerCapacity: 0 });
});

test('more slots start workers, two slots each; an odd slot gets a worker of its own', () => {
  assert.deepEqual(seedProcesses(3), { localCapacity: 4, workers: 1, workerCapacity: 2 });
  assert.deepEqual(seedProcesses(4), { localCapacity: 4, workers: 1, workerCapacity: 4 });
  assert.deepEqual(seedProcesses(5), { localCapacity: 4, workers: 2, workerCapacity: 6 });
  assert.deepEqual(seedProcesses(16), { localCapacity: 4, workers: 7, workerCapacity: 28 });
});

test('every slot is served: 2N meta tiles in hand in ⌈N / 2⌉ processes; nonsense counts mean one slot', () => {
  for (let n = 1; n <= 64; n++) {
    const p = seedProcesses(n);
    assert.equal(p.localCapacity + p.workerCapacity, n * ITEMS_PER_SLOT, `-c ${n}`);
    assert.equal(1 + p.workers, Math.ceil(n / SLOTS_PER_PROCESS), `-c ${n}`);
  }
  assert.deepEqual(seedProcesses(0), seedProcesses(1));
  assert.deepEqual(seedProcesses(-3), seedProcesses(1));
});
