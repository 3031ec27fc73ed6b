// The cross-host meta tile lock against a real redis-server: leases run out when their owner is gone, are renewed
// while it works, are released only with the owner's token, and waiters are woken by the release (pub/sub), not
// by polling. With Redis away the lock falls back to the host's own lock, warns once, and comes back with Redis.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisLeases, type LeaseOutcome } from '../../src/core/tiles/redis-leases.js';
import { RedisTileLock } from '../../src/core/tiles/redis-tile-lock.js';
import type { TileLock } from '../../src/core/tiles/tile-lock.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config/load-config.js';
import { MINIMAL, writeConfigDir } from './config-helpers.js';

let redis: RedisServer;
let inspect: Redis;
const open: RedisLeases[] = [];
before(async () => {
  redis = await startRedisServer();
  inspect = new Redis({ port: redis.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  await inspect.connect();
});
after(async () => {
  await Promise.all(open.map((l) => l.close()));
  inspect.disconnect();
  await redis.close();
});
beforeEach(async () => {
  await inspect.flushall();
});

function recorder() {
  const lines: string[] = [];
  return { lines, warn: (m: string) => void lines.push(`warn ${m}`), info: (m: string) => void lines.push(`info ${m}`) };
}

function leases(opts: { leaseMs?: number; log?: ReturnType<typeof recorder>; connectTimeoutMs?: number } = {}): RedisLeases {
  const l = new RedisLeases({
    url: `redis://127.0.0.1:${redis.port}/0`,
    prefix: 'test-lock',
    leaseMs: opts.leaseMs ?? 10_000,
    connectTimeoutMs: opts.connectTimeoutMs ?? 1000,
    log: opts.log ?? recorder(),
  });
  open.push(l);
  return l;
}

function held(o: LeaseOutcome) {
  assert.equal(o.kind, 'held', `expected the lease, got ${JSON.stringify(o)}`);
  return o as Extract<LeaseOutcome, { kind: 'held' }>;
}

/** EVAL calls Redis has answered since the last reset: how often the lock asked. */
async function evalCalls(): Promise<number> {
  const info = await inspect.info('commandstats');
  const m = /cmdstat_eval:calls=(\d+)/.exec(info);
  return m ? Number(m[1]) : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Redis tile lock', () => {
  it('a crashed owner\'s lease runs out and the waiter takes it then, without polling meanwhile', async () => {
    // what a host killed while holding the lease leaves behind: a key nobody renews or deletes
    await inspect.set('test-lock:m-1-2-3', 'dead-host:1:x', 'PX', 600);
    const l = leases();
    await inspect.config('RESETSTAT');
    const started = Date.now();
    const got = held(await l.acquire('m-1-2-3', 5000));
    const waited = Date.now() - started;
    assert.ok(waited >= 550 && waited < 1200, `took it when the lease ran out (after ${waited} ms)`);
    assert.ok((await evalCalls()) <= 3, 'one attempt, one after the expiry (no polling)');
    assert.equal(await inspect.get('test-lock:m-1-2-3'), got.lease.token);
    await got.lease.release();
    assert.equal(await inspect.exists('test-lock:m-1-2-3'), 0);
  });

  it('the owner renews its lease while it works: nobody else gets it before the release', async () => {
    const a = leases({ leaseMs: 300 });
    const b = leases({ leaseMs: 300 });
    const first = held(await a.acquire('m-0-0-1', 5000));
    const started = Date.now();
    const second = b.acquire('m-0-0-1', 5000);
    await sleep(1000);
    assert.equal(await inspect.get('test-lock:m-0-0-1'), first.lease.token, 'still the owner after three leases');
    const pttl = await inspect.pttl('test-lock:m-0-0-1');
    assert.ok(pttl > 0 && pttl <= 300, `lease renewed (${pttl} ms left)`);
    await first.lease.release();
    const releasedAt = Date.now();
    const next = held(await second);
    assert.ok(Date.now() - started >= 1000, 'the waiter waited for the release');
    assert.ok(Date.now() - releasedAt < 150, `woken by the release (${Date.now() - releasedAt} ms later)`);
    await next.lease.release();
  });

  it('only the owner\'s token releases: a lease that ran out and was taken by another host stays theirs', async () => {
    const log = recorder();
    const a = leases({ leaseMs: 300, log });
    const mine = held(await a.acquire('m-5-5-5', 1000));
    // as if this owner's lease had run out (a long pause) and another host had taken the key
    await inspect.set('test-lock:m-5-5-5', 'other-host:9:y', 'PX', 10_000);
    await sleep(250); // a renewal falls in here: it must not extend the other host's lease, and it is reported
    await mine.lease.release();
    assert.equal(await inspect.get('test-lock:m-5-5-5'), 'other-host:9:y');
    assert.ok((await inspect.pttl('test-lock:m-5-5-5')) > 9000, 'not renewed by the former owner');
    assert.ok(log.lines.some((l) => /ran out before its meta tile was made/.test(l)), log.lines.join('\n'));
  });

  it('every waiter is woken by the release, one gets the lease, the next one gets it at the next release', async () => {
    const owner = leases();
    const [w1, w2] = [leases(), leases()];
    const first = held(await owner.acquire('m-2-2-2', 5000));
    const waiting = [w1.acquire('m-2-2-2', 5000), w2.acquire('m-2-2-2', 5000)];
    await sleep(300);
    await inspect.config('RESETSTAT');
    await first.lease.release();
    const releasedAt = Date.now();
    const winner = await Promise.race(waiting);
    assert.ok(Date.now() - releasedAt < 150, 'woken at once, with a lease of 10 s');
    const second = held(winner);
    await sleep(200);
    await second.lease.release();
    const outcomes = await Promise.all(waiting);
    assert.deepEqual(outcomes.map((o) => o.kind), ['held', 'held']);
    const third = outcomes.find((o) => o !== winner)!;
    await held(third).lease.release();
    // release, two tries on the first release, one on the second, the last release: no polling in between
    assert.ok((await evalCalls()) <= 6, `${await evalCalls()} EVAL calls`);
  });

  it('the wait is bounded: after it the waiter is told who still holds the lease', async () => {
    const a = leases();
    const mine = held(await a.acquire('m-3-3-3', 1000));
    const started = Date.now();
    const outcome = await leases().acquire('m-3-3-3', 300);
    assert.equal(outcome.kind, 'timeout');
    assert.equal((outcome as Extract<LeaseOutcome, { kind: 'timeout' }>).holder, mine.lease.token);
    assert.ok(Date.now() - started >= 290 && Date.now() - started < 800);
    await mine.lease.release();
  });

  it('with Redis away the host\'s own lock is used at once with one warning; the lease is back when Redis is', async () => {
    const log = recorder();
    const l = leases({ log, connectTimeoutMs: 500 });
    let localLocks = 0;
    const local: TileLock = {
      lock: async () => {
        localLocks++;
        return { path: 'local', waitedMs: 0, release: async () => {} };
      },
    };
    const lock = new RedisTileLock({ local, leases: l, lockId: 'abc', waitMs: 5000, log });
    const h = await lock.lock([1, 2, 3]);
    assert.equal(await inspect.exists('test-lock:abc-1-2-3'), 1, 'the lease is taken in Redis');
    await h.release();
    assert.equal(await inspect.exists('test-lock:abc-1-2-3'), 0);

    await redis.stop();
    try {
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const fallback = await lock.lock([1, 2, 3]);
        assert.ok(Date.now() - started < 700, `falls back within the connect timeout (${Date.now() - started} ms)`);
        assert.equal(fallback.path, 'local');
        await fallback.release();
      }
      assert.equal(localLocks, 4);
      assert.equal(log.lines.filter((x) => /unreachable/.test(x)).length, 1, `one warning: ${log.lines.join('\n')}`);
    } finally {
      await redis.start();
    }
    await inspect.ping().catch(() => {});
    const deadline = Date.now() + 5000;
    while (!log.lines.some((x) => /reachable again/.test(x)) && Date.now() < deadline) await sleep(50);
    assert.ok(log.lines.some((x) => /^info .*reachable again/.test(x)), log.lines.join('\n'));
    const back = await lock.lock([1, 2, 3]);
    assert.equal(await inspect.exists('test-lock:abc-1-2-3'), 1, 'the lease is taken again');
    await back.release();
  });
});

describe('Redis tile lock, Redis refusing writes', () => {
  it('an error reply falls back to the local lock with a warning; the first lease after it ends the outage', async () => {
    const log = recorder();
    const l = leases({ log });
    held(await l.acquire('warm-up', 1000)).lease.release();
    await inspect.config('SET', 'maxmemory-policy', 'noeviction');
    await inspect.config('SET', 'maxmemory', '1');
    try {
      assert.equal((await l.acquire('m-7-7-7', 1000)).kind, 'unavailable');
      assert.equal((await l.acquire('m-7-7-7', 1000)).kind, 'unavailable');
    } finally {
      await inspect.config('SET', 'maxmemory', '0');
    }
    held(await l.acquire('m-7-7-7', 1000)).lease.release();
    assert.deepEqual(log.lines.map((x) => x.replace(/ at .*/, '')), ['warn tile lock: Redis', 'info tile lock: Redis']);
    assert.match(log.lines[0]!, /unreachable \(OOM/);
  });
});

describe('globals.cache.tile_lock', () => {
  const load = (yaml: string) => {
    const dir = writeConfigDir({ 'mapproxy.yaml': MINIMAL + yaml });
    return loadConfig(join(dir, 'mapproxy.yaml'), { env: {} });
  };

  it('reads the redis lock with its defaults; absent, there is none (lock files only, as MapProxy)', () => {
    assert.equal(load('').config.globals.cache.tileLock, undefined);
    assert.deepEqual(load('globals:\n  cache:\n    tile_lock: {type: redis, url: "redis://r:6380/2"}\n').config.globals.cache.tileLock, {
      type: 'redis', url: 'redis://r:6380/2', prefix: 'mapproxy-ts:tile-lock', lease: 10, connectTimeout: 2,
    });
    const full = load('globals:\n  cache:\n    tile_lock: {type: redis, url: "rediss://u:p@r", prefix: x, lease: 4, wait_timeout: 30, connect_timeout: 0.5}\n');
    assert.deepEqual(full.config.globals.cache.tileLock, { type: 'redis', url: 'rediss://u:p@r', prefix: 'x', lease: 4, waitTimeout: 30, connectTimeout: 0.5 });
  });

  it('a wrong value names its key', () => {
    assert.throws(() => load('globals:\n  cache:\n    tile_lock: {type: redis}\n'), /globals\.cache\.tile_lock\.url: missing required value/);
    assert.throws(() => load('globals:\n  cache:\n    tile_lock: {type: redis, url: "http://r"}\n'), /tile_lock\.url: expected a redis:\/\/ or rediss:\/\/ URL/);
    assert.throws(() => load('globals:\n  cache:\n    tile_lock: {type: redis, url: "redis://r", lease: 0}\n'), /tile_lock\.lease: expected a number of seconds > 0/);
    assert.throws(() => load('globals:\n  cache:\n    tile_lock: {type: memcache}\n'), /tile_lock\.type: expected one of 'file', 'redis'/);
  });
});
