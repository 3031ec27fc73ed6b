import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeedCreationQueue } from '../../src/core/seed/seed-creation-queue.js';

describe('seed creation queue', () => {
  it('runs every creation at once, nested ones too, with their results and errors', async () => {
    const queue = new SeedCreationQueue();
    let running = 0;
    let most = 0;
    const creation = async (n: number) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return n;
    };
    const many = queue.maxActive + 3;
    const results = await Promise.all(Array.from({ length: many }, (_, i) => queue.run(() => creation(i))));
    assert.deepEqual(results, Array.from({ length: many }, (_, i) => i));
    assert.equal(most, many);
    assert.equal(await queue.run(() => queue.run(() => creation(7))), 7);
    await assert.rejects(queue.run(() => Promise.reject(new Error('upstream down'))), /upstream down/);
    assert.equal(queue.queued, 0);
  });
});
