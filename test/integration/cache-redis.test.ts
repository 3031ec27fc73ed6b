// The redis cache against Debian's redis-server: MapProxy's keys and expiry, times from the expiry, batch store
// and load, a Redis that is away at start or goes away mid-request and comes back, TLS with client certificates,
// seeding and cleanup, and MapProxy 1.15 reading our tiles and we reading its tiles from the same Redis.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { CacheWriteError } from '../../src/core/cache/cache-write-error.js';
import { RedisCache } from '../../src/core/cache/redis-cache.js';
import type { TileCoord } from '../../src/core/geo/grid.js';
import { NO_METRICS } from '../../src/core/metrics.js';
import { startReferenceMapProxy, PYTHON } from '../support/mapproxy-reference.js';
import { configuredCaches, exchangeTilesWithMapProxy, networkCacheSetup, type NetworkCacheSetup } from '../support/network-cache-setup.js';
import { get } from '../support/our-app.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { waitUntil } from '../support/wait-until.js';

const quiet = { error() {}, warn() {} };
const png = (n: number) => Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(n, n & 0xff)]);

let redis: RedisServer;
let inspect: Redis;
before(async () => {
  redis = await startRedisServer();
  inspect = new Redis({ port: redis.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 }).on('error', () => {});
});
after(async () => {
  inspect.disconnect();
  await redis.close();
});

const cache = (o: { prefix?: string; ttl?: number; db?: number } = {}) =>
  new RedisCache({ host: '127.0.0.1', port: redis.port, db: o.db ?? 0, prefix: o.prefix ?? 'c_GLOBAL_WEBMERCATOR', ttl: o.ttl ?? 3600, log: quiet });

describe('redis cache', () => {
  it('stores a meta tile under MapProxy\'s keys with the time to live, loads it in one batch, removes tiles', async () => {
    const c = cache({ prefix: 'store' });
    try {
      const coords: TileCoord[] = [[4, 5, 3], [5, 5, 3], [4, 6, 3], [5, 6, 3]];
      const before = Date.now() / 1000;
      await c.storeMany(coords.map((coord, i) => ({ coord, data: png(100 + i) })));
      assert.deepEqual((await inspect.keys('store-*')).sort(), ['store-3-4-5', 'store-3-4-6', 'store-3-5-5', 'store-3-5-6']);
      assert.deepEqual(await inspect.getBuffer('store-3-5-6'), png(103));
      const pttl = await inspect.pttl('store-3-4-5');
      assert.ok(pttl > 3_595_000 && pttl <= 3_600_000, `expires in an hour: ${pttl} ms`);

      const loaded = await c.loadMany([...coords, [0, 0, 3]]);
      assert.deepEqual(loaded.map((t) => t?.data), [png(100), png(101), png(102), png(103), undefined]);
      for (const t of loaded.slice(0, 4)) {
        // the store time is the expiry time minus the time to live
        assert.ok(t!.timestamp! >= before - 0.01 && t!.timestamp! <= Date.now() / 1000 + 0.01, `stored now: ${t!.timestamp} vs ${before}`);
      }
      assert.equal(await c.timestamp([4, 5, 3]), loaded[0]!.timestamp);
      // a tile with 1000 s of its hour left was stored 2600 s ago (MapProxy 7 subtracts the rest: 4600 s)
      await inspect.pexpire('store-3-5-6', 1_000_000);
      const age = Date.now() / 1000 - (await c.timestamp([5, 6, 3]))!;
      assert.ok(Math.abs(age - 2600) < 1, `age ${age}`);
      assert.equal(await c.timestamp([0, 0, 3]), null);
      assert.equal(await c.isCached([4, 5, 3]), true);

      await c.store([4, 5, 3], png(7));
      assert.deepEqual((await c.load([4, 5, 3]))?.data, png(7), 'overwritten');
      await c.remove([4, 5, 3]);
      assert.equal(await c.load([4, 5, 3]), null);
      await c.removeMany([[5, 5, 3], [4, 6, 3], [9, 9, 9]]);
      assert.deepEqual(await inspect.keys('store-*'), ['store-3-5-6']);
      assert.equal(c.tileName([5, 6, 3]), `redis://127.0.0.1:${redis.port}/0/store-3-5-6`);
    } finally {
      await c.close();
    }
  });

  it('default_ttl 0: tiles never expire and have no time, as stores without times (-1)', async () => {
    const c = cache({ prefix: 'forever', ttl: 0, db: 2 });
    try {
      assert.equal(c.supportsTimestamps, false);
      await c.store([1, 1, 1], png(5));
      const db2 = new Redis({ port: redis.port, db: 2, lazyConnect: true });
      try {
        assert.equal(await db2.pttl('forever-1-1-1'), -1);
        assert.equal(await inspect.exists('forever-1-1-1'), 0, 'db 2, not db 0');
      } finally {
        db2.disconnect();
      }
      assert.deepEqual(await c.load([1, 1, 1]), { data: png(5), timestamp: null, size: 5 + 8 });
      assert.equal(await c.timestamp([1, 1, 1]), -1);
    } finally {
      await c.close();
    }
  });

  it('reads MapProxy\'s options and defaults; the lock id is MapProxy\'s', async () => {
    const conf = configuredCaches(`
  a: {grids: [GLOBAL_WEBMERCATOR, GLOBAL_GEODETIC], sources: [], cache: {type: redis}}
  b:
    grids: [GLOBAL_WEBMERCATOR]
    sources: []
    cache: {type: redis, host: redis.example, port: 6380, db: 3, prefix: tiles, default_ttl: 0.5, username: u, password: p,
            ssl_certfile: c.pem, ssl_keyfile: k.pem, ssl_ca_certs: ca.pem}
  c: {grids: [GLOBAL_WEBMERCATOR], sources: [], cache: {type: redis, ssl_ca_certs: ca.pem}}
`);
    const store = conf.open('b');
    try {
      assert.deepEqual(conf.options('a'), { host: '127.0.0.1', port: 6379, db: 0, ttl: 3600, prefixes: { GLOBAL_WEBMERCATOR: 'a_GLOBAL_WEBMERCATOR', GLOBAL_GEODETIC: 'a_GLOBAL_GEODETIC' } });
      assert.deepEqual(conf.options('b'), {
        host: 'redis.example', port: 6380, db: 3, ttl: 0.5, prefixes: { GLOBAL_WEBMERCATOR: 'tiles' }, username: 'u', password: 'p',
        tls: { certfile: 'c.pem', keyfile: 'k.pem', caCerts: 'ca.pem' },
      });
      assert.equal((conf.options('c') as { tls?: unknown }).tls, undefined, 'a CA file alone does not enable TLS (as MapProxy)');
      assert.ok(conf.warnings.some((w) => /caches\.c\.cache\.ssl_ca_certs.*TLS needs both/.test(w)), conf.warnings.join('\n'));
      const theirs = execFileSync(PYTHON, ['-c',
        "from mapproxy.cache.redis import RedisCache; print(RedisCache('redis.example', 6380, 'tiles', ttl=0.5, db=3).lock_cache_id)"],
      { cwd: conf.dir }).toString().trim();
      assert.equal(store.lockId, theirs);
    } finally {
      await store.close();
      conf.close();
    }
  });

  it('a Redis that stops answering: loads and stores fail within the timeouts, and work again when it answers', async () => {
    const c = new RedisCache({ host: '127.0.0.1', port: redis.port, db: 0, prefix: 'frozen', ttl: 60, connectTimeoutMs: 300, commandTimeoutMs: 300, log: quiet });
    try {
      await c.store([0, 0, 0], png(1));
      redis.pause();
      try {
        const t0 = Date.now();
        await assert.rejects(c.load([0, 0, 0]), /redis cache 127\.0\.0\.1:\d+\/0 \(frozen\): cannot load/);
        await assert.rejects(c.store([1, 1, 1], png(2)), CacheWriteError);
        assert.ok(Date.now() - t0 < 3000, `both failed within the timeouts: ${Date.now() - t0} ms`);
      } finally {
        redis.resume();
      }
      let tile = null;
      for (let i = 0; !tile && i < 30; i++) {
        tile = await c.load([0, 0, 0]).catch(() => null);
        if (!tile) await new Promise((r) => setTimeout(r, 200));
      }
      assert.deepEqual(tile?.data, png(1));
    } finally {
      await c.close();
    }
  });

  it('TLS with client certificates: the ssl_* files are used, a plain connection to a TLS port fails fast', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redis-tls-'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test-ca');
    for (const who of ['server', 'client']) {
      openssl('req', ...ec, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}`);
      openssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.crt`, '-days', '1');
    }
    const tlsRedis = await startRedisServer({ tls: { cert: join(dir, 'server.crt'), key: join(dir, 'server.key'), ca: join(dir, 'ca.crt') } });
    const base = { host: '127.0.0.1', port: tlsRedis.port, db: 0, prefix: 'tls', ttl: 60, log: quiet };
    const secure = new RedisCache({ ...base, tls: { certfile: join(dir, 'client.crt'), keyfile: join(dir, 'client.key'), caCerts: join(dir, 'ca.crt') } });
    const plain = new RedisCache({ ...base, connectTimeoutMs: 500, commandTimeoutMs: 500 });
    try {
      await secure.store([0, 0, 0], png(9));
      assert.deepEqual((await secure.load([0, 0, 0]))?.data, png(9));
      const t0 = Date.now();
      await assert.rejects(plain.load([0, 0, 0]), /redis cache 127\.0\.0\.1:\d+\/0 \(tls\): cannot load/);
      assert.ok(Date.now() - t0 < 3000, `failed within the timeouts: ${Date.now() - t0} ms`);
    } finally {
      await secure.close();
      await plain.close();
      await tlsRedis.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('redis cache in the app', () => {
  let s: NetworkCacheSetup;
  before(async () => {
    s = await networkCacheSetup(`{type: redis, port: ${redis.port}, db: 1, default_ttl: 600}`);
  });
  after(async () => s.close());
  const db1 = () => new Redis({ port: redis.port, db: 1, lazyConnect: true, maxRetriesPerRequest: 1 }).on('error', () => {});

  it('Redis away at start: the request fails at once (500, the cause in the log); once it is back, tiles are cached', async () => {
    await redis.stop();
    const logged: string[] = [];
    const app = await s.app({ log: { warn() {}, error: (...args: unknown[]) => logged.push(args.map((a) => (a as Error)?.message ?? String(a)).join(' ')) } });
    const t0 = Date.now();
    const down = await get(app, '/tms/1.0.0/l/EPSG3857/1/0/0.png');
    assert.equal(down.status, 500);
    assert.ok(Date.now() - t0 < 5000, `answered within 5 s: ${Date.now() - t0} ms`);
    assert.ok(logged.some((l) => /redis cache 127\.0\.0\.1:\d+\/1 \(c_GLOBAL_WEBMERCATOR\): cannot load \S+: not connected \(connect ECONNREFUSED/.test(l)), logged.join('\n'));
    await redis.start();
    const r = db1();
    try {
      let res = await get(app, '/tms/1.0.0/l/EPSG3857/1/0/0.png');
      for (let i = 0; res.status !== 200 && i < 30; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200)); // the client reconnects in the background
        res = await get(app, '/tms/1.0.0/l/EPSG3857/1/0/0.png');
      }
      assert.equal(res.status, 200);
      // TMS level 1 of GLOBAL_WEBMERCATOR is the grid's level 2 (MapProxy's TMS skips the one-tile level)
      // the asked tile is stored before the answer, the rest of the meta tile right after
      await waitUntil(async () => (await r.keys('c_GLOBAL_WEBMERCATOR-2-*')).length >= 4, 'the meta tile in Redis');
      assert.equal((await r.keys('c_GLOBAL_WEBMERCATOR-2-*')).length, 4, 'the meta tile is stored');
    } finally {
      r.disconnect();
    }
  });

  it('Redis gone between load and store: the source\'s tile is served, the failed store counted; it stores again when back', async () => {
    const writeErrors: string[] = [];
    const app = await s.app({ log: quiet, metrics: { ...NO_METRICS, cacheWriteError: (cache, code) => writeErrors.push(`${cache}:${code}`) } });
    const before = s.ours.requests.length;
    s.ours.hold();
    const pending = get(app, '/tms/1.0.0/l/EPSG3857/2/0/0.png');
    await s.ours.waitForRequests(before + 1);
    await redis.stop();
    s.ours.release();
    const t0 = Date.now();
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.ok(Date.now() - t0 < 12_000, `no hang: ${Date.now() - t0} ms`);
    assert.ok(writeErrors.length >= 1 && writeErrors.every((e) => e === 'c:ECONNREFUSED'), writeErrors.join());
    // the rest of the meta tile is stored (here: fails) right after the answer, before Redis is back
    await waitUntil(() => writeErrors.length >= 4, 'the failed stores of the meta tile\'s four tiles');

    await redis.start();
    const r = db1();
    try {
      let stored = 0;
      for (let i = 0; stored === 0 && i < 30; i++) {
        await get(app, '/tms/1.0.0/l/EPSG3857/2/1/1.png');
        stored = (await r.keys('c_GLOBAL_WEBMERCATOR-3-*').catch(() => [])).length;
        if (!stored) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await waitUntil(async () => (await r.keys('c_GLOBAL_WEBMERCATOR-3-*')).length >= 4, 'the rest of the meta tile in Redis');
      stored = (await r.keys('c_GLOBAL_WEBMERCATOR-3-*')).length;
      assert.equal(stored, 4, 'the next meta tile is stored once Redis is back');
    } finally {
      r.disconnect();
    }
  });

  it('seeds into Redis, cleans up a level the quick way, a coverage tile by tile, and keeps fresh tiles', async () => {
    const r = db1();
    try {
      await r.flushdb();
      assert.deepEqual(await s.seedThenClean(), { created: 21, removed: [16, 2, 0] });
      const keys = (await r.keys('c_GLOBAL_WEBMERCATOR-*')).sort();
      assert.deepEqual(keys, ['c_GLOBAL_WEBMERCATOR-0-0-0', 'c_GLOBAL_WEBMERCATOR-1-1-0', 'c_GLOBAL_WEBMERCATOR-1-1-1']);
    } finally {
      r.disconnect();
    }
  });

  it('side by side with MapProxy 1.15: each serves the other\'s tiles byte for byte, without asking its source', async () => {
    const r = db1();
    const ref = await startReferenceMapProxy(s.theirConfig);
    try {
      await r.flushdb();
      const app = await s.app({ log: quiet });
      await exchangeTilesWithMapProxy(s, ref, app, async (theirTile) => {
        const key = 'c_GLOBAL_WEBMERCATOR-4-0-15'; // TMS 3/0/0: the grid's level 4, its last row (origin nw)
        assert.deepEqual(await r.getBuffer(key), theirTile, 'MapProxy stored the tile it served under its key');
        const pttl = await r.pttl(key);
        assert.ok(pttl > 595_000 && pttl <= 600_000, `MapProxy's expiry: ${pttl}`);
      });
      const ourKeys = await r.keys('c_GLOBAL_WEBMERCATOR-4-*');
      assert.ok(ourKeys.includes('c_GLOBAL_WEBMERCATOR-4-7-8'), ourKeys.join());
    } finally {
      r.disconnect();
      await ref.stop();
    }
  });
});
