import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessLimiter, LimiterTimeoutError } from '../../src/core/client/request-limiter.js';

test('slots are per key and handed over in order', async () => {
  const limiter = new InProcessLimiter(1);
  const r1 = await limiter.acquire('a:80');
  const rb = await limiter.acquire('b:80');
  const order: number[] = [];
  const p2 = limiter.acquire('a:80').then((r) => { order.push(2); return r; });
  const p3 = limiter.acquire('a:80').then((r) => { order.push(3); return r; });
  assert.equal(limiter.inUse('a:80'), 1);
  r1();
  r1(); // a second call has no effect
  (await p2)();
  (await p3)();
  rb();
  assert.deepEqual(order, [2, 3]);
  assert.equal(limiter.inUse('a:80'), 0);
});

test('waiting longer than the timeout rejects', async () => {
  const limiter = new InProcessLimiter(1);
  const release = await limiter.acquire('h');
  await assert.rejects(limiter.acquire('h', 50), LimiterTimeoutError);
  release();
  assert.equal(limiter.inUse('h'), 0);
  (await limiter.acquire('h', 50))();
});
