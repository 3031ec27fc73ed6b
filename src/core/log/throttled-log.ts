import type { Logger } from './logger.js';

/**
 * Error lines that do not flood: a fault that fails every request (a full disk, a store that went away) is logged
 * at once, later occurrences are counted into one line per interval, and `reset` starts afresh once it is over.
 */
export class ThrottledLog {
  private unlogged = 0;
  private lastLogged = -Infinity;

  constructor(
    private readonly log: Pick<Logger, 'error'>,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs `message`, or counts it when the last line is younger than the interval; `what` names the count. */
  error(message: string, what = 'more errors'): void {
    this.unlogged++;
    const now = this.now();
    if (now - this.lastLogged < this.intervalMs) return;
    const more = this.unlogged > 1 ? ` (${this.unlogged - 1} ${what} since the last message)` : '';
    this.log.error(`${message}${more}`);
    this.unlogged = 0;
    this.lastLogged = now;
  }

  reset(): void {
    this.unlogged = 0;
    this.lastLogged = -Infinity;
  }
}
