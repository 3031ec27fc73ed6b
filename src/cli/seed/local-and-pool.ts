import type { SeedExecutor, SeedUnitSpec, SeedWorkItem } from '../../core/seed/executor.js';

/** Worker processes as LocalAndPoolExecutor sees them (ProcessPoolExecutor). */
export interface WorkerPool extends SeedExecutor {
  /** Items handed out and not finished. */
  readonly inFlight: number;
  /** Some worker can still take items. */
  readonly alive: boolean;
}

/**
 * Seeds in this process and in worker processes, as one executor: `-c N` is this process and N − 1 workers. The
 * seed command has built the caches already to plan its tasks, so one worker's share runs here without starting a
 * process, which costs about half a second of CPU each (Node's start and the seeder's modules; mapproxy-seed's
 * forked workers inherit theirs), CPU that on a machine shared with the upstream is seeding time. Items go to the
 * side with fewer items per slot.
 */
export class LocalAndPoolExecutor implements SeedExecutor {
  readonly capacity: number;
  private localInFlight = 0;

  constructor(
    private readonly local: SeedExecutor,
    private readonly pool: WorkerPool | null,
  ) {
    this.capacity = local.capacity + (pool?.capacity ?? 0);
  }

  async prepare(units: readonly SeedUnitSpec[]): Promise<void> {
    await Promise.all([this.local.prepare(units), this.pool?.prepare(units)]);
  }

  run(item: SeedWorkItem): Promise<number> {
    const pool = this.pool;
    const useLocal = !pool || !pool.alive || this.localInFlight / this.local.capacity <= pool.inFlight / pool.capacity;
    if (!useLocal) return pool.run(item);
    this.localInFlight++;
    return this.local.run(item).finally(() => this.localInFlight--);
  }

  async close(): Promise<void> {
    await Promise.all([this.local.close(), this.pool?.close()]);
  }
}
