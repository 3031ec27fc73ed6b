import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workerPoolSize } from '../../src/master/pool-size.js';

test('each worker gets its share of the cores as pool threads, at least two', () => {
  // 2 workers on 2 cores: two threads each, not one (measured: big maps 60-70 % faster, see pool-size.ts)
  assert.equal(workerPoolSize(2, 2), 2);
  assert.equal(workerPoolSize(2, 1), 2);
  assert.equal(workerPoolSize(16, 4), 4);
  assert.equal(workerPoolSize(16, 1), 16);
  assert.equal(workerPoolSize(6, 4), 2);
  assert.equal(workerPoolSize(12, 5), 3);
  assert.equal(workerPoolSize(0, 0), 2);
});
