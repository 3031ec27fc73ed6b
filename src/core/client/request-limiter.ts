/** Releases one slot taken with `acquire`. Calling it more than once has no effect. */
export type Release = () => void;

/**
 * Limits the parallel upstream requests per host (`concurrent_requests`). Behind an interface so
 * the in-process semaphore can be replaced by a cross-process one (MapProxy's SemLock files).
 */
export interface RequestLimiter {
  /** Waits for a free slot for `key` (the URL's host:port); rejects after `timeoutMs`. */
  acquire(key: string, timeoutMs?: number): Promise<Release>;
}

export class LimiterTimeoutError extends Error {
  constructor(key: string) {
    super(`timeout while waiting for a free upstream request slot (${key})`);
    this.name = 'LimiterTimeoutError';
  }
}

interface Waiter {
  grant: (release: Release) => void;
  timer?: NodeJS.Timeout;
}

/** A counting semaphore per key, inside one process. */
export class InProcessLimiter implements RequestLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(readonly maxConcurrent: number) {
    if (!(maxConcurrent >= 1)) throw new Error(`concurrent_requests must be at least 1, got ${maxConcurrent}`);
  }

  acquire(key: string, timeoutMs?: number): Promise<Release> {
    const n = this.active.get(key) ?? 0;
    if (n < this.maxConcurrent) {
      this.active.set(key, n + 1);
      return Promise.resolve(this.releaser(key));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { grant: resolve };
      if (timeoutMs !== undefined && timeoutMs > 0) {
        waiter.timer = setTimeout(() => {
          const queue = this.waiting.get(key);
          const i = queue?.indexOf(waiter) ?? -1;
          if (queue && i >= 0) queue.splice(i, 1);
          reject(new LimiterTimeoutError(key));
        }, timeoutMs);
      }
      const queue = this.waiting.get(key);
      if (queue) queue.push(waiter);
      else this.waiting.set(key, [waiter]);
    });
  }

  /** Number of slots in use for `key` (for tests and metrics). */
  inUse(key: string): number {
    return this.active.get(key) ?? 0;
  }

  private releaser(key: string): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.get(key)?.shift();
      if (next) {
        // hand the slot over directly: the count stays the same
        if (next.timer) clearTimeout(next.timer);
        next.grant(this.releaser(key));
        return;
      }
      if (this.waiting.get(key)?.length === 0) this.waiting.delete(key);
      const n = (this.active.get(key) ?? 1) - 1;
      if (n <= 0) this.active.delete(key);
      else this.active.set(key, n);
    };
  }
}
