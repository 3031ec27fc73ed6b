import type { TileCoord } from '../geo/grid.js';
import type { Logger } from '../log/logger.js';
import type { HeldLock } from './file-locks.js';
import type { RedisLeases } from './redis-leases.js';
import type { TileLock } from './tile-lock.js';

export interface RedisTileLockOptions {
  /** The lock of this host (lock files): taken first, so one process per host asks Redis for a meta tile. */
  local: TileLock;
  leases: RedisLeases;
  /** `TileCache.lockId`: the same on every host that shares the store (bucket and path, Redis key prefix, …). */
  lockId: string;
  /** How long to wait for another host's lease before creating the tile here. */
  waitMs: number;
  log: Pick<Logger, 'warn'>;
}

/**
 * The meta tile lock across hosts: this host's lock first, then a lease in Redis named after the cache's lock id
 * and the main tile. After the bounded wait the creator goes on under its local lock: it reads the cache again
 * (the holder may have stored the tiles meanwhile) and creates the tiles only if they are still missing. With
 * Redis unreachable it goes on under the local lock at once.
 */
export class RedisTileLock implements TileLock {
  constructor(private readonly opts: RedisTileLockOptions) {}

  name(coord: TileCoord): string {
    return `${this.opts.lockId}-${coord[0]}-${coord[1]}-${coord[2]}`;
  }

  async lock(coord: TileCoord): Promise<HeldLock> {
    const local = await this.opts.local.lock(coord);
    let outcome;
    try {
      outcome = await this.opts.leases.acquire(this.name(coord), this.opts.waitMs);
    } catch (err) {
      await local.release();
      throw err;
    }
    if (outcome.kind === 'unavailable') return local;
    const waitedMs = local.waitedMs + outcome.waitedMs;
    if (outcome.kind === 'timeout') {
      this.opts.log.warn(
        `tile lock: ${outcome.holder || 'another host'} still holds ${this.opts.leases.key(this.name(coord))} after ` +
          `${(outcome.waitedMs / 1000).toFixed(1)} s; this host reads the cache again and creates what is missing`,
      );
      return { path: local.path, waitedMs, release: () => local.release() };
    }
    const lease = outcome.lease;
    let released: Promise<void> | null = null;
    return {
      path: local.path,
      waitedMs,
      release: () => (released ??= lease.release().then(() => local.release())),
    };
  }
}
