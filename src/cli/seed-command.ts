import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../core/config/errors.js';
import { loadConfig } from '../core/config/load-config.js';
import { loadSeedConfig } from '../core/config/seed-config.js';
import { runCleanup } from '../core/seed/cleanup.js';
import { ConsoleReporter } from '../core/seed/console-reporter.js';
import { ProcessPoolExecutor } from './seed/process-pool.js';
import { LocalAndPoolExecutor } from './seed/local-and-pool.js';
import { seedProcesses } from './seed/seed-processes.js';
import { useSeedFlags } from './seed/seed-flags.js';
import { InProcessExecutor } from '../core/seed/executor.js';
import { ProgressStore } from '../core/seed/progress-store.js';
import { runSeed } from '../core/seed/seeder.js';
import { buildSeedRuntime, type SeedRuntime } from '../core/seed/seed-runtime.js';
import { formatCleanupTask, formatSeedTask } from '../core/seed/summary.js';
import { planCleanupTasks, planSeedTasks, type CleanupTask, type SeedTask } from '../core/seed/tasks.js';

export const DEFAULT_PROGRESS_FILE = '.mapproxy-ts-seed-progress.json';

export interface SeedCommandOptions {
  proxyConf: string;
  seedConf: string;
  concurrency?: number;
  dryRun?: boolean;
  skipGeomsForLastLevels?: number;
  skipUncached?: boolean;
  summary?: boolean;
  /** Names from `--seed` (comma lists allowed, ALL for all). */
  seed?: string[];
  cleanup?: string[];
  continue?: boolean;
  progressFile?: string;
  quiet?: number;
  retries?: number;
  retryDelay?: number;
  maxRetryDelay?: number;
  maxFailureRate?: number;
  failureWindow?: number;
  /** Seconds between progress lines without a terminal. */
  logInterval?: number;
  /** `--queue redis://…`: seed through a queue in Redis (with `worker`: take its units). */
  queue?: string;
  queueName?: string;
  worker?: boolean;
  lease?: number;
  /** Picks the tasks to run after planning (mapproxy-seed --interactive asks for each). */
  chooseTasks?: (seeds: SeedTask[], cleanups: CleanupTask[]) => Promise<{ seeds: SeedTask[]; cleanups: CleanupTask[] }>;
}

export interface SeedIO {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream;
  /** Aborting stops the run gracefully (Ctrl-C). */
  signal?: AbortSignal;
  env?: Record<string, string | undefined>;
}

/**
 * Exit codes: 0 done, 1 some tiles failed, 2 configuration error, 3 stopped because the upstream kept failing,
 * 4 stopped because tiles cannot be stored (full or read-only disk), 130 interrupted.
 */
export const EXIT = { ok: 0, failedTiles: 1, config: 2, upstreamStop: 3, storageStop: 4, interrupted: 130 } as const;

function splitNames(values: string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  return values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
}

/** Which seed and cleanup tasks to run, as mapproxy-seed decides from --seed/--cleanup. undefined: all. */
export function selectTasks(seed?: string[], cleanup?: string[]): { seeds: string[] | undefined; cleanups: string[] | undefined } {
  const s = splitNames(seed);
  const c = splitNames(cleanup);
  const all = (names: string[]) => (names.length === 1 && names[0] === 'ALL' ? undefined : names);
  return {
    seeds: s ? all(s) : c ? [] : undefined,
    cleanups: c ? all(c) : s ? [] : undefined,
  };
}

/** The seed command without commander: returns the exit code. */
export async function runSeedCommand(opts: SeedCommandOptions, io: SeedIO): Promise<number> {
  const say = (text: string) => io.out.write(`${text}\n`);
  let runtime: SeedRuntime | null = null;
  let pool: LocalAndPoolExecutor | null = null;
  // The queue's commands build the whole runtime and a Redis client: loaded only with --queue/--worker, so a
  // plain seed (and each of its workers' parent) does not pay their start-up CPU, which the upstream shares.
  if (opts.worker) return (await import('./seed/queue-command.js')).runWorkerCommand(opts, io);
  try {
    const configFile = resolve(opts.proxyConf);
    const loaded = loadConfig(configFile, { env: io.env ?? process.env });
    for (const w of loaded.warnings) io.err.write(`warning: ${w}\n`);
    const seedConf = loadSeedConfig(opts.seedConf, loaded, { env: io.env ?? process.env });
    for (const w of seedConf.warnings) io.err.write(`warning: ${w}\n`);
    const selection = selectTasks(opts.seed, opts.cleanup);
    runtime = buildSeedRuntime(loaded);
    const now = Date.now() / 1000;
    let seedTasks = planSeedTasks(seedConf, loaded.config, runtime, selection.seeds, now);
    let cleanupTasks = planCleanupTasks(seedConf, loaded.config, runtime, selection.cleanups, now);

    if (opts.summary) {
      say('========== Seeding tasks ==========');
      for (const t of seedTasks) say(formatSeedTask(t));
      say('========== Cleanup tasks ==========');
      for (const t of cleanupTasks) say(formatCleanupTask(t));
      return EXIT.ok;
    }
    if (opts.chooseTasks) ({ seeds: seedTasks, cleanups: cleanupTasks } = await opts.chooseTasks(seedTasks, cleanupTasks));

    const quiet = opts.quiet ?? 0;
    const reporter = new ConsoleReporter({ out: io.out, err: io.err, quiet, intervalSeconds: opts.logInterval });
    const progressFile = resolve(opts.progressFile ?? DEFAULT_PROGRESS_FILE);
    const progress = opts.dryRun || opts.queue ? undefined : new ProgressStore(progressFile, { resume: opts.continue ?? false });
    if (progress?.warning) io.err.write(`warning: ${progress.warning}\n`);
    let exit: number = EXIT.ok;

    if (seedTasks.length && opts.queue && !opts.dryRun) {
      exit = await (await import('./seed/queue-command.js')).seedThroughQueue(seedTasks, opts, io, reporter);
    } else if (seedTasks.length) {
      say('========== Seeding tasks ==========');
      say(`Start seeding process (${seedTasks.length} task${seedTasks.length > 1 ? 's' : ''})${opts.dryRun ? ' (dry run)' : ''}`);
      const needWorkers = !opts.dryRun && seedTasks.some((t) => t.coverage !== false);
      if (needWorkers) useSeedFlags();
      // this process seeds too, beside the worker processes, which join once started (this one seeds meanwhile)
      const plan = seedProcesses(opts.concurrency ?? availableParallelism());
      if (needWorkers) {
        const children = plan.workers > 0 ? ProcessPoolExecutor.start(configFile, plan.workers, plan.workerCapacity) : null;
        pool = new LocalAndPoolExecutor(new InProcessExecutor(runtime, plan.localCapacity), children, {
          poolCapacity: plan.workerCapacity,
          onPoolError: (err) => io.err.write(`warning: ${err.message}; seeding in this process only\n`),
        });
      }
      const result = await runSeed(seedTasks, {
        executor: pool ?? undefined,
        dryRun: opts.dryRun,
        skipUncached: opts.skipUncached,
        skipGeomsForLastLevels: opts.skipGeomsForLastLevels,
        progress,
        reporter,
        retries: opts.retries,
        retryDelayMs: opts.retryDelay !== undefined ? opts.retryDelay * 1000 : undefined,
        maxRetryDelayMs: opts.maxRetryDelay !== undefined ? opts.maxRetryDelay * 1000 : undefined,
        failureWindow: opts.failureWindow,
        maxFailureRate: opts.maxFailureRate,
        signal: io.signal,
      });
      if (opts.dryRun) {
        for (const [task, levels] of result.counts) {
          say(`${task}:`);
          for (const [level, c] of [...levels].sort((a, b) => a[0] - b[0])) {
            say(`  level ${String(level).padStart(2)}: ${c.items} meta tiles, ${c.tiles} tiles, ${c.missing} to create`);
          }
        }
      }
      if (result.stopped === 'failures') {
        io.err.write(`\nSeeding stopped: ${result.stopReason}.\n`);
        io.err.write('The upstream seems to be failing. Last errors:\n');
        for (const e of result.recentErrors) io.err.write(`  - ${e}\n`);
        exit = EXIT.upstreamStop;
      } else if (result.stopped === 'storage') {
        io.err.write(`\nSeeding stopped: ${result.stopReason}.\nFree space on (or make writable) the cache's disk and run again with --continue.\n`);
        exit = EXIT.storageStop;
      } else if (result.stopped === 'interrupted') {
        exit = EXIT.interrupted;
      } else if (result.failed.length) {
        io.err.write(`\n${result.failed.length} meta tile(s) failed after all retries:\n`);
        for (const f of result.failed.slice(0, 10)) io.err.write(`  - ${f.task} level ${f.level} (${f.tiles.length} tiles): ${f.error}\n`);
        exit = EXIT.failedTiles;
      }
      if (pool) {
        await pool.close();
        pool = null;
      }
    }

    if (cleanupTasks.length && exit === EXIT.ok) {
      say('========== Cleanup tasks ==========');
      say(`Start cleanup process (${cleanupTasks.length} task${cleanupTasks.length > 1 ? 's' : ''})${opts.dryRun ? ' (dry run)' : ''}`);
      const result = await runCleanup(cleanupTasks, {
        dryRun: opts.dryRun,
        skipGeomsForLastLevels: opts.skipGeomsForLastLevels,
        progress,
        reporter,
        signal: io.signal,
        onRemove: opts.dryRun && quiet < 2 ? (f) => say(`removing ${f}`) : undefined,
      });
      if (result.stopped) exit = EXIT.interrupted;
    }

    if (progress) {
      if (exit === EXIT.ok) progress.remove();
      else io.err.write(`Progress saved in ${progressFile}; run again with --continue to resume.\n`);
    }
    return exit;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err.write(`ERROR: ${err.message}\n`);
      return EXIT.config;
    }
    throw err;
  } finally {
    if (pool) await pool.close();
    if (runtime) await runtime.close();
  }
}

const intArg = (min: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
  return n;
};
const numArg = (min: number, max = Infinity) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`expected a number between ${min} and ${max}`);
  return n;
};
const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** `seed -f mapproxy.yaml -s seed.yaml`: mapproxy-seed's options, plus upstream protection. */
export function seedCommand(program: Command): void {
  program
    .command('seed')
    .description('fill and clean caches ahead of time from a seed.yaml (mapproxy-seed)')
    .argument('[seed_conf]', 'seed configuration (or -s)')
    .requiredOption('-f, --proxy-conf <file>', 'MapProxy configuration (mapproxy.yaml)')
    .option('-s, --seed-conf <file>', 'seed configuration (seed.yaml)')
    .option('-c, --concurrency <n>', 'seed workers: meta tiles in hand are twice this, two workers per process (default: all cores)', intArg(1))
    .option('-n, --dry-run', 'walk and count the tiles, create or remove nothing')
    .option('-l, --skip-geoms-for-last-levels <n>', 'do not test tiles against the coverage on the last N levels', intArg(0), 0)
    .option('--skip-uncached', 'only refresh tiles already in the cache (with refresh_before)')
    .option('--summary', 'print the seed and cleanup tasks and exit')
    .option('--seed <names>', 'run only these seed tasks (comma separated, ALL for all); disables cleanups unless --cleanup', collect)
    .option('--cleanup <names>', 'run only these cleanup tasks (comma separated, ALL for all); disables seeds unless --seed', collect)
    .option('--continue', 'resume an interrupted run from the progress file')
    .option('--progress-file <file>', `where progress is recorded (default ${DEFAULT_PROGRESS_FILE})`)
    .option('-q, --quiet', 'less output; twice: no progress output', (_v: string, prev: number) => prev + 1, 0)
    .option('--retries <n>', 'retries of a failing meta tile (default 5)', intArg(0))
    .option('--retry-delay <seconds>', 'first back-off delay, doubled per retry (default 2)', numArg(0))
    .option('--max-retry-delay <seconds>', 'longest back-off delay (default 60)', numArg(0))
    .option('--max-failure-rate <ratio>', 'stop when this share of recent upstream attempts failed (default 0.5)', numArg(0, 1))
    .option('--failure-window <n>', 'how many recent attempts --max-failure-rate looks at (default 20)', intArg(1))
    .option('--log-interval <seconds>', 'seconds between progress lines without a terminal (default 10)', numArg(0))
    .option('--queue <url>', 'seed through a queue in Redis (redis://…): this command queues the units, workers take them')
    .option('--worker', 'take units of the --queue on this host until its run is finished (no seed_conf needed)')
    .option('--queue-name <name>', 'the queue\'s key prefix in Redis (default mapproxy-ts:seed)')
    .option('--lease <seconds>', 'a worker\'s unit idle this long is taken over by another worker (default 30)', numArg(1))
    .action(async (seedArg: string | undefined, opts: Omit<SeedCommandOptions, 'seedConf'> & { seedConf?: string }) => {
      const seedConf = opts.seedConf ?? seedArg;
      if (!seedConf && !opts.worker) {
        process.stderr.write('error: missing seed configuration (-s seed.yaml or as argument)\n');
        process.exitCode = EXIT.config;
        return;
      }
      const abort = new AbortController();
      let interrupts = 0;
      const onSigint = () => {
        interrupts++;
        if (interrupts === 1) {
          process.stderr.write('\nstopping: waiting for running work to finish (Ctrl-C again to quit at once)\n');
          abort.abort();
        } else process.exit(EXIT.interrupted);
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      try {
        process.exitCode = await runSeedCommand({ ...opts, seedConf: seedConf ?? '' }, { out: process.stdout, err: process.stderr, signal: abort.signal });
      } finally {
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
      }
    });
}
