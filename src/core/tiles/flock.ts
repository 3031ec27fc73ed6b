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

const open = (path: string): Promise<number> =>
  new Promise((resolve, reject) =>
    // no O_TRUNC: truncating would wake everyone who watches the file for changes
    fs.open(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o666, (err, fd) => (err ? reject(err) : resolve(fd))),
  );

export const closeFd = (fd: number): Promise<void> => new Promise((resolve) => fs.close(fd, () => resolve()));

const fstat = (fd: number): Promise<fs.Stats> =>
  new Promise((resolve, reject) => fs.fstat(fd, (err, st) => (err ? reject(err) : resolve(st))));

const statOrNull = (path: string): Promise<fs.Stats | null> =>
  new Promise((resolve) => fs.stat(path, (err, st) => resolve(err ? null : st)));

/**
 * Opens (creating) `path` and tries an exclusive flock once. When the lock is ours, the file is
 * checked to still be the one at `path`: a holder that released by unlinking leaves a
 * lockable orphan behind, and locking that would let two holders run at once. MapProxy's own
 * FileLock accepts that race (its holders re-check the cache); checking the inode closes it.
 * The holder's pid is written into the file, as MapProxy does.
 */
export async function tryLockFile(path: string): Promise<TryLockResult> {
  const fd = await open(path);
  try {
    fsExt.flockSync(fd, 'exnb');
  } catch (err) {
    await closeFd(fd);
    if (isBusy(err)) return 'busy';
    throw err;
  }
  try {
    const [mine, current] = await Promise.all([fstat(fd), statOrNull(path)]);
    if (!current || current.ino !== mine.ino || current.dev !== mine.dev) {
      await closeFd(fd);
      return 'retry';
    }
    // The pid only informs people looking at the file; on a full disk writing it fails while the lock,
    // which is in the kernel, is ours all the same.
    const text = Buffer.from(` ${process.pid}\n`);
    const written = await new Promise<boolean>((resolve) => fs.write(fd, text, 0, text.length, 0, (err) => resolve(!err)));
    if (written) await new Promise<void>((resolve) => fs.ftruncate(fd, text.length, () => resolve()));
    return { fd };
  } catch (err) {
    await closeFd(fd);
    throw err;
  }
}
