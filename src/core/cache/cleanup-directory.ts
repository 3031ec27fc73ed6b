import { type Dirent, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { mapConcurrent } from '../tiles/concurrency.js';
import type { RemoveOptions } from './cache.js';

const isErrno = (err: unknown, ...codes: string[]): boolean => codes.includes((err as NodeJS.ErrnoException)?.code ?? '');

/**
 * Removes files modified before `before` (seconds; 0: all) below `dir`, then every directory left empty, `dir`
 * included (MapProxy's cleanup_directory). Returns the number of files removed.
 */
export async function cleanupDirectory(dir: string, before: number, opts: RemoveOptions = {}): Promise<number> {
  let removed = 0;
  const visit = async (d: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fsp.readdir(d, { withFileTypes: true });
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return;
      throw err;
    }
    const files: string[] = [];
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await visit(p);
      else files.push(p);
    }
    await mapConcurrent(files, 16, async (f) => {
      try {
        if (before !== 0 && (await fsp.lstat(f)).mtimeMs / 1000 >= before) return;
        opts.onRemove?.(f);
        if (!opts.dryRun) await fsp.unlink(f);
        removed++;
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    });
    if (!opts.dryRun) await removeIfEmpty(d);
  };
  await visit(dir);
  return removed;
}

/** Removes a directory if it is empty; true when it is gone. */
export async function removeIfEmpty(dir: string): Promise<boolean> {
  try {
    await fsp.rmdir(dir);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return true;
    if (isErrno(err, 'ENOTEMPTY', 'EEXIST')) return false;
    throw err;
  }
}
