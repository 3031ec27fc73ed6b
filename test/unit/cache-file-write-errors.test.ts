// The file cache, tile locks and seeding on full and read-only disks (a small tmpfs; the tests run as root).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { CacheWriteError } from '../../src/core/cache/cache-write-error.js';
import { FileCache } from '../../src/core/cache/file-cache.js';
import { WriteFailureLog } from '../../src/core/cache/write-failure-log.js';
import type { CoreMetrics } from '../../src/core/metrics.js';
import { NO_METRICS } from '../../src/core/metrics.js';
import type { SeedExecutor, SeedWorkItem } from '../../src/core/seed/executor.js';
import { runSeed } from '../../src/core/seed/seeder.js';
import { FileLocks, LockFileError } from '../../src/core/tiles/file-locks.js';
import { filesWithSizes, Tmpfs } from '../support/tmpfs.js';

const mounts: Tmpfs[] = [];
after(() => mounts.forEach((m) => m.unmount()));
function tmpfs(sizeKb = 256): Tmpfs {
  const m = Tmpfs.mount(sizeKb);
  mounts.push(m);
  return m;
}

const tile = Buffer.alloc(3000, 7);

describe('file cache on a full disk', () => {
  test('a store fails with CacheWriteError ENOSPC and leaves no file; after freeing space it works', async () => {
    const fsys = tmpfs();
    const cache = new FileCache({ directory: join(fsys.dir, 'c'), ext: 'png', layout: 'tms' });
    await cache.store([0, 0, 1], tile);
    fsys.fill();
    const err = await cache.store([1, 0, 1], tile).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof CacheWriteError, `expected CacheWriteError, got ${err}`);
    assert.equal(err.code, 'ENOSPC');
    assert.match(err.message, /cannot store tile .*1\/1\/0\.png: no space left on device \(ENOSPC\)/);
    // the tile that did not fit is not there, not even as an empty or temporary file
    assert.deepEqual(filesWithSizes(join(fsys.dir, 'c')), [{ path: '1/0/0.png', size: tile.length }]);
    assert.equal(await cache.load([1, 0, 1]), null);
    // replacing an existing tile fails too, and the old tile stays whole
    await assert.rejects(cache.store([0, 0, 1], Buffer.alloc(5000, 9)), CacheWriteError);
    assert.deepEqual((await cache.load([0, 0, 1]))?.data, tile);

    fsys.free();
    await cache.store([1, 0, 1], tile);
    assert.deepEqual((await cache.load([1, 0, 1]))?.data, tile);
  });

  test('a store on a read-only mount fails with EROFS, whether the directory exists or not', async () => {
    const fsys = tmpfs();
    const cache = new FileCache({ directory: join(fsys.dir, 'c'), ext: 'png', layout: 'tms' });
    await cache.store([0, 0, 1], tile);
    fsys.readOnly();
    try {
      for (const coord of [[1, 0, 1], [5, 5, 4]] as const) {
        const err = await cache.store([...coord], tile).then(() => null, (e: unknown) => e);
        assert.ok(err instanceof CacheWriteError);
        assert.equal(err.code, 'EROFS');
      }
      assert.deepEqual((await cache.load([0, 0, 1]))?.data, tile, 'reading still works');
    } finally {
      fsys.readWrite();
    }
    assert.deepEqual(filesWithSizes(join(fsys.dir, 'c')), [{ path: '1/0/0.png', size: tile.length }]);
  });

  test('a zero-length tile file (a non-atomic writer, a crash) counts as missing', async () => {
    const fsys = tmpfs();
    const cache = new FileCache({ directory: join(fsys.dir, 'c'), ext: 'png', layout: 'tms' });
    fs.mkdirSync(join(fsys.dir, 'c/2/1'), { recursive: true });
    fs.writeFileSync(join(fsys.dir, 'c/2/1/3.png'), '');
    assert.equal(await cache.load([1, 3, 2]), null);
    assert.equal(await cache.isCached([1, 3, 2]), false);
    await cache.store([1, 3, 2], tile);
    assert.equal(await cache.isCached([1, 3, 2]), true);
  });
});

describe('tile lock files on a full or read-only disk', () => {
  test('a full disk still gives the lock (the pid in the file is only informative)', async () => {
    const fsys = tmpfs();
    const locks = new FileLocks();
    const path = join(fsys.dir, 'locks', 'a.lck');
    fs.mkdirSync(join(fsys.dir, 'locks'));
    fsys.fill();
    const held = await locks.acquire([path], { timeoutMs: 1000, release: 'unlink' });
    assert.equal(fs.statSync(path).size, 0);
    // and it excludes: a second acquire times out while the first holds it
    await assert.rejects(locks.acquire([path], { timeoutMs: 100, release: 'unlink' }), /another process/);
    await held.release();
    assert.equal(fs.existsSync(path), false);
  });

  test('a read-only lock directory rejects with LockFileError EROFS, not a timeout', async () => {
    const fsys = tmpfs();
    fs.mkdirSync(join(fsys.dir, 'locks'));
    fsys.readOnly();
    try {
      const locks = new FileLocks();
      for (const path of [join(fsys.dir, 'locks', 'a.lck'), join(fsys.dir, 'missing', 'b.lck')]) {
        const started = Date.now();
        const err = await locks.acquire([path], { timeoutMs: 5000, release: 'unlink' }).then(() => null, (e: unknown) => e);
        assert.ok(err instanceof LockFileError, `expected LockFileError, got ${err}`);
        assert.ok(err instanceof CacheWriteError);
        assert.equal(err.code, 'EROFS');
        assert.match(err.message, /cannot create lock file .*read-only file system \(EROFS\)/);
        assert.ok(Date.now() - started < 1000, 'fails at once');
      }
    } finally {
      fsys.readWrite();
    }
  });
});

describe('write failure log', () => {
  function recorder() {
    const lines: string[] = [];
    const counted: string[] = [];
    const metrics: CoreMetrics = { ...NO_METRICS, cacheWriteError: (cache, code) => counted.push(`${cache}:${code}`) };
    const log = { error: (s: string) => lines.push(`E ${s}`), warn: (s: string) => lines.push(`W ${s}`) };
    return { lines, counted, metrics, log };
  }
  const enospc = () =>
    new CacheWriteError('cannot store tile /c/1.png: no space left on device (ENOSPC)', {
      cause: Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
    });

  test('counts every failure, logs the first at once and sums the rest per interval, then says when writes work again', () => {
    const r = recorder();
    let now = 1000;
    const log = new WriteFailureLog({ cache: 'osm', metrics: r.metrics, log: r.log, intervalMs: 10_000, now: () => now });
    log.succeeded();
    assert.deepEqual(r.lines, [], 'successes alone say nothing');
    for (let i = 0; i < 5; i++) log.failed(enospc(), 'serving from the source');
    assert.equal(r.counted.length, 5);
    assert.deepEqual(new Set(r.counted), new Set(['osm:ENOSPC']));
    assert.deepEqual(r.lines, ['E cache osm: cannot store tile /c/1.png: no space left on device (ENOSPC); serving from the source']);
    now += 10_000;
    log.failed(enospc(), 'serving from the source');
    assert.equal(r.lines.length, 2);
    assert.match(r.lines[1], /\(4 more write errors since the last message\)$/);
    log.succeeded();
    assert.equal(r.lines[2], 'W cache osm: tiles are stored again, after 6 failed write(s)');
    log.succeeded();
    assert.equal(r.lines.length, 3);
    // after a recovery the next failure is news again
    log.failed(enospc(), 'serving from the source');
    assert.equal(r.lines.length, 4);
  });

  test('errors without an errno are counted as EUNKNOWN', () => {
    const r = recorder();
    new WriteFailureLog({ cache: 'c', metrics: r.metrics, log: r.log }).failed(new Error('redis went away'), 'x');
    assert.deepEqual(r.counted, ['c:EUNKNOWN']);
  });
});

describe('seeding when tiles cannot be stored', () => {
  test('stops at the first CacheWriteError without retrying, and says why', async () => {
    const { loadConfig } = await import('../../src/core/config/load-config.js');
    const { loadSeedConfig } = await import('../../src/core/config/seed-config.js');
    const { buildRuntime } = await import('../../src/core/runtime/runtime.js');
    const { planSeedTasks } = await import('../../src/core/seed/tasks.js');
    const dir = fs.mkdtempSync('/tmp/seed-full-');
    try {
      fs.writeFileSync(join(dir, 'mapproxy.yaml'), `
services: {tms: }
layers: [{name: l, title: l, sources: [c]}]
caches:
  c: {grids: [GLOBAL_WEBMERCATOR], sources: [dbg], cache: {type: file, directory: ${dir}/tiles}}
sources:
  dbg: {type: debug}
`);
      fs.writeFileSync(join(dir, 'seed.yaml'), 'seeds:\n  s: {caches: [c], levels: {to: 4}}\n');
      const loaded = loadConfig(join(dir, 'mapproxy.yaml'));
      const runtime = await buildRuntime(loaded, { seeding: true });
      const tasks = planSeedTasks(loadSeedConfig(join(dir, 'seed.yaml'), loaded), loaded.config, runtime);
      const runs: SeedWorkItem[] = [];
      const executor: SeedExecutor = {
        capacity: 2,
        async prepare() {},
        async run(item) {
          runs.push(item);
          throw new CacheWriteError('cannot store tile /x.png: no space left on device (ENOSPC)', {
            cause: Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }),
          });
        },
        async close() {},
      };
      const warnings: string[] = [];
      const reporter = { message() {}, start() {}, progress() {}, finish() {}, warn: (s: string) => warnings.push(s) };
      const result = await runSeed(tasks, { executor, reporter, retryDelayMs: 10 });
      await runtime.close();
      assert.equal(result.stopped, 'storage');
      assert.match(result.stopReason!, /tiles of s\/c\/GLOBAL_WEBMERCATOR cannot be stored: .*no space left on device/);
      assert.ok(runs.length <= 2, `no retries and no new items after the failure (ran ${runs.length})`);
      assert.deepEqual(warnings, [], 'no retry warnings');
      assert.equal(result.tilesDone, 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
