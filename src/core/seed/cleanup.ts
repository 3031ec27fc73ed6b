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

/**
 * Runs cleanup tasks. A task over a whole grid removes each level the store's quick way when it has one (a level
 * directory, a level database, one DELETE); with a coverage, or without a quick way, the pyramid is walked tile
 * by tile, so exactly the tiles touching the coverage are removed. A file cache removes emptied directories too.
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
      const quick = task.coverage ? null : await cache.removeLevel(l, task.removeBefore, { dryRun: opts.dryRun, onRemove: opts.onRemove });
      if (quick !== null) {
        result.tilesRemoved += quick;
      } else {
        const tiles = walkMetaTiles(task.grid, {
          levels: [l], coverage: task.coverage, metaSize: [1, 1], skipGeomsForLastLevels: opts.skipGeomsForLastLevels,
        });
        const batch: TileCoord[] = [];
        const flush = async () => {
          const old: TileCoord[] = [];
          await mapConcurrent(batch.splice(0), 16, async (coord) => {
            const ts = await cache.timestamp(coord);
            if (ts === null || (task.removeBefore !== 0 && ts >= task.removeBefore)) return;
            old.push(coord);
          });
          for (const coord of old) opts.onRemove?.(cache.tileName(coord));
          if (!opts.dryRun && old.length > 0) await cache.removeMany(old);
          result.tilesRemoved += old.length;
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
