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
 */
export class CreationQueue {
  readonly maxActive: number;
  readonly maxQueued: number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly inside = new AsyncLocalStorage<true>();

  constructor(opts: CreationQueueOptions = {}) {
    this.maxActive = Math.max(1, opts.maxActive ?? Math.max(4, 2 * availableParallelism()));
    this.maxQueued = Math.max(0, opts.maxQueued ?? 1000);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.inside.getStore()) return task();
    if (this.active >= this.maxActive) {
      if (this.waiting.length >= this.maxQueued) throw new CreationQueueFull(this.waiting.length);
      // the slot is handed over by the finishing creation, so `active` stays counted
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await this.inside.run(true, task);
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
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
