/**
 * libuv threads per worker (UV_THREADPOOL_SIZE) when the environment does not choose: the worker's share of the
 * cores, at least 2. Big pixel work (maps from 2^18 pixels on, see core/native/pool.ts) runs there so the event
 * loop keeps answering; with W workers on C cores, many more than C/W pool threads per worker only time-slice the
 * same cores while holding more half-drawn images in memory at once. Two at least: while one thread draws a map,
 * the worker's main thread is preparing the next (tiles loaded and decoded), and a second thread starts it at
 * once. Measured with 2 workers on 2 cores (bench --quick, wms-256/1024x768/4326): 2 threads each drew 1024x768
 * and reprojected 512x512 maps 60-70 % faster than 1 (148 vs 91, 300 vs 176 maps/s), at 15-25 MB more peak RSS
 * per worker. Cached tiles are read synchronously and never wait for the pool.
 */
export function workerPoolSize(cpus: number, workers: number): number {
  return Math.max(2, Math.ceil(Math.max(1, cpus) / Math.max(1, workers)));
}
