import cluster from 'node:cluster';
import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { Master } from '../master/master.js';
import { readWorkerEnv } from '../master/messages.js';
import { pino } from 'pino';
import { DEFAULT_LOG_SETTINGS } from '../worker/log/log-settings.js';
import { processLoggers } from '../worker/log/process-logger.js';
import { resolveSettingsApart } from '../master/settings-process.js';
import { DEFAULT_BIND } from './bind-address.js';
import type { DaemonSettings, ServeCliOptions, ServeMode } from './daemon-settings.js';

interface ThrongOptions {
  master?: () => Promise<void> | void;
  worker: (id: number, disconnect: () => void) => Promise<void> | void;
  count?: number;
  lifetime?: number;
  grace?: number;
  signals?: string[];
}
// throng is CommonJS without types.
const throng = createRequire(import.meta.url)('throng') as (opts: ThrongOptions) => Promise<void>;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function addDaemonOptions(cmd: Command): Command {
  return cmd
    .option('-b, --bind <address>', `listener: host:port, :port, port or a unix socket path; repeatable (default ${DEFAULT_BIND}, or server.bind)`, collect)
    .option('-w, --workers <n>', 'worker processes (default: available cores, or server.workers); 0 = one process without master')
    .option('--single', 'same as --workers 0: one process, for debugging')
    .option('--fastcgi <address>', 'also serve FastCGI on host:port or a unix socket path, in every worker')
    .option('--socket-mode <mode>', 'permissions of unix socket files, octal (e.g. 660)')
    .option('--metrics-path <path>', 'URL path of the Prometheus metrics (default /metrics)')
    .option('--metrics-bind <address>', 'serve metrics from the master on this separate address instead of the main listeners')
    .option('--no-metrics', 'no metrics endpoint')
    .option('--shutdown-timeout <seconds>', 'how long stopping workers may finish requests in flight (default 30)')
    .option('--log-level <level>', 'fatal, error, warn, info (default), debug (adds upstream requests), trace or silent; or server.log.level')
    .option('--log-format <format>', 'json (one object a line), pretty, or auto (default: pretty on a terminal); or server.log.format')
    .option('--access-log', 'one log line per answered request (client, request, status, bytes, time, cache); or server.log.access')
    .option('--no-access-log', 'no access log, whatever server.log.access says')
    .option('--upstream-log', "one log line per upstream request, as MapProxy's mapproxy.source.request; or server.log.upstream")
    .option('--no-upstream-log', 'no upstream request lines below level debug, whatever server.log.upstream says');
}

/** `serve <mapproxy.yaml>` and `serve-multiapp <dir>`: the pre-forking daemon. */
export function serveCommand(program: Command): void {
  addDaemonOptions(
    program
      .command('serve')
      .argument('<config>', 'mapproxy.yaml')
      .description('serve a MapProxy configuration with one worker per core (SIGHUP reloads, SIGTERM drains)')
      .option('--reload', 'rebuild the configuration in each worker when its files change'),
  ).action((config: string, opts: ServeCliOptions) => runDaemon('app', config, opts));

  addDaemonOptions(
    program
      .command('serve-multiapp')
      .argument('<dir>', 'directory of MapProxy configurations, one per URL prefix')
      .description('serve every <name>.yaml of a directory under /<name>/ (MultiMapProxy)')
      .option('--allow-listing', 'list the configurations at /'),
  ).action((dir: string, opts: ServeCliOptions) => runDaemon('multiapp', dir, opts));
}

/**
 * Entry of the master (and of the single process of `--workers 0`). The master's workers start from their own
 * entry (src/worker/cluster-entry) with the settings it resolved in the environment, so neither process loads
 * more than it runs: the master no core beyond the configuration reader, a worker no other command.
 */
export async function runDaemon(mode: ServeMode, target: string, cli: ServeCliOptions): Promise<void> {
  // The master forks src/worker/cluster-entry (see Master.start); a worker started on this command line still works.
  if (cluster.isWorker) {
    const { settings, slot } = readWorkerEnv<DaemonSettings>();
    const { runWorker } = await import('../worker/worker.js');
    await runWorker(settings, slot);
    return;
  }

  let settings: DaemonSettings;
  try {
    // Read and validated in a process of its own, so that the master never loads the configuration reader.
    settings = await resolveSettingsApart(mode, target, cli);
  } catch (err) {
    // No settings, so no log settings either: the error goes to standard error, readable on a terminal.
    const stderr = pino.destination({ dest: 2, sync: true });
    const format = process.stderr.isTTY ? 'pretty' : 'json';
    processLoggers({ ...DEFAULT_LOG_SETTINGS, format }, undefined, stderr).log.error(`mapproxy-ts: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  // The master's lines (a single process logs through its worker's loggers, built alike).
  const { log } = processLoggers(settings.log, undefined);
  for (const w of settings.warnings) log.warn(w);

  if (settings.workers === 0) {
    const { runWorker } = await import('../worker/worker.js');
    await runWorker(settings, 0);
    return;
  }

  const master = new Master({ settings, reloadSettings: () => resolveSettingsApart(mode, target, cli), log });
  try {
    // throng is the entry; the Master does the forking, so throng's own fork/revive is off (count 0, lifetime 0):
    // it has no back-off and would revive workers retired by a reload. Its signal forwarding stays as a backstop.
    await throng({
      master: () => master.start(),
      worker: () => {
        throw new Error('unreachable: workers start through WORKER_ENV');
      },
      count: 0,
      lifetime: 0,
      grace: settings.shutdownTimeoutMs + 5_000,
      signals: ['SIGTERM', 'SIGINT'],
    });
  } catch (err) {
    log.error(`mapproxy-ts: cannot start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
