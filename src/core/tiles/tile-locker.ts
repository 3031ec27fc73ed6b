import { join } from 'node:path';
import type { TileCoord } from '../geo/grid.js';
import type { FileLocks, HeldLock } from './file-locks.js';
import type { TileLock } from './tile-lock.js';

export interface TileLockerOptions {
  /** `tile_lock_dir` of the cache (resolved). */
  lockDir: string;
  /** `TileCache.lockId`: md5 of the cache directory, as MapProxy's lock_cache_id. */
  lockId: string;
  /** `globals.http.client_timeout` in seconds: how long to wait for another creator. */
  timeout: number;
  locks: FileLocks;
}

/**
 * The cross-process guard of tile creation, MapProxy's TileLocker: one lock file per (meta) tile,
 * `<tile_lock_dir>/<lock_cache_id>-<x>-<y>-<z>.lck`, so MapProxy and this project exclude each
 * other when they share a cache and its lock directory.
 */
export class TileLocker implements TileLock {
  constructor(private readonly opts: TileLockerOptions) {}

  lockFile(coord: TileCoord): string {
    return join(this.opts.lockDir, `${this.opts.lockId}-${coord[0]}-${coord[1]}-${coord[2]}.lck`);
  }

  /** Waits for the lock of `coord` (the main tile of a meta tile); rejects with LockTimeout. */
  lock(coord: TileCoord): Promise<HeldLock> {
    const timeoutMs = this.opts.timeout * 1000;
    this.opts.locks.sweepSometimes(this.opts.lockDir, timeoutMs + 10_000);
    return this.opts.locks.acquire([this.lockFile(coord)], { timeoutMs, release: 'unlink' });
  }
}
