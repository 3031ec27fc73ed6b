// Per-host copies across hosts, on a real redis-server: two "hosts", each a tiered cache with its own local file
// tier in front of one shared file tier, announce their changes through ClusterInvalidation. A tile re-created on
// one host and a level cleaned up on one host are no longer served from the other host's local copy.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { TileCache } from '../../src/core/cache/cache.js';
import { ClusterInvalidation } from '../../src/core/cache/cluster-invalidation.js';
import { FileCache } from '../../src/core/cache/file-cache.js';
import { TieredCache } from '../../src/core/cache/tiered-cache.js';
import type { TileCoord } from '../../src/core/geo/grid.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

let redis: RedisServer;
const dir = mkdtempSync(join(tmpdir(), 'cache-invalidation-'));
const clusters: ClusterInvalidation[] = [];

before(async () => {
  redis = await startRedisServer();
});
after(async () => {
  await Promise.all(clusters.map((c) => c.close()));
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

function host(name: string, announce: boolean): { cache: TileCache; local: FileCache } {
  const local = new FileCache({ directory: join(dir, name), ext: 'png', layout: 'tms' });
  const shared = new FileCache({ directory: join(dir, 'shared'), ext: 'png', layout: 'tms' });
  const tiered = new TieredCache([local, shared], { cacheName: 'c' });
  if (!announce) return { cache: tiered, local };
  const cluster = new ClusterInvalidation({ url: `redis://127.0.0.1:${redis.port}/0`, prefix: 'test', connectTimeoutMs: 1000, log: console });
  clusters.push(cluster);
  return { cache: cluster.wrap(tiered), local };
}

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, what);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const T: TileCoord = [1, 1, 3];
const body = async (c: TileCache) => (await c.load(T))?.data.toString() ?? null;

for (const announce of [true, false]) {
  it(announce ? 'a refresh and a cleanup on one host are seen by the other' : 'without announcements the other host serves its stale copy (the test can fail)', async () => {
    rmSync(dir, { recursive: true, force: true });
    const a = host('a', announce);
    const b = host('b', announce);
    await new Promise((r) => setTimeout(r, 200)); // subscriptions in place
    await a.cache.store(T, Buffer.from('old'));
    await new Promise((r) => setTimeout(r, 200)); // its announcement delivered: host b had no copy to drop
    assert.equal(await body(b.cache), 'old');
    await eventually('host b copied the tile into its local tier', async () => (await b.local.load(T)) !== null);

    await a.cache.store(T, Buffer.from('new')); // re-created on host a (refresh_before)
    if (!announce) {
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await body(b.cache), 'old', 'host b serves its local copy');
      return;
    }
    await eventually('host b drops its copy of the re-created tile', async () => (await b.local.load(T)) === null);
    assert.equal(await body(b.cache), 'new');
    await eventually('host b copied the new tile', async () => (await b.local.load(T))?.data.toString() === 'new');

    assert.notEqual(await a.cache.removeLevel(3, Infinity), null, 'a quick cleanup of level 3 on host a');
    await eventually('host b drops its level 3 copies', async () => (await b.local.load(T)) === null);
    assert.equal(await body(b.cache), null, 'the cleaned tile is gone on host b too');
  });
}
