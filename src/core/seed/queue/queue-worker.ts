import { hostname } from 'node:os';
import { CacheWriteError } from '../../cache/cache-write-error.js';
import type { SeedExecutor } from '../executor.js';
import { backoffDelay, FailureWindow } from '../failure-window.js';
import type { SeedReporter } from '../reporter.js';
import { SILENT_REPORTER } from '../reporter.js';
import type { QueuedItem } from './queued-item.js';
import { runFinished, type RedisSeedQueue, type RunState, type TakenEntry } from './seed-queue.js';
import { abortableSleep } from '../../util/abortable-sleep.js';

export interface SeedWorkerOptions {
  queue: RedisSeedQueue;
  executor: SeedExecutor;
  /** This worker's name in the consumer group (default `<host>:<pid>`). */
  consumer?: string;
  /** A unit idle this long is taken to be a crashed worker's and handed to another (default 30 s). */
  leaseMs?: number;
  reporter?: SeedReporter;
  /** Aborting stops taking units; running ones finish and are acknowledged. */
  signal?: AbortSignal;
  /** As runSeed's: retries of a failing unit with back-off, and the share of failures that stops this worker. */
  retries?: number;
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  failureWindow?: number;
  maxFailureRate?: number;
  /** How long to wait for new units per read (default 1000 ms): also how soon a finished run is noticed. */
  blockMs?: number;
}

export interface SeedWorkerResult {
  unitsDone: number;
  unitsFailed: number;
  tilesCreated: number;
  /** null: the run was finished; the others as in runSeed. Units held when stopping go back to the cluster. */
  stopped: null | 'interrupted' | 'failures' | 'storage';
  stopReason?: string;
}

/**
 * A `seed --worker`: takes units of the queue's run until the run is finished (every unit done or failed), creating
 * their tiles through the executor. Units it holds are renewed every third of the lease, so only a crashed worker's
 * units are taken over. A unit is acknowledged after its tiles are stored: a crash in between makes another worker
 * find them cached. With a stop (Ctrl-C, a broken upstream, a full disk) the units it still holds are left to the
 * lease, and other workers take them.
 */
export async function runSeedWorker(opts: SeedWorkerOptions): Promise<SeedWorkerResult> {
  const { queue, executor } = opts;
  const consumer = opts.consumer ?? `${hostname()}:${process.pid}`;
  const leaseMs = opts.leaseMs ?? 30_000;
  const reporter = opts.reporter ?? SILENT_REPORTER;
  const retries = opts.retries ?? 5;
  const window = new FailureWindow(opts.failureWindow ?? 20, opts.maxFailureRate ?? 0.5);
  const result: SeedWorkerResult = { unitsDone: 0, unitsFailed: 0, tilesCreated: 0, stopped: null };
  const stop = (why: NonNullable<SeedWorkerResult['stopped']>, reason: string) => {
    if (result.stopped) return;
    result.stopped = why;
    result.stopReason = reason;
  };
  const onAbort = () => stop('interrupted', 'interrupted');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();

  const inFlight = new Map<string, Promise<void>>();
  const heartbeat = () =>
    queue.heartbeat({ consumer, unitsDone: result.unitsDone, tilesCreated: result.tilesCreated, inFlight: inFlight.size }, Math.max(leaseMs, 10_000)).catch(() => {});
  const keeper = setInterval(() => {
    void queue.keep(consumer, [...inFlight.keys()]).catch(() => {});
    void heartbeat();
  }, Math.max(50, Math.floor(leaseMs / 3)));
  void heartbeat();

  let warnedRedis = false;
  const redisTrouble = (err: unknown) => {
    if (warnedRedis) return;
    warnedRedis = true;
    reporter.warn(`seed queue: Redis does not answer (${(err as Error).message ?? String(err)}); retrying`);
  };

  const work = async (entry: TakenEntry, run: RunState, item: QueuedItem): Promise<void> => {
    const unit = run.units[item.unit];
    const where = `level ${item.level} tiles ${item.tiles[0]?.join(',')}… of ${unit?.label ?? `unit ${item.unit}`}`;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 && result.stopped) return;
      let created: number;
      try {
        created = await executor.run({ unit: item.unit, tiles: item.tiles });
      } catch (err) {
        const message = (err as Error).message ?? String(err);
        if (err instanceof CacheWriteError) {
          // this host cannot store: stop here and leave the unit to a worker that can (after the lease)
          stop('storage', `tiles of ${unit?.label} cannot be stored: ${message}`);
          return;
        }
        window.record(false);
        if (window.tripped) stop('failures', `${window.failures} of the last ${window.samples} upstream attempts failed`);
        if (result.stopped) return;
        if (attempt >= retries) {
          reporter.warn(`${where} failed ${attempt + 1} times, giving up: ${message}`);
          const tiles = item.tiles.map((t) => t.join(',')).join(';');
          const failure = { unit: item.unit, level: item.level, tiles, error: message, worker: consumer };
          // Redis unreachable: the unit stays pending and is tried again after the lease
          if (await queue.failed(entry.id, run.id, failure).catch((e: unknown) => void redisTrouble(e))) result.unitsFailed++;
          return;
        }
        const delay = backoffDelay(attempt, opts.retryDelayMs ?? 2000, opts.maxRetryDelayMs ?? 60_000);
        reporter.warn(`${where} failed: ${message}; retry ${attempt + 1} of ${retries} in ${(delay / 1000).toFixed(1)} s`);
        await abortableSleep(delay, opts.signal);
        continue;
      }
      window.record(true);
      try {
        if (await queue.done(entry.id, run.id, item.tiles.length, created)) {
          result.unitsDone++;
          result.tilesCreated += created;
        }
      } catch (err) {
        // not acknowledged: another worker takes the unit after the lease and finds its tiles cached
        redisTrouble(err);
      }
      return;
    }
  };

  let runId: string | null = null;
  let limit = executor.capacity;
  try {
    while (!result.stopped) {
      let run: RunState | null;
      try {
        run = await queue.run();
        warnedRedis = false;
      } catch (err) {
        redisTrouble(err);
        await abortableSleep(1000, opts.signal);
        continue;
      }
      if (!run) {
        await abortableSleep(opts.blockMs ?? 1000, opts.signal);
        continue;
      }
      if (run.id !== runId) {
        await Promise.all(inFlight.values());
        await executor.prepare(run.units);
        runId = run.id;
        const limits = run.units.map((u) => u.upstreamLimit ?? Infinity);
        limit = Math.max(1, Math.min(executor.capacity, ...limits));
        reporter.message(`seed worker ${consumer}: run ${run.id}, ${run.units.length} task unit(s), ${limit} unit(s) at once`);
      }
      if (runFinished(run) && inFlight.size === 0) break;
      if (inFlight.size >= limit) {
        await Promise.race(inFlight.values());
        continue;
      }
      let taken: TakenEntry[];
      try {
        taken = await queue.take(consumer, limit - inFlight.size, leaseMs, opts.blockMs ?? 1000);
      } catch (err) {
        redisTrouble(err);
        await abortableSleep(1000, opts.signal);
        continue;
      }
      for (const entry of taken) {
        const item = entry.item;
        if (!item || item.run !== run.id || !run.units[item.unit]) {
          await queue.drop(entry.id).catch(() => {});
          continue;
        }
        const p = work(entry, run, item).finally(() => inFlight.delete(entry.id));
        inFlight.set(entry.id, p);
      }
    }
    await Promise.all(inFlight.values());
  } finally {
    clearInterval(keeper);
    await heartbeat();
    opts.signal?.removeEventListener('abort', onAbort);
  }
  return result;
}
