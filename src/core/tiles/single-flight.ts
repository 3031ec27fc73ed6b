/**
 * In-process single flight: concurrent callers with the same key share one running task.
 * Meta tile creation is keyed on the main tile, so requests for tiles of the same meta tile
 * cause one upstream request per worker. The cross-process guard is layered on top of this.
 */
export class SingleFlight {
  private readonly running = new Map<string, Promise<unknown>>();

  /**
   * The running task of `key`, else `task`. With `until`, the flight lasts until `until(value)` settles, not only
   * until the task's value (a creation that hands out its first tiles before it is done): callers that come in
   * between share the value.
   */
  run<T>(key: string, task: () => Promise<T>, until?: (value: T) => Promise<unknown>): Promise<T> {
    const existing = this.running.get(key);
    if (existing) return existing as Promise<T>;
    const end = () => {
      if (this.running.get(key) === promise) this.running.delete(key);
    };
    // the flight ends before its callers go on: one that tries again starts a new one
    const promise = task().then(
      (value) => {
        if (until) until(value).then(end, end);
        else end();
        return value;
      },
      (err: unknown) => {
        end();
        throw err;
      },
    );
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
