import { CacheWriteError } from '../cache/cache-write-error.js';
import type { TileCoord } from '../geo/grid.js';
import type { SeedExecutor, SeedUnitSpec } from './executor.js';
import { backoffDelay, FailureWindow } from './failure-window.js';
import type { ProgressStore, UnitProgress } from './progress-store.js';
import { SILENT_REPORTER, type SeedProgressStats, type SeedReporter } from './reporter.js';
import { formatSeedTask } from './summary.js';
import { seedingManager, tilesToCreate } from './seed-tiles.js';
import type { SeedTask } from './tasks.js';
import { countWalk, walkMetaTiles, type WalkItem } from './walker.js';
import { abortableSleep } from '../util/abortable-sleep.js';

export interface SeedRunOptions {
  /** Where tiles are created; not needed for a dry run. */
  executor?: SeedExecutor;
  /** Walk and count what would be created, create nothing. */
  dryRun?: boolean;
  /** Refresh only tiles already in the cache (with refresh_before). */
  skipUncached?: boolean;
  skipGeomsForLastLevels?: number;
  /** Finished work is recorded here and skipped when it is already recorded (--continue). */
  progress?: ProgressStore;
  reporter?: SeedReporter;
  /** Retries of a failing meta tile before it is given up (default 5). */
  retries?: number;
  /** First back-off delay, doubled for each retry (default 2000 ms), up to `maxRetryDelayMs` (default 60 s). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Stop the run when `maxFailureRate` of the last `failureWindow` upstream attempts failed (default 0.5 of 20). */
  failureWindow?: number;
  maxFailureRate?: number;
  /** Aborting stops handing out work; running items finish and are recorded. */
  signal?: AbortSignal;
  /** How often progress is written (default 1000 ms). */
  saveIntervalMs?: number;
}

export interface FailedItem {
  readonly task: string;
  readonly level: number;
  readonly tiles: readonly TileCoord[];
  readonly error: string;
}

export interface LevelCount {
  items: number;
  tiles: number;
  /** Dry run: tiles that would be created. */
  missing: number;
}

export interface SeedRunResult {
  tilesTotal: number;
  tilesDone: number;
  tilesCreated: number;
  /** Work items (meta tiles) handed to the executor. */
  itemsRun: number;
  /** Work items skipped because the progress file records them as done. */
  itemsResumed: number;
  failed: FailedItem[];
  /** null: ran to the end. 'storage': tiles could not be stored (full or read-only disk); nothing is retried. */
  stopped: null | 'interrupted' | 'failures' | 'storage';
  stopReason?: string;
  /** The last few upstream errors. */
  recentErrors: string[];
  /** Per task (task/cache/grid) and level, what the walk found. */
  counts: Map<string, Map<number, LevelCount>>;
}

export const taskLabel = (t: { name: string; cacheName: string; gridName: string }): string => `${t.name}/${t.cacheName}/${t.gridName}`;

/** What identifies the walk of a task: progress recorded for another walk is not reused. */
export function walkFingerprint(task: SeedTask, skipGeoms: number): string {
  const cov = task.coverage ? task.coverage.extent.bboxFor(task.grid.srs).map((v) => Number(v.toPrecision(10))) : null;
  return JSON.stringify({ levels: task.levels, metaSize: task.metaSize, coverage: cov, skipGeoms });
}

/**
 * Runs seed tasks one after the other. Each task's pyramid is walked by meta tiles; items not yet done go to the
 * executor, at most as many at once as it can take and the upstreams' `concurrent_requests` allow. A failing item
 * is retried with exponential back-off; when too many recent attempts fail the run stops with a report. A tile
 * that cannot be stored (CacheWriteError) stops the run at once: every further item would fail the same way.
 */
export async function runSeed(tasks: readonly SeedTask[], opts: SeedRunOptions = {}): Promise<SeedRunResult> {
  const reporter = opts.reporter ?? SILENT_REPORTER;
  const skipGeoms = opts.skipGeomsForLastLevels ?? 0;
  const retries = opts.retries ?? 5;
  const retryDelay = opts.retryDelayMs ?? 2000;
  const maxRetryDelay = opts.maxRetryDelayMs ?? 60_000;
  const window = new FailureWindow(opts.failureWindow ?? 20, opts.maxFailureRate ?? 0.5);
  const saveInterval = opts.saveIntervalMs ?? 1000;
  const executor = opts.executor;
  if (!opts.dryRun && !executor) throw new Error('runSeed needs an executor unless it is a dry run');

  const started = Date.now();
  const result: SeedRunResult = {
    tilesTotal: 0, tilesDone: 0, tilesCreated: 0, itemsRun: 0, itemsResumed: 0,
    failed: [], stopped: null, recentErrors: [], counts: new Map(),
  };
  let current = '';
  let currentLevel: number | null = null;
  const stats = (): SeedProgressStats => ({
    phase: 'seed', task: current, level: currentLevel, tilesDone: result.tilesDone, tilesTotal: result.tilesTotal,
    tilesCreated: result.tilesCreated, tilesRemoved: 0, failedItems: result.failed.length, elapsedMs: Date.now() - started,
  });

  const walkOpts = (t: SeedTask) => ({ levels: t.levels, coverage: t.coverage || null, metaSize: t.metaSize, skipGeomsForLastLevels: skipGeoms });
  for (const t of tasks) {
    if (t.coverage === false) continue;
    for (const c of countWalk(t.grid, walkOpts(t)).values()) result.tilesTotal += c.tiles;
  }
  reporter.start('seed', result.tilesTotal);

  const units: SeedUnitSpec[] = tasks.map((t) => ({
    cache: t.cacheName, grid: t.gridName, refreshBefore: t.refreshBefore, skipUncached: opts.skipUncached ?? false,
  }));
  if (executor) await executor.prepare(units);

  let lastSave = Date.now();
  let saveFailed = false;
  const saveProgress = (force: boolean) => {
    if (!opts.progress || opts.dryRun) return;
    if (!force && Date.now() - lastSave < saveInterval) return;
    lastSave = Date.now();
    try {
      opts.progress.save();
      saveFailed = false;
    } catch (err) {
      // The progress file only shortens a later --continue; its disk being full must not fail the tiles.
      if (!saveFailed) reporter.warn(`cannot save the seed progress: ${(err as Error).message ?? String(err)}`);
      saveFailed = true;
    }
  };
  const stop = (why: NonNullable<SeedRunResult['stopped']>, reason?: string) => {
    if (result.stopped) return;
    result.stopped = why;
    if (reason) result.stopReason = reason;
  };
  const onAbort = () => stop('interrupted', 'interrupted');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();

  const runItem = async (unit: number, task: SeedTask, item: WalkItem, seq: number, progress: UnitProgress | undefined) => {
    for (let attempt = 0; ; attempt++) {
      // Interrupted or stopped during a back-off: leave the item for the next run.
      if (attempt > 0 && result.stopped) return;
      try {
        const created = await executor!.run({ unit, tiles: item.tiles });
        window.record(true);
        result.tilesCreated += created;
        result.tilesDone += item.tiles.length;
        progress?.level(item.level).markDone(seq);
        saveProgress(false);
        reporter.progress(stats());
        return;
      } catch (err) {
        const message = (err as Error).message ?? String(err);
        result.recentErrors.push(message);
        if (result.recentErrors.length > 5) result.recentErrors.shift();
        if (err instanceof CacheWriteError) {
          // A full or read-only disk fails every item alike, and retrying would only ask the upstream again
          // for tiles that cannot be kept: stop at once and say why.
          result.failed.push({ task: taskLabel(task), level: item.level, tiles: item.tiles, error: message });
          stop('storage', `tiles of ${taskLabel(task)} cannot be stored: ${message}`);
          reporter.progress(stats());
          return;
        }
        window.record(false);
        if (window.tripped) {
          stop('failures', `${window.failures} of the last ${window.samples} upstream attempts failed (limit ${Math.round(window.maxFailureRate * 100)}%)`);
        }
        const where = `level ${item.level} meta tile ${item.main.join(',')} of ${taskLabel(task)}`;
        if (result.stopped || attempt >= retries) {
          result.failed.push({ task: taskLabel(task), level: item.level, tiles: item.tiles, error: message });
          if (!result.stopped) reporter.warn(`${where} failed ${attempt + 1} times, giving up: ${message}`);
          reporter.progress(stats());
          return;
        }
        const delay = backoffDelay(attempt, retryDelay, maxRetryDelay);
        reporter.warn(`${where} failed: ${message}; retry ${attempt + 1} of ${retries} in ${(delay / 1000).toFixed(1)} s`);
        await abortableSleep(delay, opts.signal);
      }
    }
  };

  for (let unit = 0; unit < tasks.length && !result.stopped; unit++) {
    const task = tasks[unit]!;
    current = taskLabel(task);
    reporter.message(formatSeedTask(task));
    if (task.coverage === false) continue;
    const counts = new Map<number, LevelCount>();
    result.counts.set(current, counts);
    const progress = opts.progress?.unit(`seed/${current}`, walkFingerprint(task, skipGeoms));
    const limit = Math.max(1, Math.min(executor?.capacity ?? 1, task.upstreamLimit ?? Infinity));
    const dryManager = opts.dryRun ? seedingManager(task.manager, task.refreshBefore) : null;
    const seqs = new Map<number, number>();
    const inFlight = new Set<Promise<void>>();

    for (const item of walkMetaTiles(task.grid, walkOpts(task))) {
      if (result.stopped) break;
      currentLevel = item.level;
      const seq = seqs.get(item.level) ?? 0;
      seqs.set(item.level, seq + 1);
      const count = counts.get(item.level) ?? { items: 0, tiles: 0, missing: 0 };
      counts.set(item.level, count);
      count.items++;
      count.tiles += item.tiles.length;
      if (progress?.level(item.level).isDone(seq)) {
        result.itemsResumed++;
        result.tilesDone += item.tiles.length;
        reporter.progress(stats());
        continue;
      }
      if (dryManager) {
        count.missing += (await tilesToCreate(dryManager, item.tiles, { skipUncached: opts.skipUncached ?? false })).length;
        result.tilesDone += item.tiles.length;
        reporter.progress(stats());
        continue;
      }
      while (inFlight.size >= limit) await Promise.race(inFlight);
      if (result.stopped) break;
      result.itemsRun++;
      const p: Promise<void> = runItem(unit, task, item, seq, progress).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    saveProgress(true);
  }
  opts.signal?.removeEventListener('abort', onAbort);
  reporter.finish(stats());
  return result;
}
