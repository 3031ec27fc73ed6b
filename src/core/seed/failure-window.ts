/**
 * The outcomes of the most recent upstream attempts. Once at least `minSamples` are known and the share of
 * failures among the last `size` reaches `maxFailureRate`, the run should stop instead of hammering a broken upstream.
 */
export class FailureWindow {
  private readonly outcomes: boolean[] = [];

  constructor(
    readonly size = 20,
    readonly maxFailureRate = 0.5,
    readonly minSamples = Math.min(10, size),
  ) {}

  record(ok: boolean): void {
    this.outcomes.push(ok);
    if (this.outcomes.length > this.size) this.outcomes.shift();
  }

  get failures(): number {
    return this.outcomes.filter((ok) => !ok).length;
  }

  get samples(): number {
    return this.outcomes.length;
  }

  get tripped(): boolean {
    return this.samples >= this.minSamples && this.failures / this.samples >= this.maxFailureRate;
  }
}

/** Exponential back-off: `base`·2^attempt, at most `max` (all in ms). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** attempt);
}
