/**
 * Who waits for which Redis key on this host: a release published on the shared channel wakes the waiters of that
 * key here, so a lease or a slot is waited for without polling.
 */
export class KeyWaiters {
  private readonly byKey = new Map<string, Set<() => void>>();

  add(key: string, wake: () => void): void {
    let set = this.byKey.get(key);
    if (!set) this.byKey.set(key, (set = new Set()));
    set.add(wake);
  }

  delete(key: string, wake: () => void): void {
    const set = this.byKey.get(key);
    set?.delete(wake);
    if (set?.size === 0) this.byKey.delete(key);
  }

  wake(key: string): void {
    for (const wake of this.byKey.get(key) ?? []) wake();
  }
}
