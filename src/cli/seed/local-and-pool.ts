import type { SeedExecutor, SeedUnitSpec, SeedWorkItem } from '../../core/seed/executor.js';

/** Worker processes as LocalAndPoolExecutor sees them (ProcessPoolExecutor). */
export interface WorkerPool extends SeedExecutor {
  /** Items handed out and not finished. */
  readonly inFlight: number;
  /** Some worker can still take items. */
  readonly alive: boolean;
}

/**
 * Seeds in this process and in worker processes, as one executor (seed-processes.ts says how many of each). The
 * seed command has built the caches already to plan its tasks, so one worker's share runs here without starting a
 * process, which costs about half a second of CPU each (Node's start and the seeder's modules; mapproxy-seed's
 * forked workers inherit theirs), CPU that on a machine shared with the upstream is seeding time. Items go to the
 * side with fewer items per slot.
 *
 * The workers may still be starting (`pool` a promise): this process seeds alone meanwhile, with the whole
 * capacity, instead of leaving the upstream idle for the half second or more a worker takes to start.
 */
export class LocalAndPoolExecutor implements SeedExecutor {
  readonly capacity: number;
  private localInFlight = 0;
  private pool: WorkerPool | null = null;
  private units: readonly SeedUnitSpec[] | null = null;
  /** Settles once the workers started (or failed to) and, when units were announced, were prepared. */
  private readonly joined: Promise<void>;

  /**
   * `poolCapacity`: what the workers will take once started, when `pool` is a promise of them. A pool that fails
   * to start leaves this process seeding alone; the failure goes to `onPoolError`.
   */
  constructor(
    private readonly local: SeedExecutor,
    pool: WorkerPool | null | Promise<WorkerPool | null>,
    opts: { poolCapacity?: number; onPoolError?: (err: Error) => void } = {},
  ) {
    if (pool instanceof Promise) {
      this.capacity = local.capacity + (opts.poolCapacity ?? 0);
      this.joined = pool.then(
        async (started) => {
          if (started && this.units) await started.prepare(this.units);
          this.pool = started;
        },
        (err: Error) => opts.onPoolError?.(err),
      );
    } else {
      this.pool = pool;
      this.capacity = local.capacity + (pool?.capacity ?? 0);
      this.joined = Promise.resolve();
    }
  }

  async prepare(units: readonly SeedUnitSpec[]): Promise<void> {
    this.units = units;
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
    await this.joined;
    await Promise.all([this.local.close(), this.pool?.close()]);
  }
}
