import { promises as fsp } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { TileCache } from '../cache/cache.js';
import { FileCache } from '../cache/file-cache.js';
import type { TileCoord } from '../geo/grid.js';
import { mapConcurrent } from '../tiles/concurrency.js';
import type { ProgressStore } from './progress-store.js';
import { SILENT_REPORTER, type SeedProgressStats, type SeedReporter } from './reporter.js';
import { taskLabel } from './seeder.js';
import { formatCleanupTask } from './summary.js';
import type { CleanupTask } from './tasks.js';
import { walkMetaTiles } from './walker.js';

export interface CleanupRunOptions {
  /** Report what would be removed, remove nothing. */
  dryRun?: boolean;
  skipGeomsForLastLevels?: number;
  progress?: ProgressStore;
  reporter?: SeedReporter;
  signal?: AbortSignal;
  /** Called with each file (or tile) removed, or that would be removed in a dry run. */
  onRemove?: (what: string) => void;
}

export interface CleanupRunResult {
  tilesRemoved: number;
  stopped: null | 'interrupted';
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** The directory holding all tiles of a level, for layouts that have one (MapProxy's level_location). */
export function levelDirectory(cache: FileCache, level: number): string | null {
  switch (cache.layout) {
    case 'tc':
    case 'mp':
      return join(cache.directory, pad2(level));
    case 'tms':
      return join(cache.directory, String(level));
    case 'arcgis':
      return join(cache.directory, `L${pad2(level)}`);
    default:
      return null;
  }
}

const isErrno = (err: unknown, ...codes: string[]): boolean => codes.includes((err as NodeJS.ErrnoException)?.code ?? '');

/**
 * Removes files modified before `before` (seconds; 0: all) below `dir`, then every directory left empty, `dir`
 * included (MapProxy's cleanup_directory). Returns the number of files removed.
 */
export async function cleanupDirectory(dir: string, before: number, opts: { dryRun?: boolean; onRemove?: (f: string) => void } = {}): Promise<number> {
  let removed = 0;
  const visit = async (d: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
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

async function removeIfEmpty(dir: string): Promise<boolean> {
  try {
    await fsp.rmdir(dir);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return true;
    if (isErrno(err, 'ENOTEMPTY', 'EEXIST')) return false;
    throw err;
  }
}

/** Modification time (s) of a stored tile, or null when it is not stored. */
async function tileTimestamp(cache: TileCache, coord: TileCoord): Promise<number | null> {
  if (cache instanceof FileCache) {
    try {
      return (await fsp.stat(cache.tileLocation(coord))).mtimeMs / 1000;
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return null;
      throw err;
    }
  }
  return (await cache.load(coord))?.timestamp ?? null;
}

/** Removes the now empty directories of removed tile files, deepest first, never the cache directory itself. */
async function removeEmptyParents(files: readonly string[], root: string): Promise<void> {
  const dirs = new Set<string>();
  for (const f of files) {
    for (let d = dirname(f); d !== root && !relative(root, d).startsWith('..') && d.length > root.length; d = dirname(d)) dirs.add(d);
  }
  const deepestFirst = [...dirs].sort((a, b) => b.split(sep).length - a.split(sep).length);
  for (const d of deepestFirst) await removeIfEmpty(d);
}

/**
 * Runs cleanup tasks. A task over a whole grid of a file cache removes old files level directory by level
 * directory; with a coverage (or another layout) the pyramid is walked tile by tile, so exactly the tiles
 * touching the coverage are removed. Empty directories are removed in both cases.
 */
export async function runCleanup(tasks: readonly CleanupTask[], opts: CleanupRunOptions = {}): Promise<CleanupRunResult> {
  const reporter = opts.reporter ?? SILENT_REPORTER;
  const started = Date.now();
  const result: CleanupRunResult = { tilesRemoved: 0, stopped: null };
  let current = '';
  let level: number | null = null;
  const stats = (): SeedProgressStats => ({
    phase: 'cleanup', task: current, level, tilesDone: 0, tilesTotal: 0, tilesCreated: 0,
    tilesRemoved: result.tilesRemoved, failedItems: 0, elapsedMs: Date.now() - started,
  });
  reporter.start('cleanup', 0);
  for (const task of tasks) {
    current = taskLabel(task);
    reporter.message(formatCleanupTask(task));
    if (task.coverage === false) continue;
    const fingerprint = JSON.stringify({
      levels: task.levels,
      coverage: task.coverage ? task.coverage.extent.bboxFor(task.grid.srs).map((v) => Number(v.toPrecision(10))) : null,
    });
    const progress = opts.progress?.unit(`cleanup/${current}`, fingerprint);
    const cache = task.manager.cache;
    for (const l of task.levels) {
      if (opts.signal?.aborted) {
        result.stopped = 'interrupted';
        break;
      }
      level = l;
      if (progress?.cleanedLevels.has(l)) continue;
      const dir = !task.coverage && cache instanceof FileCache ? levelDirectory(cache, l) : null;
      if (dir) {
        result.tilesRemoved += await cleanupDirectory(dir, task.removeBefore, { dryRun: opts.dryRun, onRemove: opts.onRemove });
      } else {
        const removedFiles: string[] = [];
        const tiles = walkMetaTiles(task.grid, {
          levels: [l], coverage: task.coverage, metaSize: [1, 1], skipGeomsForLastLevels: opts.skipGeomsForLastLevels,
        });
        const batch: TileCoord[] = [];
        const flush = async () => {
          await mapConcurrent(batch.splice(0), 16, async (coord) => {
            const ts = await tileTimestamp(cache, coord);
            if (ts === null || (task.removeBefore !== 0 && ts >= task.removeBefore)) return;
            const name = cache instanceof FileCache ? cache.tileLocation(coord) : coord.join('/');
            opts.onRemove?.(name);
            if (!opts.dryRun) await cache.remove(coord);
            if (cache instanceof FileCache) removedFiles.push(name);
            result.tilesRemoved++;
          });
          reporter.progress(stats());
        };
        for (const item of tiles) {
          batch.push(...item.tiles);
          if (batch.length >= 256) await flush();
          if (opts.signal?.aborted) break;
        }
        await flush();
        if (opts.signal?.aborted) {
          result.stopped = 'interrupted';
          break;
        }
        if (cache instanceof FileCache && !opts.dryRun) await removeEmptyParents(removedFiles, cache.directory);
      }
      progress?.cleanedLevels.add(l);
      if (!opts.dryRun) opts.progress?.save();
      reporter.progress(stats());
    }
    if (result.stopped) break;
  }
  reporter.finish(stats());
  return result;
}
