import fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CacheWriteError, describeWriteFailure } from '../cache/cache-write-error.js';
import { makeDirectories } from '../cache/make-directories.js';
import { SourceError } from '../source/source.js';
import { closeFd, tryLockFile } from './flock.js';
import { LockDirWatchers, type LockFileEvent } from './lock-dir-watcher.js';

/** No lock within the timeout (`globals.http.client_timeout`); MapProxy's LockTimeout and message. */
export class LockTimeout extends SourceError {
  constructor(readonly lockFile: string) {
    super('another process is still running with our lock');
    this.name = 'LockTimeout';
  }
}

/**
 * The lock file itself could not be made: its directory is on a full disk, a read-only mount, or out of
 * permissions. Unlike LockTimeout, nobody holds the lock; the caller decides whether to go on without it.
 */
export class LockFileError extends CacheWriteError {
  override readonly name: string = 'LockFileError';

  constructor(readonly lockFile: string, cause: unknown) {
    super(`cannot create lock file ${lockFile}: ${describeWriteFailure(cause)}`, { cause });
  }
}

/** A held lock. `release` is idempotent and never rejects. */
export interface HeldLock {
  readonly path: string;
  /** Milliseconds spent waiting because the lock was busy (0 when it was free at once). */
  readonly waitedMs: number;
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** Give up after this many milliseconds with LockTimeout. */
  timeoutMs: number;
  /**
   * 'unlink' (tile locks): release removes the file, as MapProxy does on POSIX, and waiters wake on the removal.
   * 'keep' (semaphore slots, MapProxy's SemLock): the file stays; release touches it so waiters wake.
   */
  release: 'unlink' | 'keep';
}

/** Fallback wake-ups for missed events (e.g. a MapProxy holder of a semaphore slot, which only closes). */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 2000;

/**
 * Cross-process locks with flock on lock files, interoperable with MapProxy (same files, same
 * syscall). Waiting is event driven: a waiter subscribes to its file names in the shared
 * directory watcher and retries when a holder releases; a slow doubling timer is only the
 * safety net. One instance per process (runtime): it owns the watchers and the sweep counter.
 */
export class FileLocks {
  readonly watchers = new LockDirWatchers();
  private readonly madeDirs = new Set<string>();
  private sweepCounter = -1;

  /**
   * Locks the first free file of `paths` (tried in order; several paths make a counting
   * semaphore), waiting until one is free or the timeout passes. All paths share one directory.
   * Rejects with LockTimeout, or with LockFileError when a lock file cannot be created.
   */
  async acquire(paths: readonly string[], opts: AcquireOptions): Promise<HeldLock> {
    if (paths.length === 0) throw new Error('FileLocks.acquire: no lock file');
    const dir = dirname(paths[0]);
    try {
      await this.ensureDir(dir);
    } catch (err) {
      throw new LockFileError(paths[0], err);
    }
    const started = performance.now();
    const deadline = started + opts.timeoutMs;

    // Uncontended (the usual case: a meta tile nobody else creates), the first try takes the lock, and watching the
    // directory would only cost an inotify watch, its removal and the events of our own lock file.
    const first = await this.tryAll(paths, dir);
    if (first.held) return this.held(first.held.path, dir, first.held.fd, opts.release, 0);

    // Busy: subscribe, then try again at once, so that a release between the failed try and the subscription
    // is not lost; from then on, every release wakes this waiter.
    let woken = false;
    let wake: (() => void) | null = null;
    const onEvent = (event: LockFileEvent): void => {
      // a tile lock is only freed by removing its file; a slot file by closing and touching it
      if (opts.release === 'unlink' && event !== 'rename') return;
      woken = true;
      wake?.();
    };
    const unsubscribe = paths.map((p) => this.watchers.subscribe(dir, basename(p), onEvent));
    let delay = FIRST_RETRY_MS;
    try {
      for (;;) {
        woken = false;
        const got = await this.tryAll(paths, dir);
        if (got.held) return this.held(got.held.path, dir, got.held.fd, opts.release, performance.now() - started);
        if (got.retryNow || woken) continue;
        const remaining = deadline - performance.now();
        if (remaining <= 0) throw new LockTimeout(paths[0]);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.min(delay, remaining));
          function done(): void {
            clearTimeout(timer);
            wake = null;
            resolve();
          }
          wake = done;
        });
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      }
    } finally {
      unsubscribe.forEach((u) => u());
    }
  }

  /** One try of each path in order: the first one locked, or whether one is worth retrying at once. */
  private async tryAll(paths: readonly string[], dir: string): Promise<{ held?: { path: string; fd: number }; retryNow: boolean }> {
    let retryNow = false;
    for (const path of paths) {
      const got = await this.tryLock(path, dir);
      if (got === 'retry') retryNow = true;
      else if (got !== 'busy') return { held: { path, fd: got.fd }, retryNow };
    }
    return { retryNow };
  }

  /**
   * MapProxy's cleanup_lockdir: on every 50th call (the first included) remove `.lck` files in
   * `dir` older than `maxAgeMs`, left behind by holders that died. Runs in the background.
   */
  sweepSometimes(dir: string, maxAgeMs: number): void {
    this.sweepCounter++;
    if (this.sweepCounter % 50 !== 0) return;
    void sweepLockDir(dir, maxAgeMs);
  }

  private async tryLock(path: string, dir: string): Promise<{ fd: number } | 'busy' | 'retry'> {
    try {
      try {
        return await tryLockFile(path);
      } catch (err) {
        // someone removed the lock directory: make it again, once
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.madeDirs.delete(dir);
        await this.ensureDir(dir);
        return await tryLockFile(path);
      }
    } catch (err) {
      throw new LockFileError(path, err);
    }
  }

  private held(path: string, dir: string, fd: number, mode: 'unlink' | 'keep', waitedMs: number): HeldLock {
    let released: Promise<void> | null = null;
    const name = basename(path);
    const release = async (): Promise<void> => {
      if (mode === 'unlink') {
        // unlink first: a waiter that opens the path now gets a fresh file and cannot lock our orphan.
        // Synchronous as the locking (flock.ts): two syscalls, cheaper than two thread-pool round trips.
        try {
          fs.unlinkSync(path);
        } catch {
          // removed already (a sweep, or someone cleaning the lock directory)
        }
        try {
          fs.closeSync(fd);
        } catch {
          // closed already
        }
        this.watchers.notify(dir, name, 'rename');
      } else {
        await closeFd(fd);
        // closing makes no inotify event; touching does, so other processes' waiters wake
        const now = new Date();
        await fs.promises.utimes(path, now, now).catch(() => {});
        this.watchers.notify(dir, name, 'change');
      }
    };
    return {
      path,
      waitedMs,
      release: () => (released ??= release().catch(() => {})),
    };
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await makeDirectories(dir);
    this.madeDirs.add(dir);
  }
}

async function sweepLockDir(dir: string, maxAgeMs: number): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.promises.readdir(dir);
  } catch {
    return;
  }
  const expire = Date.now() - maxAgeMs;
  for (const entry of entries) {
    if (!entry.endsWith('.lck')) continue;
    const file = join(dir, entry);
    try {
      const st = await fs.promises.stat(file);
      if (st.isFile() && st.mtimeMs < expire) await fs.promises.unlink(file);
    } catch {
      // removed meanwhile, or not ours to remove
    }
  }
}
