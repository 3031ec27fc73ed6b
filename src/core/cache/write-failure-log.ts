import { ThrottledLog } from '../log/throttled-log.js';
import type { CoreMetrics } from '../metrics.js';
import { errnoCode } from './cache-write-error.js';

export interface WriteFailureLogOptions {
  /** The cache's configured name (metric label, log text). */
  cache: string;
  metrics: CoreMetrics;
  /** Default console. */
  log?: Pick<Console, 'error' | 'warn'>;
  /** At most one log line per this many milliseconds while writes keep failing (default 10 s). */
  intervalMs?: number;
  now?: () => number;
}

/**
 * Counts every failed cache write and logs them without flooding: a full disk fails every store of every
 * request, so the first failure is logged at once, later ones are summed into one line per interval, and
 * the first successful write after failures says that caching works again.
 */
export class WriteFailureLog {
  private readonly log: Pick<Console, 'error' | 'warn'>;
  private readonly lines: ThrottledLog;
  /** Failures since the last success; 0: writes work. */
  private failing = 0;

  constructor(private readonly opts: WriteFailureLogOptions) {
    this.log = opts.log ?? console;
    this.lines = new ThrottledLog(this.log, opts.intervalMs ?? 10_000, opts.now ?? Date.now);
  }

  /** One write failed with `err` (its `code` is the errno); `consequence` says what happens instead. */
  failed(err: unknown, consequence: string): void {
    this.opts.metrics.cacheWriteError(this.opts.cache, errnoCode(err));
    this.failing++;
    this.lines.error(`cache ${this.opts.cache}: ${(err as Error)?.message ?? String(err)}; ${consequence}`, 'more write errors');
  }

  /** One write worked: if writes were failing, say that caching has resumed. */
  succeeded(): void {
    if (this.failing === 0) return;
    this.log.warn(`cache ${this.opts.cache}: tiles are stored again, after ${this.failing} failed write(s)`);
    this.failing = 0;
    this.lines.reset();
  }
}
