import cluster from 'node:cluster';
import { configureSharp } from '../core/image/sharp-config.js';
import { releaseMemoryWhenIdle } from '../core/native/memory.js';
import type { RequestHandler } from '../core/node-http-adapter.js';
import type { DaemonSettings } from '../cli/daemon-settings.js';
import { isMessage, type MasterToWorker, type WorkerToMaster } from '../master/messages.js';
import { instrumentHandler } from './instrumented-handler.js';
import { WorkerMetrics } from './metrics.js';
import { ensureFdLimit } from './fd-limit.js';
import { createModeHandler, type ModeHandler } from './mode-handler.js';
import { LayerNames } from './request-labels.js';
import { listenUnix } from './adapters/unix-listener.js';
import { listenUws } from './adapters/uws-server.js';
import { loadNativeUws } from './adapters/uws-native.js';
import { kernelsInfo } from '../core/native/kernels.js';
import type { Logger } from '../core/log/logger.js';
import { buildInfo } from './build-info.js';
import { Readiness } from './health/readiness.js';
import { processLoggers } from './log/process-logger.js';

interface Listener {
  stopAccepting(): void;
  drain(timeoutMs: number): Promise<boolean>;
  close(): void | Promise<void>;
}

const METRICS_REQUEST_TIMEOUT_MS = 5_000;

function send(msg: WorkerToMaster): void {
  if (process.send && process.connected) process.send(msg, undefined, undefined, () => {});
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * One worker: the whole core behind uWS on the shared port (SO_REUSEPORT), node:http on unix sockets and
 * FastCGI if asked. Tells the master when it listens; on SIGTERM/SIGINT stops accepting, finishes what is in
 * flight (bounded by the shutdown timeout) and exits 0. Without a master (`--workers 0`) it is the whole server.
 */
export async function runWorker(settings: DaemonSettings, slot: number): Promise<void> {
  const inCluster = cluster.isWorker;
  const tag = inCluster ? `worker ${slot} (pid ${process.pid})` : `mapproxy-ts (pid ${process.pid})`;
  const loggers = processLoggers(settings.log, inCluster ? slot : undefined);
  const log = loggers.log;
  let handler: ModeHandler | undefined;
  const listeners: Listener[] = [];

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return; // Ctrl-C reaches the whole process group and the master forwards it as well
    stopping = true;
    for (const l of listeners) l.stopAccepting();
    // Connections the kernel handed over just before the listener closed may not have delivered their
    // request yet, so nothing counts them as in flight: give them a moment before draining and closing.
    await delay(Math.min(ACCEPTED_GRACE_MS, settings.shutdownTimeoutMs));
    const drained = await Promise.all(listeners.map((l) => l.drain(settings.shutdownTimeoutMs)));
    if (drained.includes(false)) log.warn(`${tag}: requests still running after ${settings.shutdownTimeoutMs} ms; closing them`);
    await Promise.all(listeners.map((l) => l.close()));
    await handler?.close().catch(() => {});
    log.info(`${tag}: stopped (${why})`);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  if (inCluster) process.on('disconnect', () => void stop('master went away'));
  process.on('uncaughtException', (err) => {
    log.error(`${tag}: uncaught exception, exiting`, err);
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    log.error(`${tag}: unhandled rejection, exiting`, err);
    process.exit(1);
  });

  const fdProblem = settings.limits.maxOpenFiles !== undefined ? ensureFdLimit(settings.limits.maxOpenFiles) : undefined;
  if (fdProblem) log.warn(`${tag}: ${fdProblem}`);

  try {
    const uws = settings.binds.some((b) => 'port' in b) ? loadNativeUws() : undefined;
    configureSharp();
    releaseMemoryWhenIdle();
    const metrics = new WorkerMetrics(slot, { inCluster });
    const limits = settings.limits;
    const modeHandler = await createModeHandler(settings.mode, settings.target, {
      metrics,
      allowListing: settings.allowListing,
      log,
      requestLog: loggers.upstreamEnabled ? loggers.upstream : undefined,
    });
    handler = modeHandler;
    const layers = new LayerNames(handler.layerNames);
    const metricsText = inCluster ? clusterMetricsText() : async () => ({ text: await metrics.registry.metrics(), contentType: metrics.registry.contentType });
    const served: RequestHandler = instrumentHandler(handler, {
      metrics,
      layers,
      metricsPath: settings.metrics && !settings.metrics.bind ? settings.metrics.path : null,
      metricsText,
      readiness: new Readiness(() => modeHandler.readinessTarget()),
      accessLog: loggers.access,
    });
    if (inCluster) answerCollects(metrics, log);

    for (const bind of settings.binds) {
      if ('socketPath' in bind) listeners.push(await listenUnix(served, bind.socketPath, { mode: settings.socketMode, limits, log }));
      else {
        listeners.push(await listenUws(uws!, served, {
          host: bind.host,
          port: bind.port,
          maxRequests: limits.maxRequests,
          maxConnections: limits.maxConnections,
          bodyTimeoutMs: limits.requestTimeoutMs,
          sendTimeoutMs: limits.sendTimeoutMs,
          log,
        }));
      }
    }
    if (settings.fastcgi) {
      const { serveFastCgi } = await import('./adapters/fastcgi.js');
      const f = settings.fastcgi;
      const fcgiLimits = { maxConns: limits.maxConnections, maxRequests: limits.maxRequests, sendTimeoutMs: limits.sendTimeoutMs, log };
      const fcgi = await serveFastCgi(served, 'socketPath' in f
        ? { socketPath: f.socketPath, socketMode: settings.socketMode, ...fcgiLimits }
        : { host: f.host, port: f.port, ...fcgiLimits });
      let closing: Promise<void> | undefined;
      listeners.push({
        stopAccepting: () => void (closing = fcgi.close()),
        drain: async (ms) => !closing || (await Promise.race([closing.then(() => true), delay(ms).then(() => false)])),
        close: () => {},
      });
    }
  } catch (err) {
    log.error(`${tag}: cannot start: ${describe(err)}`);
    send({ type: 'mapproxy:failed', slot, error: describe(err) });
    // Give the IPC message a moment to leave before the process ends.
    setTimeout(() => process.exit(1), 50);
    return;
  }
  if (stopping) return;
  send({ type: 'mapproxy:ready', slot, uws: buildInfo().uws });
  if (!inCluster) {
    const where = settings.binds.map((b) => ('socketPath' in b ? b.socketPath : `http://${b.host}:${b.port}/`)).join(', ');
    const kernels = kernelsInfo();
    log.info(`${tag}: serving ${settings.target} on ${where} (pixel kernels: ${kernels.implementation}, ${kernels.simd})`, { ...buildInfo() });
  }
}

const ACCEPTED_GRACE_MS = 300;

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** Answers the master's requests for this worker's metrics (as JSON, which the master aggregates). */
function answerCollects(metrics: WorkerMetrics, log: Logger): void {
  process.on('message', (msg: unknown) => {
    if (!isMessage<MasterToWorker>(msg) || msg.type !== 'mapproxy:collect') return;
    metrics.registry
      .getMetricsAsJSON()
      .then((json) => send({ type: 'mapproxy:metrics-json', id: msg.id, metrics: json }))
      .catch((err: unknown) => log.error('cannot collect metrics', err));
  });
}

/** /metrics on a worker: ask the master for the aggregate over all workers. */
function clusterMetricsText(): () => Promise<{ text: string; contentType: string }> {
  let nextId = 1;
  const pending = new Map<number, (m: { text: string; contentType: string; error?: string }) => void>();
  process.on('message', (msg: unknown) => {
    if (!isMessage<MasterToWorker>(msg) || msg.type !== 'mapproxy:metrics-text') return;
    pending.get(msg.id)?.(msg);
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the master did not answer in time'));
      }, METRICS_REQUEST_TIMEOUT_MS);
      pending.set(id, (m) => {
        clearTimeout(timer);
        pending.delete(id);
        if (m.error) reject(new Error(m.error));
        else resolve({ text: m.text, contentType: m.contentType });
      });
      send({ type: 'mapproxy:metrics-request', id });
    });
}
