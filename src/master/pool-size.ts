/**
 * libuv threads per worker (UV_THREADPOOL_SIZE) when the environment does not choose: the worker's share of the
 * cores, at least 2. Big pixel work (maps from 2^18 pixels on, see core/native/pool.ts) runs there so the event
 * loop keeps answering; with W workers on C cores, more than C/W pool threads per worker only time-slice the same
 * cores while holding more half-drawn images in memory at once. Two at least, so one long map never holds up the
 * worker's other pool work (big PNG inflates and deflates, sharp) alone. Cached tiles are read synchronously and
 * never wait for the pool.
 */
export function workerPoolSize(cpus: number, workers: number): number {
  return Math.max(2, Math.ceil(Math.max(1, cpus) / Math.max(1, workers)));
}
