import { isDeepStrictEqual } from 'node:util';

/**
 * Polls `ready` (every 5 ms) until it holds: for what a server finishes shortly after its answer. A cold miss is
 * answered once its own tiles are stored; the other tiles of its meta tile are stored a few milliseconds later,
 * before the meta tile's lock is released. Rejects after `timeoutMs`, naming `what`.
 */
export async function waitUntil(ready: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Waits until `actual()` deep-equals `expected()` (both read again each time), then returns the last `actual`. */
export async function waitUntilEqual<T>(actual: () => T | Promise<T>, expected: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  let last: T | undefined;
  try {
    await waitUntil(async () => isDeepStrictEqual((last = await actual()), await expected()), what, timeoutMs);
  } catch {
    // the caller's assertion shows the difference
  }
  return last as T;
}
