/**
 * In-process single flight: concurrent callers with the same key share one running task.
 * Meta tile creation is keyed on the main tile, so requests for tiles of the same meta tile
 * cause one upstream request per worker. The cross-process guard is layered on top of this.
 */
export class SingleFlight {
  private readonly running = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const existing = this.running.get(key);
    if (existing) return existing as Promise<T>;
    const promise = task().finally(() => this.running.delete(key));
    this.running.set(key, promise);
    return promise;
  }

  isRunning(key: string): boolean {
    return this.running.has(key);
  }

  get size(): number {
    return this.running.size;
  }
}
