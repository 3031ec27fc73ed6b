/**
 * libuv threads per worker (UV_THREADPOOL_SIZE) when the environment does not choose: the worker's share of the
 * cores, at least 2. Big pixel work (maps from 2^18 pixels on, see core/native/pool.ts) runs there so the event
 * loop keeps answering; with W workers on C cores, more than C/W pool threads per worker only time-slice the same
 * cores while holding more half-drawn images in memory at once. Two at least, so a tile read (fs work shares the
 * pool) never waits behind one long map.
 */
export function workerPoolSize(cpus: number, workers: number): number {
  return Math.max(2, Math.ceil(Math.max(1, cpus) / Math.max(1, workers)));
}
