/**
 * How long to wait before replacing a worker that died. A worker that ran for a while is replaced at once;
 * one that keeps dying soon after start (a crash loop) waits twice as long each time, up to `maxMs`.
 */
export class RestartBackoff {
  private failures = 0;

  constructor(
    private readonly opts: { stableAfterMs: number; baseMs: number; maxMs: number } = {
      stableAfterMs: 10_000,
      baseMs: 250,
      maxMs: 30_000,
    },
  ) {}

  /** Delay before the next start, given how long the dead worker ran. */
  next(uptimeMs: number): number {
    if (uptimeMs >= this.opts.stableAfterMs) {
      this.failures = 0;
      return 0;
    }
    this.failures++;
    return Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** (this.failures - 1));
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
