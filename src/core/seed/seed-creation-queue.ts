import { CreationQueue } from '../tiles/creation-queue.js';

/**
 * The creation queue of a seed process: it runs every creation at once. The seeder hands a process no more meta
 * tiles at a time than its executor's capacity, so there is nothing to hold back; and the server's queue tells
 * nested creations (a cache that is the source of another) apart through an AsyncLocalStorage, whose first use
 * turns on Node's promise hooks for the whole process: every promise of the seed (file, lock, HTTP, IPC, pool
 * jobs) then calls into async_hooks' JavaScript at its creation, before and after each reaction.
 */
export class SeedCreationQueue extends CreationQueue {
  override run<T>(task: () => Promise<T>): Promise<T> {
    return task();
  }
}
