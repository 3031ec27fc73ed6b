import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileSemaphore, urlNetloc } from '../../src/core/client/file-semaphore.js';
import { LimiterTimeoutError } from '../../src/core/client/request-limiter.js';
import { CreationQueue, CreationQueueFull } from '../../src/core/tiles/creation-queue.js';
import { FileLocks, LockTimeout } from '../../src/core/tiles/file-locks.js';
import { TileLocker } from '../../src/core/tiles/tile-locker.js';

const PYTHON = '/usr/bin/python3';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'locks-'));
  dirs.push(d);
  return d;
}

/** Runs python code that prints READY once it holds its lock and releases it when its stdin closes. */
function python(code: string): Promise<{ child: ChildProcess; stop: () => Promise<string> }> {
  const child = spawn(PYTHON, ['-c', code], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b;
      if (out.includes('READY')) resolve({ child, stop: async () => { child.stdin!.end(); await exited; return out; } });
    });
    child.once('exit', (code) => reject(new Error(`python exited with ${code}: ${err}`)));
  });
}

describe('tile locks', () => {
  it('use MapProxy\'s file name, write the pid and remove the file on release', async () => {
    const dir = temp();
    const locker = new TileLocker({ lockDir: join(dir, 'tile_locks'), lockId: 'abc', timeout: 5, locks: new FileLocks() });
    assert.equal(locker.lockFile([4, 7, 3]), join(dir, 'tile_locks', 'abc-4-7-3.lck'));
    const held = await locker.lock([4, 7, 3]);
    assert.equal(readFileSync(held.path, 'utf8'), ` ${process.pid}\n`);
    await held.release();
    await held.release();
    assert.equal(existsSync(held.path), false);
  });

  it('replace a longer earlier content of a kept lock file with the pid alone', async () => {
    const dir = temp();
    const path = join(dir, 'slot.lck0');
    writeFileSync(path, ` ${'9'.repeat(30)}\n`);
    const locks = new FileLocks();
    const held = await locks.acquire([path], { timeoutMs: 1000, release: 'keep' });
    assert.equal(readFileSync(path, 'utf8'), ` ${process.pid}\n`);
    await held.release();
  });

  it('let a second holder in only after the first released, in order', async () => {
    const dir = temp();
    const locks = new FileLocks();
    const path = join(dir, 'a.lck');
    const first = await locks.acquire([path], { timeoutMs: 10_000, release: 'unlink' });
    const events: string[] = [];
    const second = locks.acquire([path], { timeoutMs: 10_000, release: 'unlink' }).then((h) => {
      events.push('second acquired');
      return h;
    });
    await new Promise((r) => setTimeout(r, 50));
    events.push('first releases');
    await first.release();
    const h2 = await second;
    assert.deepEqual(events, ['first releases', 'second acquired']);
    assert.ok(h2.waitedMs > 0, 'the second holder reports that it waited');
    await h2.release();
    assert.equal(locks.watchers.watchedDirectories, 0, 'no watcher stays open without waiters');
  });

  it('watch the lock directory only while the lock is busy', async () => {
    const dir = temp();
    const locks = new FileLocks();
    const subscribe = locks.watchers.subscribe.bind(locks.watchers);
    const subscribed: string[] = [];
    locks.watchers.subscribe = (d, name, listener) => {
      subscribed.push(name);
      return subscribe(d, name, listener);
    };
    const path = join(dir, 'u.lck');
    const held = await locks.acquire([path], { timeoutMs: 5000, release: 'unlink' });
    assert.equal(held.waitedMs, 0);
    assert.deepEqual(subscribed, [], 'a free lock is taken without watching its directory');
    const waiting = locks.acquire([path], { timeoutMs: 5000, release: 'unlink' });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(subscribed, ['u.lck'], 'a busy lock is waited for with a watch');
    assert.equal(locks.watchers.watchedDirectories, 1);
    await held.release();
    await (await waiting).release();
    assert.equal(locks.watchers.watchedDirectories, 0);
  });

  it('wake a waiter at once when a holder in another process releases (before the fallback timer)', async () => {
    const dir = temp();
    const path = join(dir, 'p.lck');
    // holds the lock until stdin closes, then removes the file as a tile lock holder does
    const code = `import fcntl, os, sys, time\nf = open(${JSON.stringify(path)}, 'w+')\nfcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\nprint('READY', flush=True)\nsys.stdin.read()\nos.unlink(${JSON.stringify(path)})\nprint('RELEASED %f' % time.time(), flush=True)\nf.close()`;
    const holder = await python(code);
    const locks = new FileLocks();
    const waiting = locks.acquire([path], { timeoutMs: 10_000, release: 'unlink' }).then((h) => ({ h, at: Date.now() }));
    // past the fallback retries at 250 and 750 ms: the next one comes only a second later
    await new Promise((r) => setTimeout(r, 800));
    const out = await holder.stop();
    const releasedAt = Number(/RELEASED ([\d.]+)/.exec(out)![1]) * 1000;
    const { h, at } = await waiting;
    assert.ok(at - releasedAt < 300, `woken ${Math.round(at - releasedAt)} ms after the release`);
    await h.release();
  });

  it('wake a waiter when another process removes the lock file (no polling)', async () => {
    const dir = temp();
    const path = join(dir, 'w.lck');
    writeFileSync(path, '');
    const locks = new FileLocks();
    const event = new Promise<string>((resolve) => {
      const unsubscribe = locks.watchers.subscribe(dir, 'w.lck', (e) => {
        unsubscribe();
        resolve(e);
      });
    });
    spawn(PYTHON, ['-c', `import os; os.unlink(${JSON.stringify(path)})`]);
    assert.equal(await event, 'rename');
    assert.equal(locks.watchers.watchedDirectories, 0);
  });

  it('time out with MapProxy\'s LockTimeout when the holder does not release', async () => {
    const dir = temp();
    const locks = new FileLocks();
    const path = join(dir, 'b.lck');
    const held = await locks.acquire([path], { timeoutMs: 5000, release: 'unlink' });
    await assert.rejects(locks.acquire([path], { timeoutMs: 300, release: 'unlink' }), (err: Error) => {
      assert.ok(err instanceof LockTimeout);
      assert.equal(err.message, 'another process is still running with our lock');
      return true;
    });
    await held.release();
  });

  it('exclude each other across processes, and a killed holder leaves the lock free', async () => {
    const dir = temp();
    const path = join(dir, 'c.lck');
    const code = `import fcntl, sys, time\nf = open(${JSON.stringify(path)}, 'w+')\nfcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\nprint('READY', flush=True)\ntime.sleep(60)`;
    const { child } = await python(code);
    const locks = new FileLocks();
    await assert.rejects(locks.acquire([path], { timeoutMs: 200, release: 'unlink' }), LockTimeout);
    const waiting = locks.acquire([path], { timeoutMs: 10_000, release: 'unlink' });
    child.kill('SIGKILL');
    const held = await waiting;
    assert.equal(existsSync(path), true);
    await held.release();
  });

  it('sweep lock files older than timeout + 10 s, as MapProxy', async () => {
    const dir = temp();
    const lockDir = join(dir, 'tile_locks');
    mkdirSync(lockDir);
    const old = join(lockDir, 'x-1-1-1.lck');
    const fresh = join(lockDir, 'x-2-2-2.lck');
    const other = join(lockDir, 'notes.txt');
    for (const f of [old, fresh, other]) writeFileSync(f, '');
    const past = Date.now() / 1000 - 30;
    utimesSync(old, past, past);
    utimesSync(other, past, past);
    const locker = new TileLocker({ lockDir, lockId: 'x', timeout: 60, locks: new FileLocks() });
    const older = new TileLocker({ lockDir, lockId: 'x', timeout: 1, locks: new FileLocks() });
    await (await locker.lock([0, 0, 0])).release();
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(old), 'younger than 60 + 10 s');
    await (await older.lock([0, 0, 0])).release();
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(readdirSync(lockDir).sort(), ['notes.txt', 'x-2-2-2.lck']);
  });

  it('interoperate with MapProxy 1.15\'s FileLock in both directions', async () => {
    const dir = temp();
    const path = join(dir, 'tile_locks', 'id-0-0-1.lck');
    const locks = new FileLocks();
    // MapProxy holds: we wait until it releases (it removes the file), then get the lock
    const code = `import sys\nfrom mapproxy.util.lock import FileLock\nl = FileLock(${JSON.stringify(path)}, timeout=5, remove_on_unlock=True)\nl.lock()\nprint('READY', flush=True)\nsys.stdin.read()\nl.unlock()\nprint('RELEASED', flush=True)`;
    const mp = await python(code);
    await assert.rejects(locks.acquire([path], { timeoutMs: 200, release: 'unlink' }), LockTimeout);
    const waiting = locks.acquire([path], { timeoutMs: 10_000, release: 'unlink' });
    const out = await mp.stop();
    assert.match(out, /RELEASED/);
    const held = await waiting;
    // we hold: MapProxy's FileLock times out
    const probe = spawn(PYTHON, ['-c', `from mapproxy.util.lock import FileLock, LockTimeout\ntry:\n  FileLock(${JSON.stringify(path)}, timeout=0.2).lock(); print('GOT')\nexcept LockTimeout: print('TIMEOUT')`]);
    let probeOut = '';
    probe.stdout.on('data', (b: Buffer) => (probeOut += b));
    await new Promise((r) => probe.once('exit', r));
    assert.equal(probeOut.trim(), 'TIMEOUT');
    await held.release();
  });
});

describe('request semaphore (concurrent_requests)', () => {
  it('names its slot files as MapProxy\'s SemLock: md5 of the netloc, .lck0 … .lckN-1', () => {
    const sem = new FileSemaphore({ lockDir: '/l', url: 'http://user:pw@example.org:8080/wms?x=1', slots: 3, locks: new FileLocks() });
    const md5 = createHash('md5').update('user:pw@example.org:8080').digest('hex');
    assert.deepEqual(sem.files, [0, 1, 2].map((i) => `/l/${md5}.lck${i}`));
    assert.equal(urlNetloc('https://a.b/c'), 'a.b');
  });

  it('allows n holders; the next waits for a release, and times out when none comes', async () => {
    const dir = temp();
    const sem = new FileSemaphore({ lockDir: dir, url: 'http://localhost:1/', slots: 2, locks: new FileLocks() });
    const r1 = await sem.acquire('localhost:1', 5000);
    const r2 = await sem.acquire('localhost:1', 5000);
    await assert.rejects(sem.acquire('localhost:1', 200), LimiterTimeoutError);
    const third = sem.acquire('localhost:1', 10_000);
    r1();
    (await third)();
    r2();
    // a second process (another semaphore object over the same files) sees the same limit
    const other = new FileSemaphore({ lockDir: dir, url: 'http://localhost:1/', slots: 2, locks: new FileLocks() });
    const a = await sem.acquire('localhost:1', 5000);
    const b = await other.acquire('localhost:1', 5000);
    await assert.rejects(other.acquire('localhost:1', 200), LimiterTimeoutError);
    a();
    b();
  });

  it('counts MapProxy\'s SemLock holders against the same limit', async () => {
    const dir = temp();
    const url = 'http://localhost:2/service';
    const md5 = createHash('md5').update('localhost:2').digest('hex');
    const code = `import sys\nfrom mapproxy.util.lock import SemLock\nl = SemLock(${JSON.stringify(join(dir, md5 + '.lck'))}, 1, timeout=5)\nl.lock()\nprint('READY', flush=True)\nsys.stdin.read()\nl.unlock()`;
    const mp = await python(code);
    const sem = new FileSemaphore({ lockDir: dir, url, slots: 1, locks: new FileLocks() });
    await assert.rejects(sem.acquire('localhost:2', 300), LimiterTimeoutError);
    const waiting = sem.acquire('localhost:2', 10_000);
    await mp.stop();
    (await waiting)();
  });
});

describe('creation queue', () => {
  it('runs at most maxActive creations, first in first out, and fails fast beyond maxQueued', async () => {
    const queue = new CreationQueue({ maxActive: 2, maxQueued: 2 });
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const gates: (() => void)[] = [];
    const task = (i: number) => () => {
      started.push(i);
      running++;
      peak = Math.max(peak, running);
      return new Promise<number>((r) => gates.push(() => { running--; r(i); }));
    };
    const ps = [0, 1, 2, 3].map((i) => queue.run(task(i)));
    await assert.rejects(queue.run(task(4)), CreationQueueFull);
    assert.equal(queue.queued, 2);
    while (gates.length || started.length < 4) {
      await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    assert.deepEqual(await Promise.all(ps), [0, 1, 2, 3]);
    assert.deepEqual(started, [0, 1, 2, 3]);
    assert.equal(peak, 2);
    assert.equal(queue.running, 0);
  });

  it('runs a creation nested in another within its parent\'s slot (caches as sources cannot deadlock)', async () => {
    const queue = new CreationQueue({ maxActive: 1, maxQueued: 0 });
    queue.allowNesting();
    const result = await queue.run(() => queue.run(async () => 'inner'));
    assert.equal(result, 'inner');
  });

  it('tells when no creation runs any more (a stopping process waits for stores after an early answer)', async () => {
    const queue = new CreationQueue({ maxActive: 1, maxQueued: 1 });
    assert.equal(await queue.idle(10), true);
    let finish!: () => void;
    const first = queue.run(() => new Promise<void>((r) => (finish = r)));
    const second = queue.run(async () => 'second');
    assert.equal(await queue.idle(20), false);
    const idle = queue.idle(5000);
    finish();
    assert.equal(await idle, true);
    await first;
    assert.equal(await second, 'second');
    assert.equal(queue.running, 0);
  });

  it('releases its slot when a creation fails', async () => {
    const queue = new CreationQueue({ maxActive: 1, maxQueued: 1 });
    await assert.rejects(queue.run(async () => { throw new Error('boom'); }), /boom/);
    assert.equal(await queue.run(async () => 7), 7);
    assert.equal(queue.running, 0);
  });
});
