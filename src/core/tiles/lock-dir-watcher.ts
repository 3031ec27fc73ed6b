import fs from 'node:fs';

/** What happened to a lock file: 'rename' = created or removed, 'change' = written or touched. */
export type LockFileEvent = 'rename' | 'change';
type Listener = (event: LockFileEvent) => void;

interface DirWatch {
  watcher: fs.FSWatcher | null;
  listeners: Map<string, Set<Listener>>;
  count: number;
}

/**
 * One fs.watch (inotify) per lock directory, dispatching events to the waiters by file name.
 * Waiters wake when a holder releases (unlink, or a touch for semaphore slots) instead of polling
 * with sleeps. A watcher exists only while someone waits in its directory. When the platform
 * refuses a watcher (e.g. inotify limits), waiters still have their fallback timers.
 */
export class LockDirWatchers {
  private readonly dirs = new Map<string, DirWatch>();

  /** Calls `listener` on events for `dir/name` until the returned function is called. */
  subscribe(dir: string, name: string, listener: Listener): () => void {
    let entry = this.dirs.get(dir);
    if (!entry) {
      entry = { watcher: null, listeners: new Map(), count: 0 };
      this.dirs.set(dir, entry);
      entry.watcher = this.watch(dir, entry);
    }
    let set = entry.listeners.get(name);
    if (!set) entry.listeners.set(name, (set = new Set()));
    set.add(listener);
    entry.count++;
    const current = entry;
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      set!.delete(listener);
      if (set!.size === 0) current.listeners.delete(name);
      if (--current.count === 0) {
        current.watcher?.close();
        if (this.dirs.get(dir) === current) this.dirs.delete(dir);
      }
    };
  }

  /** Dispatches an event for `dir/name` to this process's waiters (a local release needs no kernel round trip). */
  notify(dir: string, name: string, event: LockFileEvent): void {
    const set = this.dirs.get(dir)?.listeners.get(name);
    if (set) for (const l of [...set]) l(event);
  }

  /** Number of directories watched right now (for tests). */
  get watchedDirectories(): number {
    return this.dirs.size;
  }

  private watch(dir: string, entry: DirWatch): fs.FSWatcher | null {
    try {
      const watcher = fs.watch(dir, { persistent: false }, (event, filename) => {
        if (!filename) {
          // the kernel lost track (queue overflow): wake everyone, they retry and re-wait
          for (const set of entry.listeners.values()) for (const l of [...set]) l('rename');
          return;
        }
        const set = entry.listeners.get(filename.toString());
        if (set) for (const l of [...set]) l(event as LockFileEvent);
      });
      watcher.on('error', () => {
        watcher.close();
        if (entry.watcher === watcher) entry.watcher = null;
      });
      return watcher;
    } catch {
      return null;
    }
  }
}
