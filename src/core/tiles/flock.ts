import { createRequire } from 'node:module';
import fs from 'node:fs';

/**
 * flock(2) through fs-ext, always with LOCK_NB: the call returns at once, so it runs on the main
 * thread without blocking the event loop, and no libuv thread is tied up by a blocking flock.
 * Python's fcntl.flock uses the same syscall, so these locks exclude MapProxy's and vice versa.
 */
const fsExt = createRequire(import.meta.url)('fs-ext') as { flockSync(fd: number, flags: 'exnb' | 'un'): void };

const isBusy = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
};

/** What one non-blocking attempt gave: the locked fd, busy (someone holds it), or retry (we locked a removed file). */
export type TryLockResult = { fd: number } | 'busy' | 'retry';

/** What MapProxy writes into its lock files: a space, the pid, a newline. */
const PID_TEXT = Buffer.from(` ${process.pid}\n`);

export const closeFd = (fd: number): Promise<void> => new Promise((resolve) => fs.close(fd, () => resolve()));

/**
 * Opens (creating) `path` and tries an exclusive flock once. When the lock is ours, the file is
 * checked to still be the one at `path`: a holder that released by unlinking leaves a
 * lockable orphan behind, and locking that would let two holders run at once. MapProxy's own
 * FileLock accepts that race (its holders re-check the cache); checking the inode closes it.
 * The holder's pid is written into the file, as MapProxy does.
 */
export async function tryLockFile(path: string): Promise<TryLockResult> {
  // Synchronous, as cache reads and writes: each step is one syscall on a local lock directory, and through the
  // thread pool the six of them cost more CPU than the syscalls themselves, once per created meta tile.
  // no O_TRUNC: truncating would wake everyone who watches the file for changes
  const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o666);
  try {
    fsExt.flockSync(fd, 'exnb');
  } catch (err) {
    fs.closeSync(fd);
    if (isBusy(err)) return 'busy';
    throw err;
  }
  try {
    const mine = fs.fstatSync(fd);
    const current = fs.statSync(path, { throwIfNoEntry: false });
    if (!current || current.ino !== mine.ino || current.dev !== mine.dev) {
      fs.closeSync(fd);
      return 'retry';
    }
    // The pid only informs people looking at the file; on a full disk writing it fails while the lock,
    // which is in the kernel, is ours all the same.
    // A lock file is new (holders remove theirs) or holds an earlier holder's pid; only a longer one is truncated.
    try {
      fs.writeSync(fd, PID_TEXT, 0, PID_TEXT.length, 0);
      if (mine.size > PID_TEXT.length) fs.ftruncateSync(fd, PID_TEXT.length);
    } catch {
      // see above
    }
    return { fd };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}
