/**
 * When a kernel call goes to libuv's pool. A hop there costs a thread wake-up, a promise and another turn of the
 * event loop on each side, and on a machine with as many busy workers as cores it only trades one runnable thread
 * for another. Below this many pixels a kernel is done in well under a millisecond (bicubic of a 256² map from its
 * source window: about 0.3 ms), less than the hop and its scheduling cost the event loop; from here on it runs on
 * the pool so the worker keeps answering cached tiles while it draws.
 */
export const POOL_PIXELS = 1 << 18;

/** Whether work touching `pixels` pixels (source and destination together) runs on the pool. */
export function onPool(pixels: number): boolean {
  return pixels >= POOL_PIXELS;
}
