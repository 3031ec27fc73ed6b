import fs from 'node:fs';
import { dirname } from 'node:path';

const isErrno = (err: unknown, code: string): boolean => (err as NodeJS.ErrnoException | null)?.code === code;

/** The levels of `dir` that do not exist, outermost first. */
function missingLevels(dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  return missing.reverse();
}

/**
 * `mkdir -p` that reports why a directory could not be made. Node's recursive mkdir answers ENOENT when a
 * level fails for another reason (a read-only mount, a full disk, missing permissions), which would tell the
 * user that a path is missing rather than that the disk refuses writes. On that ENOENT the missing levels are
 * made one by one, so the real errno surfaces. Resolves with the first directory created, like mkdir.
 */
export async function makeDirectories(dir: string): Promise<string | undefined> {
  try {
    return await fs.promises.mkdir(dir, { recursive: true });
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
    const missing = missingLevels(dir);
    if (missing.length === 0) throw err;
    for (const d of missing) {
      await fs.promises.mkdir(d).catch((e: unknown) => {
        if (!isErrno(e, 'EEXIST')) throw e;
      });
    }
    return missing[0];
  }
}

/**
 * makeDirectories without the thread pool, for the file cache's synchronous writes: a few mkdir syscalls on a
 * local disk, cheaper than the pool round trips (which wait behind a meta tile's encoding jobs). Same errors.
 */
export function makeDirectoriesSync(dir: string): string | undefined {
  try {
    return fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
    const missing = missingLevels(dir);
    if (missing.length === 0) throw err;
    for (const d of missing) {
      try {
        fs.mkdirSync(d);
      } catch (e) {
        if (!isErrno(e, 'EEXIST')) throw e;
      }
    }
    return missing[0];
  }
}
