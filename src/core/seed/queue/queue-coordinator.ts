import { randomUUID } from 'node:crypto';
import { SILENT_REPORTER, type SeedProgressStats, type SeedReporter } from '../reporter.js';
import { taskLabel, walkFingerprint } from '../seeder.js';
import { formatSeedTask } from '../summary.js';
import type { SeedTask } from '../tasks.js';
import { countWalk, walkMetaTiles, type WalkOptions } from '../walker.js';
import type { QueuedItem, QueuedUnit } from './queued-item.js';
import { runFinished, type FailedUnit, type RedisSeedQueue, type RunState } from './seed-queue.js';
import { abortableSleep } from '../../util/abortable-sleep.js';

export interface QueuedSeedOptions {
  queue: RedisSeedQueue;
  /** `--continue`: go on with the run in Redis when it is the same walk (its failed units are queued again). */
  resume?: boolean;
  skipUncached?: boolean;
  skipGeomsForLastLevels?: number;
  reporter?: SeedReporter;
  /** Aborting stops queueing and watching; the workers go on with what is queued. */
  signal?: AbortSignal;
  /** Units kept queued ahead of the workers (default 10 000): Redis holds the backlog, not the whole walk. */
  maxBacklog?: number;
  /** How often the cluster's progress is read (default 1000 ms). */
  pollMs?: number;
}

export interface QueuedSeedResult {
  runId: string;
  resumed: boolean;
  tilesTotal: number;
  tilesDone: number;
  tilesCreated: number;
  unitsTotal: number;
  unitsFailed: number;
  /** The first failed units (with their errors). */
  failed: FailedUnit[];
  /** null: every unit is done or failed. */
  stopped: null | 'interrupted';
}

const BATCH = 200;

/**
 * `seed --queue`: walks the tasks' pyramids by meta tiles as runSeed does, puts each item into the queue as a work
 * unit, and shows the progress of the whole cluster until every unit is done or failed. The walk position of each
 * task unit is recorded with its items (one transaction), so `--continue` after a crash or Ctrl-C queues exactly
 * the rest. Workers may start before, during or after.
 */
export async function runQueuedSeed(tasks: readonly SeedTask[], opts: QueuedSeedOptions): Promise<QueuedSeedResult> {
  const { queue } = opts;
  const reporter = opts.reporter ?? SILENT_REPORTER;
  const skipGeoms = opts.skipGeomsForLastLevels ?? 0;
  const maxBacklog = opts.maxBacklog ?? 10_000;
  const pollMs = opts.pollMs ?? 1000;
  const started = Date.now();
  const walkOpts = (t: SeedTask): WalkOptions => ({ levels: t.levels, coverage: t.coverage || null, metaSize: t.metaSize, skipGeomsForLastLevels: skipGeoms });

  const units: QueuedUnit[] = tasks.map((t) => ({
    cache: t.cacheName, grid: t.gridName, refreshBefore: t.refreshBefore, skipUncached: opts.skipUncached ?? false,
    label: taskLabel(t), upstreamLimit: t.upstreamLimit,
  }));
  const fingerprint = JSON.stringify({ units, walks: tasks.map((t) => walkFingerprint(t, skipGeoms)) });
  let tilesTotal = 0;
  for (const t of tasks) if (t.coverage !== false) for (const c of countWalk(t.grid, walkOpts(t)).values()) tilesTotal += c.tiles;

  const existing = await queue.run();
  const resumed = !!opts.resume && existing?.fingerprint === fingerprint;
  let runId: string;
  if (resumed) {
    runId = existing!.id;
    const again = await queue.requeueFailed(runId);
    reporter.message(`resuming run ${runId} in ${queue.name}${again ? `: ${again} failed unit(s) queued again` : ''}`);
  } else {
    if (opts.resume && existing) reporter.warn(`the run in ${queue.name} seeds other tasks; starting a new run`);
    runId = randomUUID();
    await queue.startRun({ id: runId, fingerprint, units, tilesTotal });
    reporter.message(`run ${runId} in ${queue.name}`);
  }

  let stopped: QueuedSeedResult['stopped'] = opts.signal?.aborted ? 'interrupted' : null;
  const onAbort = () => (stopped = 'interrupted');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let last: RunState | null = existing && resumed ? existing : null;
  let label = '';
  let level: number | null = null;
  const report = async () => {
    last = (await queue.run()) ?? last;
    const workers = await queue.workers();
    const stats: SeedProgressStats = {
      phase: 'seed', task: `cluster of ${workers.length} worker(s)${label ? `, queueing ${label}` : ''}`, level,
      tilesDone: last?.tilesDone ?? 0, tilesTotal, tilesCreated: last?.tilesCreated ?? 0, tilesRemoved: 0,
      failedItems: last?.unitsFailed ?? 0, elapsedMs: Date.now() - started,
    };
    reporter.progress(stats);
    return stats;
  };
  reporter.start('seed', tilesTotal);

  // Queue the walk (the rest of it, when resuming), keeping at most maxBacklog units ahead of the workers.
  let unitsTotal = 0;
  const previous = resumed ? existing!.positions : new Map<number, number>();
  for (let u = 0; u < tasks.length && !stopped; u++) {
    const task = tasks[u]!;
    reporter.message(formatSeedTask(task));
    if (task.coverage === false) continue;
    label = units[u]!.label;
    const skip = previous.get(u) ?? 0;
    let position = 0;
    let batch: QueuedItem[] = [];
    const flush = async () => {
      while (!stopped && (await queue.backlog()) >= maxBacklog) {
        await report();
        await abortableSleep(pollMs, opts.signal);
      }
      if (stopped || !batch.length) return;
      await queue.add(batch, u, position);
      batch = [];
    };
    for (const item of walkMetaTiles(task.grid, walkOpts(task))) {
      unitsTotal++;
      position++;
      if (position <= skip) continue;
      level = item.level;
      batch.push({ run: runId, unit: u, level: item.level, tiles: item.tiles });
      if (batch.length >= Math.min(BATCH, maxBacklog)) await flush();
      if (stopped) break;
    }
    await flush();
  }
  if (!stopped) await queue.markEnqueued(unitsTotal);
  level = null;
  label = '';

  // Watch the cluster until every unit is accounted for.
  let stats = await report();
  while (!stopped && !(last && runFinished(last))) {
    await abortableSleep(pollMs, opts.signal);
    stats = await report();
  }
  opts.signal?.removeEventListener('abort', onAbort);
  reporter.finish(stats);
  const final = last as RunState | null;
  return {
    runId,
    resumed,
    tilesTotal,
    tilesDone: final?.tilesDone ?? 0,
    tilesCreated: final?.tilesCreated ?? 0,
    unitsTotal: final?.unitsTotal ?? unitsTotal,
    unitsFailed: final?.unitsFailed ?? 0,
    failed: final?.unitsFailed ? await queue.failedUnits(10) : [],
    stopped,
  };
}
