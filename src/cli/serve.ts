import cluster from 'node:cluster';
import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { Master } from '../master/master.js';
import { WORKER_ENV } from '../master/messages.js';
import { runWorker } from '../worker/worker.js';
import { DEFAULT_BIND, resolveSettings, type DaemonSettings, type ServeCliOptions, type ServeMode } from './daemon-settings.js';

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
    .option('--shutdown-timeout <seconds>', 'how long stopping workers may finish requests in flight (default 30)');
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
 * Entry of master and workers alike: cluster workers run this same command line again, and throng sends
 * them to the worker function with the settings the master resolved (passed in the environment).
 */
export async function runDaemon(mode: ServeMode, target: string, cli: ServeCliOptions): Promise<void> {
  if (cluster.isWorker) {
    const { settings, slot } = JSON.parse(process.env[WORKER_ENV] ?? 'null') as { settings: DaemonSettings; slot: number };
    await throng({ worker: () => runWorker(settings, slot), count: 0, lifetime: 0 });
    return;
  }

  let settings: DaemonSettings;
  try {
    settings = resolveSettings(mode, target, cli);
  } catch (err) {
    console.error(`mapproxy-ts: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  for (const w of settings.warnings) console.warn(w);

  if (settings.workers === 0) {
    await runWorker(settings, 0);
    return;
  }

  const master = new Master({ settings, reloadSettings: () => resolveSettings(mode, target, cli) });
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
    console.error(`mapproxy-ts: cannot start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
