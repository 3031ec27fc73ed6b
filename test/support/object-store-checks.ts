// What the s3 and azureblob cache tests check alike, against their real servers: a store of one meta tile,
// loads with the store's times, removal; a level removed by listing; every operation giving up at the deadline
// behind a slow server; and in the app, a server gone between load and store.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TileCache } from '../../src/core/cache/cache.js';
import { CacheWriteError } from '../../src/core/cache/cache-write-error.js';
import { ConfigError } from '../../src/core/config/errors.js';
import { loadConfig } from '../../src/core/config/load-config.js';
import type { TileCoord } from '../../src/core/geo/grid.js';
import { writeConfig } from './configs.js';
import { NO_METRICS } from '../../src/core/metrics.js';
import type { NetworkCacheSetup } from './network-cache-setup.js';
import { get } from './our-app.js';
import type { RestartableServer } from './server-process.js';
import { waitUntil } from './wait-until.js';

/** A small PNG-looking tile whose bytes tell `n`. */
export const fakePng = (n: number) => Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(n, n & 0xff)]);

/** A log that keeps the error lines (with the messages of logged errors) and drops warnings. */
export function errorLines(lines: string[]): Pick<Console, 'error' | 'warn'> {
  return {
    error: (...a: unknown[]) => { lines.push(a.map((x) => (x instanceof Error ? x.message : String(x))).join(' ')); },
    warn: () => {},
  };
}

/** Loading a configuration whose one cache has `cacheYaml` as its `cache:` fails with a message matching `message`. */
export function assertRefused(dir: string, cacheYaml: string, message: RegExp): void {
  writeConfig(join(dir, 'refused'), `
services: {tms: }
layers: [{name: l, title: l, sources: [a]}]
caches:
  a: {grids: [GLOBAL_WEBMERCATOR], sources: [], cache: ${cacheYaml}}
`);
  assert.throws(() => loadConfig(join(dir, 'refused', 'mapproxy.yaml')), (err: unknown) => err instanceof ConfigError && message.test(err.message));
}

/** What a test can see of the store directly, past the cache under test. */
export interface StoreView {
  /** The names of the objects below `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /** The object's modification time in seconds and its content type. */
  head(key: string): Promise<{ lastModified: number; contentType?: string }>;
  /** tileName of a key: `s3://bucket/<key>`. */
  name(key: string): string;
}

/** `c` keeps its tiles below `prefix` in the tms layout. */
export async function checkStoreLoadRemove(c: TileCache, view: StoreView, prefix: string): Promise<void> {
  const coords: TileCoord[] = [[4, 5, 3], [5, 5, 3], [4, 6, 3], [5, 6, 3]];
  await c.storeMany(coords.map((coord, i) => ({ coord, data: fakePng(100 + i) })));
  assert.deepEqual(await view.list(prefix), ['3/4/5.png', '3/4/6.png', '3/5/5.png', '3/5/6.png'].map((k) => prefix + k));
  const head = await view.head(`${prefix}3/4/5.png`);
  assert.equal(head.contentType, 'image/png');
  assert.ok(Number.isInteger(head.lastModified));

  const loaded = await c.loadMany([...coords, [0, 0, 3]]);
  assert.deepEqual(loaded.map((t) => t?.data), [fakePng(100), fakePng(101), fakePng(102), fakePng(103), undefined]);
  assert.deepEqual(loaded[0], { data: fakePng(100), timestamp: head.lastModified, size: fakePng(100).length });
  assert.equal(await c.timestamp([4, 5, 3]), head.lastModified);
  assert.equal(await c.timestamp([0, 0, 3]), null);
  assert.equal(await c.isCached([4, 5, 3]), true);
  assert.equal(await c.isCached([0, 0, 3]), false);

  await c.store([4, 5, 3], fakePng(7));
  assert.deepEqual((await c.load([4, 5, 3]))?.data, fakePng(7), 'overwritten');
  await c.remove([4, 5, 3]);
  assert.equal(await c.load([4, 5, 3]), null);
  await c.removeMany([[5, 5, 3], [4, 6, 3], [9, 9, 9]]);
  assert.deepEqual(await view.list(prefix), [`${prefix}3/5/6.png`]);
  assert.equal(c.tileName([5, 6, 3]), view.name(`${prefix}3/5/6.png`));
  await c.close();
  await assert.rejects(c.load([5, 6, 3]), /closed/);
}

/** `c` keeps its tiles below `prefix` in the tms layout; the prefix holds nothing else. */
export async function checkRemoveLevel(c: TileCache, view: StoreView, prefix: string): Promise<void> {
  const level1: TileCoord[] = [[0, 0, 1], [1, 0, 1], [0, 1, 1], [1, 1, 1]];
  await c.storeMany(level1.map((coord) => ({ coord, data: fakePng(9) })));
  await c.store([0, 0, 11], fakePng(9)); // level 11's prefix is not level 1's
  // the parallel stores may straddle a second
  const times = (await Promise.all(level1.map((coord) => c.timestamp(coord)))) as number[];
  assert.equal(await c.removeLevel(1, Math.min(...times)), 0, 'nothing older than the oldest tile');
  const named: string[] = [];
  assert.equal(await c.removeLevel(1, Math.max(...times) + 1, { dryRun: true, onRemove: (n) => named.push(n) }), 4);
  assert.deepEqual(named.sort(), ['1/0/0.png', '1/0/1.png', '1/1/0.png', '1/1/1.png'].map((k) => view.name(prefix + k)));
  assert.equal((await view.list(prefix)).length, 5, 'a dry run removes nothing');
  assert.equal(await c.removeLevel(1, 0), 4);
  assert.deepEqual(await view.list(prefix), [`${prefix}11/0/0.png`]);
}

/** Behind a slow server (answers held longer than the cache's 0.5 s timeout), each operation gives up in time. */
export async function checkGivesUpInTime(slow: TileCache, endpoint: string): Promise<void> {
  for (const [what, op] of [
    ['load', () => slow.load([0, 0, 0])], ['look up', () => slow.timestamp([0, 0, 0])],
    ['store tile', () => slow.store([0, 0, 0], fakePng(1))], ['list', () => slow.removeLevel(0, 0)],
  ] as const) {
    const t0 = Date.now();
    await assert.rejects(op(), new RegExp(`cannot ${what} .*: no answer from ${endpoint} within 0.5 s`));
    assert.ok(Date.now() - t0 < 1500, `${what} gave up in time: ${Date.now() - t0} ms`);
  }
}

/** With the server stopped, a load and a store fail at once naming the endpoint; once it is back, `c` works again. */
export async function checkServerAway(c: TileCache, server: RestartableServer, endpoint: RegExp): Promise<void> {
  await c.store([0, 0, 0], fakePng(3));
  await server.stop();
  try {
    const t0 = Date.now();
    await assert.rejects(c.load([0, 0, 0]), new RegExp(`cannot load .*: cannot reach ${endpoint.source} \\(.*ECONNREFUSED`));
    await assert.rejects(c.store([0, 0, 0], fakePng(4)), (err: unknown) => err instanceof CacheWriteError && err.code === 'ECONNREFUSED');
    assert.ok(Date.now() - t0 < 3000, `failed fast: ${Date.now() - t0} ms`);
  } finally {
    await server.start();
  }
  assert.deepEqual((await c.load([0, 0, 0]))?.data, fakePng(3));
  await c.close();
}

/**
 * The app of `s` (cache `c`, meta tiles 2×2) asks its source for TMS tile 2/0/0; the server stops while the source
 * answers. The source's tile is served, the four failed stores counted and logged; with the server back, the tile
 * is created again and stored below `levelPrefix` (`list` sees the store directly).
 */
export async function checkGoneBeforeStore(s: NetworkCacheSetup, server: RestartableServer, list: (prefix: string) => Promise<string[]>, opts: { levelPrefix: string; logged: RegExp }): Promise<void> {
  const writeErrors: string[] = [];
  const lines: string[] = [];
  const app = await s.app({ log: errorLines(lines), metrics: { ...NO_METRICS, cacheWriteError: (cache, code) => writeErrors.push(`${cache}:${code}`) } });
  const before = s.ours.requests.length;
  s.ours.hold();
  const pending = get(app, '/tms/1.0.0/l/EPSG3857/2/0/0.png');
  await s.ours.waitForRequests(before + 1);
  await server.stop();
  try {
    s.ours.release();
    const t0 = Date.now();
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.ok(Date.now() - t0 < 10_000, `no hang: ${Date.now() - t0} ms`);
    // the asked tile's store fails before the answer, the other three right after (before the server is back)
    await waitUntil(() => writeErrors.length >= 4, 'the four failed stores');
    assert.deepEqual(writeErrors, ['c:ECONNREFUSED', 'c:ECONNREFUSED', 'c:ECONNREFUSED', 'c:ECONNREFUSED'], 'four tiles of the meta tile');
    assert.ok(lines.some((l) => opts.logged.test(l)), lines.join('\n'));
  } finally {
    await server.start();
  }
  const res = await get(app, '/tms/1.0.0/l/EPSG3857/2/1/1.png');
  assert.equal(res.status, 200);
  assert.equal(s.ours.requests.length, before + 2, 'the tile that could not be stored is created again');
  // the asked tile is stored before the answer, the rest of the meta tile right after
  await waitUntil(async () => (await list(opts.levelPrefix)).length >= 4, 'the meta tile in the store');
  assert.equal((await list(opts.levelPrefix)).length, 4, 'the meta tile is stored once the server is back');
}
