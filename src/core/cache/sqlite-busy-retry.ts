import { sqliteCode } from './sqlite-errors.js';

/** How long to sleep between two attempts: short, the lock holder is one transaction of a few tiles. */
const RETRY_PAUSE_MS = 5;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `fn` again while it fails with SQLITE_BUSY, for up to `timeoutMs`. SQLite answers BUSY at once, without
 * its busy handler (better-sqlite3's `timeout`), where waiting could deadlock: `PRAGMA journal_mode = WAL` while
 * another connection holds the write lock is one such case, met when several processes create one file together.
 * The pause blocks the thread, as the busy handler would: every SQLite call of a cache is synchronous.
 */
export function retryWhileBusy<T>(fn: () => T, timeoutMs: number): T {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return fn();
    } catch (err) {
      if (!(sqliteCode(err) ?? '').startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw err;
      Atomics.wait(sleeper, 0, 0, RETRY_PAUSE_MS);
    }
  }
}
