import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RestartBackoff } from '../../src/master/backoff.js';

describe('worker restart back-off', () => {
  it('restarts a worker that ran for a while at once', () => {
    assert.equal(new RestartBackoff().next(60_000), 0);
  });

  it('doubles the wait while a worker keeps dying quickly, up to the maximum, and resets after a stable run', () => {
    const b = new RestartBackoff({ stableAfterMs: 10_000, baseMs: 250, maxMs: 2_000 });
    assert.deepEqual([1, 2, 3, 4, 5].map(() => b.next(100)), [250, 500, 1000, 2000, 2000]);
    assert.equal(b.consecutiveFailures, 5);
    assert.equal(b.next(20_000), 0);
    assert.equal(b.next(100), 250);
  });
});
