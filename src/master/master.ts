import cluster, { type Worker } from 'node:cluster';
import { readFileSync, unlinkSync } from 'node:fs';
import http from 'node:http';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DaemonSettings } from '../cli/daemon-settings.js';
import { RestartBackoff } from './backoff.js';
import { isMessage, WORKER_ENV, type MasterToWorker, type WorkerToMaster } from './messages.js';
import type { ClusterMetrics } from './metrics-aggregator.js';
import { MasterCounts } from './master-counts.js';
import { prepareSocketPath, probeListeners } from './port-probe.js';
import { workerExecArgv } from './worker-flags.js';
import { kernelsInfo } from '../core/native/kernels.js';
import type { Logger } from '../core/log/logger.js';
import { availableCpus } from './available-cpus.js';
import { workerPoolSize } from './pool-size.js';
import { buildInfo } from '../worker/build-info.js';

export interface MasterOptions {
  settings: DaemonSettings;
  /** Re-reads and validates the configuration for SIGHUP; throws (ConfigError: file and key path) when invalid. */
  reloadSettings: () => Promise<DaemonSettings>;
  /** Default console. */
  log?: Logger;
}

type Role = 'initial' | 'replacement' | 'reload';

interface WorkerState {
  slot: number;
  role: Role;
  startedAt: number;
  ready: boolean;
  retiring: boolean;
  lastError?: string;
}

interface Slot {
  worker?: Worker;
  backoff: RestartBackoff;
  restartTimer?: NodeJS.Timeout;
}

/** The workers' program: the compiled .js, or the .ts source under tsx (tests, `npm run dev`). */
const WORKER_PROGRAM = fileURLToPath(new URL(`../worker/cluster-entry${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** How long a new worker may take to build its configuration and listen. */
const READY_TIMEOUT_MS = 60_000;

/**
 * The master of the daemon: forks one worker per slot, never serves a request itself. Replaces dead workers
 * (with back-off when they keep dying), replaces all workers one by one on SIGHUP once the new configuration
 * is valid, and on SIGTERM/SIGINT lets the workers drain and exits 0. It keeps its own work small and catches
 * everything: if the master died, every worker would go with it.
 */
export class Master {
  private settings: DaemonSettings;
  private readonly slots: Slot[] = [];
  private readonly states = new Map<Worker, WorkerState>();
  private readonly counts = new MasterCounts();
  private clusterMetrics?: Promise<ClusterMetrics>;
  private readonly log: Logger;
  private metricsServer?: http.Server;
  private stopping = false;
  private reloading = false;
  private reloadQueued = false;
  private exitCode = 0;
  /** The uWebSockets.js build the workers chose, for the start-up line. */
  private uws?: string;

  constructor(private readonly opts: MasterOptions) {
    this.settings = opts.settings;
    this.log = opts.log ?? console;
  }

  /** Probe the listeners, fork the workers and resolve when all listen; rejects (after cleaning up) otherwise. */
  async start(): Promise<void> {
    process.on('uncaughtException', (err) => this.log.error('master: unexpected error (continuing)', err));
    process.on('unhandledRejection', (err) => this.log.error('master: unexpected rejection (continuing)', err));
    cluster.setupPrimary({ exec: WORKER_PROGRAM, args: [], execArgv: workerExecArgv(process.execArgv) });
    cluster.on('message', (worker, msg) => this.onMessage(worker, msg));
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
    process.on('SIGHUP', () => void this.reload());
    process.on('SIGTERM', () => this.shutdown('SIGTERM'));
    process.on('SIGINT', () => this.shutdown('SIGINT'));

    const s = this.settings;
    // The FastCGI socket too: workers share the one the master's cluster opens and must not replace it.
    await probeListeners(s.fastcgi ? [...s.binds, s.fastcgi] : s.binds);
    if (s.binds.some((b) => 'port' in b)) warnWithoutRequestMigration(this.log);
    if (s.metrics?.bind) await this.startMetricsServer(s.metrics.path, s.metrics.bind);

    const workers = Array.from({ length: s.workers }, (_, i) => this.fork(i, s, 'initial'));
    try {
      await Promise.all(workers.map((w) => this.waitReady(w)));
    } catch (err) {
      this.log.error(`master: a worker could not start: ${describe(err)}`);
      this.stopping = true;
      this.exitCode = 1;
      for (const w of workers) w.process.kill('SIGKILL');
      this.metricsServer?.close();
      throw err;
    }
    workers.forEach((w, i) => (this.slot(i).worker = w));
    const where = s.binds.map((b) => ('socketPath' in b ? b.socketPath : `http://${b.host}:${b.port}/`)).join(', ');
    const kernels = kernelsInfo();
    this.log.info(
      `master (pid ${process.pid}): serving ${s.target} on ${where} with ${s.workers} workers (pixel kernels: ${kernels.implementation}, ${kernels.simd})`,
      { ...buildInfo(this.uws ?? 'none'), workers: s.workers, cpus: availableCpus() },
    );
  }

  private slot(i: number): Slot {
    while (this.slots.length <= i) this.slots.push({ backoff: new RestartBackoff() });
    return this.slots[i];
  }

  private fork(slot: number, settings: DaemonSettings, role: Role): Worker {
    const worker = cluster.fork({
      [WORKER_ENV]: JSON.stringify({ settings, slot }),
      // glibc gives every thread that allocates (libvips, libuv's pool) arenas of its own, which keep RSS high long
      // after an image is freed; two arenas bound that, as sharp's documentation advises (one measured no smaller).
      // No fixed MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_: returning every big buffer at once measured 3x slower
      // maps; the worker trims its arenas when the work that filled them has stopped (core/native/memory.ts).
      MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
      // Big pixel work runs on libuv's pool so the event loop keeps answering cached tiles: the worker's share of
      // the cores (pool-size.ts), not libuv's fixed 4.
      UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? String(workerPoolSize(availableCpus(), settings.workers)),
    });
    this.states.set(worker, { slot, role, startedAt: Date.now(), ready: false, retiring: false });
    worker.on('error', (err) => this.log.warn(`worker ${slot}: IPC error: ${err.message}`));
    return worker;
  }

  private waitReady(worker: Worker, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
      };
      const onMessage = (msg: unknown) => {
        if (!isMessage<WorkerToMaster>(msg)) return;
        if (msg.type === 'mapproxy:ready') {
          cleanup();
          resolve();
        } else if (msg.type === 'mapproxy:failed') {
          cleanup();
          reject(new Error(msg.error));
        }
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        const last = this.states.get(worker)?.lastError;
        reject(new Error(last ?? `worker exited before listening (${exitReason(code, signal)})`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`worker did not listen within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      worker.on('message', onMessage);
      worker.on('exit', onExit);
    });
  }

  private onMessage(worker: Worker, msg: unknown): void {
    try {
      if (!isMessage<WorkerToMaster>(msg)) return;
      const state = this.states.get(worker);
      switch (msg.type) {
        case 'mapproxy:ready':
          if (msg.uws) this.uws = msg.uws;
          if (state) {
            state.ready = true;
            this.log.info(`worker ${state.slot} (pid ${worker.process.pid}) ready`);
          }
          this.updateGauge();
          break;
        case 'mapproxy:failed':
          if (state) state.lastError = msg.error;
          break;
        case 'mapproxy:metrics-json':
          // Workers send these only when asked by a scrape, so the metrics are loaded by then.
          void this.clusterMetrics?.then((m) => m.onWorkerMessage(msg));
          break;
        case 'mapproxy:metrics-request':
          this.metrics()
            .then(async (m) => ({ text: await m.text(this.servingWorkers()), contentType: m.contentType }))
            .then(
              ({ text, contentType }) => ({ type: 'mapproxy:metrics-text', id: msg.id, text, contentType }) as const,
              (err: unknown) => ({ type: 'mapproxy:metrics-text', id: msg.id, text: '', contentType: '', error: describe(err) }) as const,
            )
            .then((answer: MasterToWorker) => {
              if (worker.isConnected()) worker.send(answer, undefined, () => {});
            })
            .catch((err: unknown) => this.log.warn(`master: cannot answer a metrics request: ${describe(err)}`));
          break;
      }
    } catch (err) {
      this.log.error('master: error handling a worker message', err);
    }
  }

  /** The cluster's metrics, made on the first scrape (see MasterCounts). */
  private metrics(): Promise<ClusterMetrics> {
    this.clusterMetrics ??= import('./metrics-aggregator.js').then((m) => new m.ClusterMetrics(this.counts));
    return this.clusterMetrics;
  }

  private servingWorkers(): Worker[] {
    return [...this.states].filter(([, s]) => s.ready).map(([w]) => w);
  }

  private updateGauge(): void {
    this.counts.workers = [...this.states.values()].filter((s) => s.ready && !s.retiring).length;
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    const state = this.states.get(worker);
    this.states.delete(worker);
    this.updateGauge();
    if (!state) return;
    const slot = this.slot(state.slot);
    if (slot.worker === worker) slot.worker = undefined;
    const name = `worker ${state.slot} (pid ${worker.process.pid})`;

    if (this.stopping) {
      if (this.states.size === 0) this.exit(this.exitCode);
      return;
    }
    if (state.retiring) return;
    // A worker of the first start or of a reload that dies before listening is handled by whoever waits for it.
    if (!state.ready && state.role !== 'replacement') return;

    const uptime = Date.now() - state.startedAt;
    const delay = slot.backoff.next(uptime);
    const why = exitReason(code, signal) + (state.lastError ? `: ${state.lastError}` : '');
    this.counts.restarts[signal ? 'signal' : 'exit']++;
    this.log.error(
      `${name} died (${why}) after ${(uptime / 1000).toFixed(1)} s; ` +
        (delay > 0 ? `restarting in ${delay} ms (${slot.backoff.consecutiveFailures} quick deaths in a row)` : 'restarting'),
    );
    clearTimeout(slot.restartTimer);
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (this.stopping || slot.worker) return;
      slot.worker = this.fork(state.slot, this.settings, 'replacement');
    }, delay);
  }

  /** SIGHUP: validate, then replace the workers one by one; a new worker listens before an old one stops. */
  async reload(): Promise<void> {
    if (this.stopping) return;
    if (this.reloading) {
      this.reloadQueued = true;
      return;
    }
    this.reloading = true;
    try {
      await this.rollingReload();
    } catch (err) {
      this.counts.reloads.failure++;
      this.log.error(`master: reload failed: ${describe(err)}`);
    } finally {
      this.reloading = false;
      if (this.reloadQueued && !this.stopping) {
        this.reloadQueued = false;
        void this.reload();
      }
    }
  }

  private async rollingReload(): Promise<void> {
    let next: DaemonSettings;
    try {
      next = await this.opts.reloadSettings();
    } catch (err) {
      this.counts.reloads.failure++;
      this.log.error(`master: configuration not reloaded, the running workers keep the old one: ${describe(err)}`);
      return;
    }
    for (const w of next.warnings) this.log.warn(w);
    // Listeners stay what was probed at start; moving them needs a restart.
    next = { ...next, binds: this.settings.binds, metrics: this.settings.metrics, workers: Math.max(1, next.workers) };
    this.log.info(`master: reloading ${next.target}: replacing the workers one by one`);

    const count = next.workers;
    const total = Math.max(count, this.slots.length);
    for (let i = 0; i < total; i++) {
      if (this.stopping) return;
      const slot = this.slot(i);
      const old = slot.worker;
      if (i < count) {
        const fresh = this.fork(i, next, 'reload');
        try {
          await this.waitReady(fresh);
        } catch (err) {
          const state = this.states.get(fresh);
          if (state) state.retiring = true;
          if (!fresh.isDead()) fresh.process.kill('SIGKILL');
          this.counts.reloads.failure++;
          this.log.error(`master: new worker ${i} could not start (${describe(err)}); the running workers keep serving`);
          return;
        }
        this.settings = next; // validated by a worker that actually built it
        slot.worker = fresh;
      } else {
        slot.worker = undefined;
      }
      if (old) await this.retire(old);
    }
    this.slots.length = count;
    this.counts.reloads.success++;
    this.log.info(`master: reload done, ${count} workers on the new configuration`);
  }

  /** Gracefully stop one worker and wait for it to exit (SIGKILL after the shutdown timeout). */
  private retire(worker: Worker): Promise<void> {
    const state = this.states.get(worker);
    if (!state || worker.isDead()) return Promise.resolve();
    state.retiring = true;
    this.updateGauge();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.log.warn(`worker ${state.slot} (pid ${worker.process.pid}) did not stop in time; killing it`);
        worker.process.kill('SIGKILL');
      }, this.settings.shutdownTimeoutMs + 2_000);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.process.kill('SIGTERM');
    });
  }

  /** SIGTERM/SIGINT: the workers stop accepting, finish their requests (bounded) and exit; then so does the master. */
  shutdown(signal: NodeJS.Signals): void {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info(`master: ${signal}: stopping the workers`);
    for (const s of this.slots) clearTimeout(s.restartTimer);
    this.metricsServer?.close();
    if (this.states.size === 0) return this.exit(this.exitCode);
    for (const w of this.states.keys()) if (!w.isDead()) w.process.kill('SIGTERM');
    setTimeout(() => {
      this.log.error('master: workers did not stop in time; killing them');
      for (const w of this.states.keys()) w.process.kill('SIGKILL');
      this.exit(1);
    }, this.settings.shutdownTimeoutMs + 3_000).unref();
  }

  private exit(code: number): void {
    const m = this.settings.metrics?.bind;
    if (m && 'socketPath' in m) {
      try {
        unlinkSync(m.socketPath);
      } catch {
        // already gone
      }
    }
    this.log.info(`master: stopped`);
    process.exit(code);
  }

  private async startMetricsServer(path: string, bind: NonNullable<NonNullable<DaemonSettings['metrics']>['bind']>) {
    const server = http.createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      if (url !== path || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      this.metrics().then(async (m) => ({ text: await m.text(this.servingWorkers()), contentType: m.contentType })).then(
        ({ text, contentType }) => res.writeHead(200, { 'Content-Type': contentType }).end(req.method === 'HEAD' ? undefined : text),
        (err: unknown) => res.writeHead(503, { 'Content-Type': 'text/plain' }).end(`metrics unavailable: ${describe(err)}`),
      );
    });
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    if ('socketPath' in bind) await prepareSocketPath(bind.socketPath);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const done = () => {
        server.off('error', reject);
        server.on('error', (err) => this.log.error('master: metrics listener error', err));
        resolve();
      };
      if ('socketPath' in bind) server.listen(bind.socketPath, done);
      else server.listen(bind.port, bind.host, done);
    });
    this.metricsServer = server;
  }
}

/**
 * When a worker closes its SO_REUSEPORT listener (reload, restart), Linux resets the connections still in its
 * accept queue unless net.ipv4.tcp_migrate_req (Linux 5.14+) moves them to another worker's listener.
 */
function warnWithoutRequestMigration(log: Pick<Logger, 'warn'>): void {
  try {
    if (readFileSync('/proc/sys/net/ipv4/tcp_migrate_req', 'utf8').trim() === '1') return;
  } catch {
    return; // not Linux, or too old a kernel to have it
  }
  log.warn(
    'master: net.ipv4.tcp_migrate_req is 0: a reload or worker restart may reset the few connections waiting in ' +
      "a stopping worker's accept queue; set it to 1 (sysctl -w net.ipv4.tcp_migrate_req=1) for lossless reloads",
  );
}

function exitReason(code: number | null, signal: string | null): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
