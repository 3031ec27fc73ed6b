import { AsyncLocalStorage } from 'node:async_hooks';
import { availableParallelism } from 'node:os';
import { SourceError } from '../source/source.js';

/** The queue of waiting tile creations is full: the process is overloaded, try again later. */
export class CreationQueueFull extends SourceError {
  constructor(queued: number) {
    super(`too many tile creations waiting (${queued}); the server is overloaded, try again later`);
    this.name = 'CreationQueueFull';
  }
}

export interface CreationQueueOptions {
  /** Creations running at once; default max(4, 2 × cores). */
  maxActive?: number;
  /** Creations waiting beyond that before new ones fail with CreationQueueFull; default 1000. */
  maxQueued?: number;
}

/**
 * Bounds the tile creations of one process (each holds a decoded meta image, a lock file and an
 * upstream connection): a fixed number run, the rest wait first in, first out, and beyond a cap
 * new ones fail fast instead of piling up memory and file descriptors. A creation started
 * inside another (a cache that is the source of another cache) runs within its parent's slot,
 * so nested caches cannot deadlock the queue.
 *
 * Telling a nested creation apart takes an AsyncLocalStorage, whose first `run` turns on Node 20's promise hooks
 * for the whole process: every promise of the worker (cache hits included) then costs 2–3× as much. So it is used
 * only once the cache builder met a cache that draws from a cache (allowNesting); before that no creation can
 * start inside another.
 */
export class CreationQueue {
  readonly maxActive: number;
  readonly maxQueued: number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Set by allowNesting: the creations running now, as seen from inside one of them. */
  private inside: AsyncLocalStorage<true> | undefined;
  /** Called once no creation runs or waits any more (see idle). */
  private idleWaiters: (() => void)[] = [];

  constructor(opts: CreationQueueOptions = {}) {
    this.maxActive = Math.max(1, opts.maxActive ?? Math.max(4, 2 * availableParallelism()));
    this.maxQueued = Math.max(0, opts.maxQueued ?? 1000);
  }

  /** From now on, a creation started inside another runs within its slot (a cache draws from a cache). */
  allowNesting(): void {
    this.inside ??= new AsyncLocalStorage<true>();
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    const inside = this.inside;
    if (inside?.getStore()) return task();
    if (this.active >= this.maxActive) {
      if (this.waiting.length >= this.maxQueued) throw new CreationQueueFull(this.waiting.length);
      // the slot is handed over by the finishing creation, so `active` stays counted
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await (inside ? inside.run(true, task) : task());
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else if (--this.active === 0) this.wakeIdle();
    }
  }

  /**
   * Resolves true once no creation runs or waits, false after `timeoutMs`. A cold miss is answered before the
   * rest of its meta tile is stored (the creation keeps its slot until then): a process that stops waits here
   * so those tiles reach the cache and their lock files are released, instead of being cut off mid-store.
   */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Creations running now. */
  get running(): number {
    return this.active;
  }

  /** Creations waiting for a slot now. */
  get queued(): number {
    return this.waiting.length;
  }
}
