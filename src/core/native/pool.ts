/**
 * When a kernel call goes to libuv's pool. A hop there costs a thread wake-up, a promise and another turn of the
 * event loop on each side, and on a machine with as many busy workers as cores it only trades one runnable thread
 * for another. Below this many pixels a kernel holds the event loop for at most about a millisecond (bicubic of a
 * 256² map from a 400² window of pure noise, the worst case: 0.75 ms of CPU; maps have flat areas and take less),
 * which a cached tile can wait; from here on it runs on the pool so the worker keeps answering while it draws.
 */
export const POOL_PIXELS = 1 << 18;

/** Whether work touching `pixels` pixels (source and destination together) runs on the pool. */
export function onPool(pixels: number): boolean {
  return pixels >= POOL_PIXELS;
}

/** An image's extent in pixels. */
export interface PixelArea {
  readonly width: number;
  readonly height: number;
}

/**
 * Whether drawing `dst` from `src` (a resample, a warp, a map written as a PNG) runs on the pool: the one rule for
 * the kernels that draw maps and for the layer that gives those maps their turns (layer/map-tiles.ts).
 */
export function drawsOnPool(src: PixelArea, dst: PixelArea): boolean {
  return onPool(src.width * src.height + dst.width * dst.height);
}

/**
 * Threads of libuv's pool in this process: UV_THREADPOOL_SIZE as the daemon's master sets it for each worker
 * (src/master/pool-size.ts), or libuv's default of 4. libuv reads it once, at the pool's first use.
 */
export const POOL_THREADS = Math.max(1, Math.min(1024, Number(process.env.UV_THREADPOOL_SIZE) || 4));
