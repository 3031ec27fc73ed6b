/**
 * `mapproxy-seed`: MapProxy's seeding command line (names, flags and defaults of 1.15), so cron jobs written for
 * MapProxy run unchanged. A thin entry: every flag maps onto `runSeedCommand`, the same code as `mapproxy-ts seed`.
 */
import { Command, InvalidArgumentError } from 'commander';
import { existsSync, closeSync, openSync, statSync, utimesSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { formatCleanupTask, formatSeedTask } from '../core/seed/summary.js';
import type { CleanupTask, SeedTask } from '../core/seed/tasks.js';
import { tryLockFile, closeFd } from '../core/tiles/flock.js';
import { parseDuration } from './duration.js';
import { EXIT, runSeedCommand, type SeedCommandOptions } from './seed-command.js';

/** MapProxy's lock file of --use-cache-lock, in the working directory. */
export const CACHE_LOCK_FILE = '.mapproxy_seed.lck';

interface MapProxySeedFlags {
  quiet: number;
  seedConf?: string;
  proxyConf?: string;
  concurrency: number;
  dryRun?: boolean;
  skipGeomsForLastLevels: number;
  skipUncached?: boolean;
  summary?: boolean;
  interactive?: boolean;
  seed?: string[];
  cleanup?: string[];
  useCacheLock?: boolean;
  continue?: boolean;
  progressFile?: string;
  duration?: number;
  reseedFile?: string;
  reseedInterval?: number;
  logConfig?: string;
}

const durationArg = (v: string): number => {
  try {
    return parseDuration(v);
  } catch {
    throw new InvalidArgumentError(`invalid duration value: '${v}', expected (10s, 15m, 0.5h, 3d, etc)`);
  }
};
const intArg = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected an integer');
  return n;
};
const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

async function askYesNo(rl: ReturnType<typeof createInterface>, question: string): Promise<boolean> {
  for (;;) {
    const answer = (await rl.question(question)).trim().toLowerCase();
    if (answer === 'y' || answer === 'yes') return true;
    if (answer === 'n' || answer === 'no') return false;
  }
}

/** --interactive: each task's summary, then MapProxy's question. */
async function chooseInteractively(seeds: SeedTask[], cleanups: CleanupTask[]): Promise<{ seeds: SeedTask[]; cleanups: CleanupTask[] }> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const chosenSeeds: SeedTask[] = [];
    process.stdout.write('========== Select seeding tasks ==========\n');
    for (const t of seeds) {
      process.stdout.write(`${formatSeedTask(t)}\n`);
      if (await askYesNo(rl, '    Seed this task (y/n)? ')) chosenSeeds.push(t);
    }
    const chosenCleanups: CleanupTask[] = [];
    process.stdout.write('========== Select cleanup tasks ==========\n');
    for (const t of cleanups) {
      process.stdout.write(`${formatCleanupTask(t)}\n`);
      if (await askYesNo(rl, '    Cleanup this task (y/n)? ')) chosenCleanups.push(t);
    }
    return { seeds: chosenSeeds, cleanups: chosenCleanups };
  } finally {
    rl.close();
  }
}

/** --use-cache-lock: one seeding run at a time per working directory (flock, waits like MapProxy's lock). */
async function holdCacheLock(path: string, signal: AbortSignal): Promise<number | null> {
  let said = false;
  while (!signal.aborted) {
    const r = await tryLockFile(path);
    if (typeof r === 'object') return r.fd;
    if (r === 'busy' && !said) {
      process.stdout.write(`waiting for another mapproxy-seed to release ${path}\n`);
      said = true;
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return null;
}

/**
 * --reseed-file / --reseed-interval, as MapProxy: the file is created when missing; when the last run finished
 * (no progress file) and the file is younger than the interval, there is nothing to do.
 */
export function reseedDue(opts: { reseedFile: string; reseedInterval?: number; progressFile?: string }, now = Date.now()): boolean {
  if (!existsSync(opts.reseedFile)) {
    closeSync(openSync(opts.reseedFile, 'w'));
    return true;
  }
  if (opts.progressFile !== undefined && !existsSync(opts.progressFile)) {
    if (opts.reseedInterval !== undefined && statSync(opts.reseedFile).mtimeMs > now - opts.reseedInterval * 1000) return false;
    utimesSync(opts.reseedFile, now / 1000, now / 1000);
  }
  return true;
}

export function mapproxySeedProgram(): Command {
  const program = new Command();
  program
    .name('mapproxy-seed')
    .usage('[options] seed_conf')
    .argument('[seed_conf]')
    .option('-q, --quiet', 'reduce number of messages to stdout, repeat to disable progress output', (_v: string, prev: number) => prev + 1, 0)
    .option('-s, --seed-conf <SEED_FILE>', 'seed configuration')
    .option('-f, --proxy-conf <CONF_FILE>', 'proxy configuration')
    .option('-c, --concurrency <CONCURRENCY>', 'number of parallel seed processes', intArg, 2)
    .option('-n, --dry-run', 'do not seed, just print output')
    .option('-l, --skip-geoms-for-last-levels <N>', 'do not check for intersections between tiles and seed geometries on the last N levels', intArg, 0)
    .option('--skip-uncached', 'only treat tiles which are already present in the cache. This can be used with the configuration entry `refresh_before` to refresh only the existing cache.')
    .option('--summary', 'print summary with all seeding tasks and exit. does not seed anything.')
    .option('-i, --interactive', 'print each task description and ask if it should be seeded')
    .option('--seed <task1,task2,...>', 'seed only the named tasks. cleanup is disabled unless --cleanup is used. use ALL to select all tasks', collect)
    .option('--cleanup <task1,task2,...>', 'cleanup only the named tasks. seeding is disabled unless --seed is used. use ALL to select all tasks', collect)
    .option('--use-cache-lock', 'use locking to prevent multiple mapproxy-seed calls to seed the same cache')
    .option('--continue', 'continue an aborted seed progress')
    .option('--progress-file <PROGRESS_FILE>', 'filename for storing the seed progress (for --continue option)')
    .option('--duration <DURATION>', 'stop seeding after (120s, 15m, 4h, 0.5d, etc)', durationArg)
    .option('--reseed-file <FILE>', 'start of last re-seed')
    .option('--reseed-interval <DURATION>', 'only start seeding if --reseed-file is older then --reseed-interval', durationArg)
    .option('--log-config <LOGGING_CONF>', 'logging configuration (MapProxy\'s Python logging ini: not read, see docs/commands.md)')
    .action(async (seedArg: string | undefined, flags: MapProxySeedFlags) => {
      process.exitCode = await runMapproxySeed(seedArg, flags);
    });
  return program;
}

async function runMapproxySeed(seedArg: string | undefined, flags: MapProxySeedFlags): Promise<number> {
  const seedConf = flags.seedConf ?? seedArg;
  if (!seedConf) {
    process.stderr.write('mapproxy-seed: error: missing seed_conf file as last argument or --seed-conf option\n');
    return 2;
  }
  if (!flags.proxyConf) {
    process.stderr.write('mapproxy-seed: error: missing mapproxy configuration -f/--proxy-conf\n');
    return 2;
  }
  if (flags.logConfig) process.stderr.write(`warning: --log-config ${flags.logConfig}: Python logging files are not read; progress goes to stdout, errors to stderr\n`);
  // MapProxy keeps progress only when asked (--continue or --progress-file) and names the file .mapproxy_seed_progress;
  // ours is JSON, so it keeps its own name and is always kept (removed after a complete run).
  const askedProgress = flags.continue || flags.progressFile !== undefined;
  if (flags.reseedFile && !reseedDue({ reseedFile: flags.reseedFile, reseedInterval: flags.reseedInterval, progressFile: askedProgress ? (flags.progressFile ?? '.mapproxy-ts-seed-progress.json') : undefined })) {
    process.stdout.write('no need for re-seeding\n');
    return 1;
  }

  const abort = new AbortController();
  let stoppedByDuration = false;
  const timer = flags.duration !== undefined ? setTimeout(() => {
    stoppedByDuration = true;
    abort.abort();
  }, flags.duration * 1000) : undefined;
  let interrupts = 0;
  const onSignal = () => {
    if (++interrupts === 1) {
      process.stderr.write('\nstopping: waiting for running work to finish (Ctrl-C again to quit at once)\n');
      abort.abort();
    } else process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let lockFd: number | null = null;
  try {
    if (flags.useCacheLock) {
      lockFd = await holdCacheLock(CACHE_LOCK_FILE, abort.signal);
      if (lockFd === null) return stoppedByDuration ? EXIT.ok : EXIT.interrupted;
    }
    const opts: SeedCommandOptions = {
      proxyConf: flags.proxyConf, seedConf,
      concurrency: flags.concurrency, dryRun: flags.dryRun, skipGeomsForLastLevels: flags.skipGeomsForLastLevels,
      skipUncached: flags.skipUncached, summary: flags.summary, seed: flags.seed, cleanup: flags.cleanup,
      continue: flags.continue, progressFile: flags.progressFile, quiet: flags.quiet,
      chooseTasks: flags.interactive ? chooseInteractively : undefined,
    };
    const code = await runSeedCommand(opts, { out: process.stdout, err: process.stderr, signal: abort.signal });
    // MapProxy ends a --duration run with 0: stopping in time is the plan, the progress file resumes it.
    return stoppedByDuration && code === EXIT.interrupted ? EXIT.ok : code;
  } finally {
    if (timer) clearTimeout(timer);
    if (lockFd !== null) await closeFd(lockFd);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
