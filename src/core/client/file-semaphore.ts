import { createHash, randomInt } from 'node:crypto';
import { join } from 'node:path';
import { FileLocks, LockTimeout } from '../tiles/file-locks.js';
import { LimiterTimeoutError, type Release, type RequestLimiter } from './request-limiter.js';

export interface FileSemaphoreOptions {
  /** `globals.cache.lock_dir` (resolved). */
  lockDir: string;
  /** The source URL; its `netloc` (userinfo@host:port, as Python's urlparse) names the lock files. */
  url: string;
  /** `concurrent_requests`. */
  slots: number;
  locks: FileLocks;
}

/**
 * `concurrent_requests` across every process on this host, MapProxy's SemLock: `slots` lock files
 * `<lock_dir>/<md5(netloc)>.lck0 … .lck<n-1>`; a request holds one of them with flock while it
 * talks to the upstream. The slots are tried round robin from a random start. The same files as
 * MapProxy, so a MapProxy next to us counts against the same limit.
 */
export class FileSemaphore implements RequestLimiter {
  readonly files: readonly string[];

  constructor(private readonly opts: FileSemaphoreOptions) {
    if (!(opts.slots >= 1)) throw new Error(`concurrent_requests must be at least 1, got ${opts.slots}`);
    const base = join(opts.lockDir, `${createHash('md5').update(urlNetloc(opts.url), 'utf8').digest('hex')}.lck`);
    this.files = Array.from({ length: opts.slots }, (_, i) => `${base}${i}`);
  }

  /** `key` (the host) is implied by the files; `timeoutMs` is the lock timeout (`client_timeout`). */
  async acquire(key: string, timeoutMs = 60_000): Promise<Release> {
    const start = randomInt(0, this.files.length);
    const order = [...this.files.slice(start), ...this.files.slice(0, start)];
    try {
      const held = await this.opts.locks.acquire(order, { timeoutMs, release: 'keep' });
      return () => void held.release();
    } catch (err) {
      if (err instanceof LockTimeout) throw new LimiterTimeoutError(key);
      throw err;
    }
  }
}

/** Python's urlparse(url).netloc: what lies between '//' and the next '/', '?' or '#', userinfo included. */
export function urlNetloc(url: string): string {
  const i = url.indexOf('//');
  if (i < 0) return '';
  const rest = url.slice(i + 2);
  const end = rest.search(/[/?#]/);
  return end < 0 ? rest : rest.slice(0, end);
}
