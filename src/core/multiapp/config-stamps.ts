import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { expandEnvString } from '../config/env-expand.js';
import { readYamlFile } from '../config/yaml-file.js';

/** A configuration file and the mtime it had when it was read; null when it did not exist. */
export interface FileStamp {
  readonly path: string;
  readonly mtimeMs: number | null;
}

async function currentMtime(path: string): Promise<number | null> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * The files whose mtime differs from the stamp (or that appeared or vanished). Any difference counts, not only a
 * newer mtime: restoring an older copy of a file is a change too.
 */
export async function changedFiles(stamps: readonly FileStamp[]): Promise<string[]> {
  const now = await Promise.all(stamps.map((s) => currentMtime(s.path)));
  return stamps.filter((s, i) => now[i] !== s.mtimeMs).map((s) => s.path);
}

/**
 * Stamps the main configuration file and every file it reaches through `base:`, tolerating broken files: a file
 * that cannot be read or parsed is stamped and its includes are not followed. Each file is stat'ed BEFORE it is
 * read, so an edit that races with a load makes the next check see a difference rather than hide it. This is
 * what lets a broken configuration be retried as soon as any of its files (even a newly added base file) changes.
 */
export function stampConfigFiles(mainFile: string, env: Record<string, string | undefined>): FileStamp[] {
  const stamps = new Map<string, number | null>();
  const visit = (file: string): void => {
    if (stamps.has(file)) return;
    let mtimeMs: number | null;
    try {
      mtimeMs = statSync(file).mtimeMs;
    } catch {
      mtimeMs = null;
    }
    stamps.set(file, mtimeMs);
    if (mtimeMs === null) return;
    let base: unknown;
    try {
      base = readYamlFile(file).base;
    } catch {
      return;
    }
    const names = typeof base === 'string' ? [base] : Array.isArray(base) ? base : [];
    for (const name of names) {
      if (typeof name !== 'string') continue;
      visit(resolve(dirname(file), expandEnvString(name, env, () => {})));
    }
  };
  visit(resolve(mainFile));
  return [...stamps].map(([path, mtimeMs]) => ({ path, mtimeMs }));
}

/**
 * Stamps for a successful load: the pre-load stamps win (they are the older observation, so a race can only cause
 * one extra rebuild, never a missed one); files only the loader saw are added with the loader's mtime.
 */
export function mergeStamps(before: readonly FileStamp[], loaded: readonly { path: string; mtimeMs: number }[]): FileStamp[] {
  const out = new Map<string, number | null>(before.map((s) => [s.path, s.mtimeMs]));
  for (const f of loaded) if (!out.has(f.path)) out.set(f.path, f.mtimeMs);
  return [...out].map(([path, mtimeMs]) => ({ path, mtimeMs }));
}
