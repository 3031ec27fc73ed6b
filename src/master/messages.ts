/** IPC between the master and its workers (node:cluster channel). Types prefixed so that prom-client's or
 * other libraries' messages on the same channel are never mistaken for ours. */
export type WorkerToMaster =
  /** Listening on every listener: the master may now retire the worker this one replaces. */
  | { type: 'mapproxy:ready'; slot: number; /** the uWebSockets.js build it chose (package@version) */ uws?: string }
  /** Could not start (configuration, listener); the worker exits right after. */
  | { type: 'mapproxy:failed'; slot: number; error: string }
  /** A client asked this worker for /metrics: the master answers with the aggregate. */
  | { type: 'mapproxy:metrics-request'; id: number }
  /** This worker's registry as JSON, answering a collect. */
  | { type: 'mapproxy:metrics-json'; id: number; metrics: unknown[] };

export type MasterToWorker =
  | { type: 'mapproxy:metrics-text'; id: number; text: string; contentType: string; error?: string }
  | { type: 'mapproxy:collect'; id: number };

export function isMessage<T extends { type: string }>(msg: unknown): msg is T {
  return typeof msg === 'object' && msg !== null && typeof (msg as { type?: unknown }).type === 'string'
    && (msg as { type: string }).type.startsWith('mapproxy:');
}

/** Environment variable carrying a worker's settings and slot from the master. */
export const WORKER_ENV = 'MAPPROXY_TS_WORKER';

/** The settings and slot the master gave this worker (throws when started otherwise). */
export function readWorkerEnv<Settings>(): { settings: Settings; slot: number } {
  const raw = process.env[WORKER_ENV];
  if (!raw) throw new Error(`${WORKER_ENV} is not set: workers are started by the master`);
  return JSON.parse(raw) as { settings: Settings; slot: number };
}
