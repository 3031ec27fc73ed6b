// `seed --queue redis://…` (split the seed tasks into units in Redis and watch the cluster) and
// `seed --worker --queue redis://…` (take units on this host): the CLI side of src/core/seed/queue/.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { buildRuntime, type Runtime } from '../../core/runtime/runtime.js';
import { ConfigError } from '../../core/config/errors.js';
import { loadConfig } from '../../core/config/load-config.js';
import { InProcessExecutor, type SeedExecutor } from '../../core/seed/executor.js';
import { ConsoleReporter } from '../../core/seed/console-reporter.js';
import type { SeedReporter } from '../../core/seed/reporter.js';
import { runQueuedSeed } from '../../core/seed/queue/queue-coordinator.js';
import { runSeedWorker } from '../../core/seed/queue/queue-worker.js';
import { RedisSeedQueue } from '../../core/seed/queue/seed-queue.js';
import type { SeedTask } from '../../core/seed/tasks.js';
import { redactedRedisUrl } from '../../core/redis/redis-client.js';
import { ProcessPoolExecutor } from './process-pool.js';

export const DEFAULT_QUEUE_NAME = 'mapproxy-ts:seed';

export interface QueueOptions {
  queue?: string;
  queueName?: string;
  /** Seconds a unit may stay idle before it counts as a crashed worker's (default 30). */
  lease?: number;
  continue?: boolean;
  skipUncached?: boolean;
  skipGeomsForLastLevels?: number;
}

interface IO {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  signal?: AbortSignal;
  env?: Record<string, string | undefined>;
}

function queueUrl(url: string | undefined): string {
  if (!url || !/^rediss?:\/\//.test(url)) throw new Error(`--queue expects a redis:// or rediss:// URL, got '${url ?? ''}'`);
  return url;
}

/** Queues the seed tasks and shows the cluster's progress until every unit is done or failed; returns the exit code. */
export async function seedThroughQueue(tasks: readonly SeedTask[], opts: QueueOptions, io: IO, reporter: SeedReporter): Promise<number> {
  const url = queueUrl(opts.queue);
  const name = opts.queueName ?? DEFAULT_QUEUE_NAME;
  const queue = await RedisSeedQueue.open(url, name);
  try {
    io.out.write(`Queueing ${tasks.length} task(s) in ${name} at ${redactedRedisUrl(url)}; start 'seed --worker --queue …' on any host\n`);
    const result = await runQueuedSeed(tasks, {
      queue, resume: opts.continue, skipUncached: opts.skipUncached, skipGeomsForLastLevels: opts.skipGeomsForLastLevels, reporter, signal: io.signal,
    });
    if (result.stopped === 'interrupted') {
      io.err.write(`Stopped queueing run ${result.runId}: the workers go on with what is queued; run again with --continue to queue the rest.\n`);
      return 130;
    }
    if (result.unitsFailed) {
      io.err.write(`\n${result.unitsFailed} unit(s) failed after all retries (recorded in ${name}:failed; --continue queues them again):\n`);
      for (const f of result.failed) io.err.write(`  - ${result.runId.slice(0, 8)} unit ${f.unit} level ${f.level} (${f.tiles}) on ${f.worker}: ${f.error}\n`);
      return 1;
    }
    return 0;
  } finally {
    await queue.close();
  }
}

export interface WorkerCommandOptions extends QueueOptions {
  proxyConf: string;
  concurrency?: number;
  quiet?: number;
  retries?: number;
  retryDelay?: number;
  maxRetryDelay?: number;
  maxFailureRate?: number;
  failureWindow?: number;
}

/**
 * A worker: builds the runtime from this host's mapproxy.yaml (the same caches and grids as the coordinator's) and
 * takes units until the run is finished. `-c 1` seeds in this process; more run that many seed processes.
 */
export async function runWorkerCommand(opts: WorkerCommandOptions, io: IO): Promise<number> {
  const url = queueUrl(opts.queue);
  const name = opts.queueName ?? DEFAULT_QUEUE_NAME;
  const configFile = resolve(opts.proxyConf);
  // set by work(), closed here
  const held: { runtime?: Runtime; executor?: SeedExecutor } = {};
  const queue = await RedisSeedQueue.open(url, name);
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err.write(`ERROR: ${err.message}\n`);
    return 2;
  } finally {
    await held.executor?.close();
    await held.runtime?.close();
    await queue.close();
  }

  async function work(): Promise<number> {
    const concurrency = Math.max(1, opts.concurrency ?? availableParallelism());
    if (concurrency === 1) {
      const loaded = loadConfig(configFile, { env: io.env ?? process.env });
      for (const w of loaded.warnings) io.err.write(`warning: ${w}\n`);
      held.runtime = await buildRuntime(loaded, { seeding: true });
      held.executor = new InProcessExecutor(held.runtime, 2);
    } else held.executor = await ProcessPoolExecutor.start(configFile, concurrency);
    const executor = held.executor;
    const reporter = new ConsoleReporter({ out: io.out, err: io.err, quiet: opts.quiet ?? 0 });
    io.out.write(`seed worker: waiting for units of ${name} at ${redactedRedisUrl(url)}\n`);
    const result = await runSeedWorker({
      queue, executor, reporter, signal: io.signal,
      leaseMs: (opts.lease ?? 30) * 1000,
      retries: opts.retries,
      retryDelayMs: opts.retryDelay !== undefined ? opts.retryDelay * 1000 : undefined,
      maxRetryDelayMs: opts.maxRetryDelay !== undefined ? opts.maxRetryDelay * 1000 : undefined,
      failureWindow: opts.failureWindow,
      maxFailureRate: opts.maxFailureRate,
    });
    io.out.write(`seed worker: ${result.unitsDone} unit(s) done, ${result.tilesCreated} tile(s) created, ${result.unitsFailed} failed\n`);
    if (result.stopped === null) return 0;
    if (result.stopped === 'interrupted') return 130;
    io.err.write(`seed worker stopped: ${result.stopReason}; its units go to other workers after the lease\n`);
    return result.stopped === 'failures' ? 3 : 4;
  }
}
