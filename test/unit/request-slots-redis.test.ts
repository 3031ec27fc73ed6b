// concurrent_requests across hosts on a real redis-server: two "hosts" (two RedisRequestSlots, each with its own
// connections and its own local limiter) share one limit; a holder that dies frees its slot when its lease runs out;
// with Redis gone each host keeps its local limit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InProcessLimiter, LimiterTimeoutError } from '../../src/core/client/request-limiter.js';
import { RedisRequestSlots } from '../../src/core/client/redis-request-slots.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

let redis: RedisServer;
const warnings: string[] = [];
const hosts: RedisRequestSlots[] = [];
const host = (leaseMs = 3000) => {
  const h = new RedisRequestSlots({ url: `redis://127.0.0.1:${redis.port}/0`, prefix: 'test-slots', leaseMs, connectTimeoutMs: 500, log: { warn: (m: string) => void warnings.push(m) } });
  hosts.push(h);
  return h;
};
const URL_A = 'http://upstream.example:8080/wms';

before(async () => {
  redis = await startRedisServer();
});
after(async () => {
  await Promise.all(hosts.map((h) => h.close()));
  await redis?.close();
});

describe('concurrent_requests in Redis', () => {
  it('two hosts with 3 local slots each never hold more than the 2 of the cluster at once', async () => {
    const limiters = [host(), host()].map((h) => h.limiter(URL_A, 2, new InProcessLimiter(3)));
    let active = 0;
    let most = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const release = await limiters[i % 2]!.acquire('upstream.example:8080', 10_000);
        active++;
        most = Math.max(most, active);
        await new Promise((r) => setTimeout(r, 40));
        active--;
        done++;
        release();
      }),
    );
    assert.equal(done, 12);
    assert.equal(most, 2, 'the cluster-wide limit, reached and never passed');
  });

  it('a slot of a host that died is free once its lease runs out; a waiter times out before that', async () => {
    const dyingHost = host(800);
    await dyingHost.limiter(URL_A, 1, new InProcessLimiter(1)).acquire('h');
    // the process "dies" holding the slot: no release, no more renewals
    await dyingHost.close();
    const other = host().limiter(URL_A, 1, new InProcessLimiter(1));
    await assert.rejects(other.acquire('h', 200), LimiterTimeoutError);
    const started = performance.now();
    const release = await other.acquire('h', 5000);
    const waited = performance.now() - started;
    release();
    assert.ok(waited < 5000, `taken after the lease (${waited.toFixed(0)} ms)`);
  });

  it('with Redis gone, each host keeps its local limit and says so once', async () => {
    const h = host();
    const limiter = h.limiter('http://other.example/', 1, new InProcessLimiter(1));
    await redis.stop();
    try {
      const first = await limiter.acquire('other.example', 2000);
      await assert.rejects(limiter.acquire('other.example', 300), LimiterTimeoutError, 'the local limit still holds');
      first();
      (await limiter.acquire('other.example', 2000))();
      assert.equal(warnings.filter((w) => w.includes('enforced per host')).length, 1);
    } finally {
      await redis.start();
    }
  });
});
