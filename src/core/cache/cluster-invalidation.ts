import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { TileCoord } from '../geo/grid.js';
import type { Logger } from '../log/logger.js';
import { openRedis, redactedRedisUrl } from '../redis/redis-client.js';
import type { CachedTile, Dimensions, RemoveOptions, TileCache, TileToStore } from './cache.js';

/** A store with per-host copies in front of a shared store: a `tiered` cache (its tiers above the lowest). */
export interface UpperCopies {
  dropUpperCopies(coords: readonly TileCoord[], dims?: Dimensions): Promise<void>;
  dropUpperLevel(level: number): Promise<boolean>;
}

export function hasUpperCopies(cache: TileCache): cache is TileCache & UpperCopies {
  const c = cache as Partial<UpperCopies> & { tiers?: readonly unknown[] };
  return typeof c.dropUpperCopies === 'function' && typeof c.dropUpperLevel === 'function' && (c.tiers?.length ?? 0) > 1;
}

/** What changed in the shared store: tiles (stored again or removed), or a level removed the quick way. */
interface Invalidation {
  readonly from: string;
  readonly lockId: string;
  readonly coords?: readonly TileCoord[];
  readonly dims?: Dimensions;
  readonly level?: number;
}

/**
 * Tells the other daemons of a cluster which tiles changed in the shared store, over Redis pub/sub on
 * `<prefix>:invalidated`, so that their per-host copies (a `tiered` cache's local tiers) are dropped: a cleanup or a
 * tile re-created for `refresh_before` on one host is then seen by all. Pub/sub delivers at most once and only to
 * those connected: a host that was cut off from Redis keeps what it copied meanwhile (docs/scale-out.md).
 */
export class ClusterInvalidation {
  /** Who sent a message: a process's own changes need no dropping. */
  private readonly id = randomUUID();
  private readonly watched = new Map<string, Set<UpperCopies>>();
  private conns?: Promise<{ pub: Redis; sub: Redis }>;
  private lastWarning = -Infinity;

  constructor(private readonly opts: { url: string; prefix: string; connectTimeoutMs: number; log: Pick<Logger, 'warn'> }) {}

  private get channel(): string {
    return `${this.opts.prefix}:invalidated`;
  }

  /** Wraps `cache`: what it stores or removes is announced, and what others announce is dropped from its copies. */
  wrap(cache: TileCache & UpperCopies): TileCache {
    let set = this.watched.get(cache.lockId);
    if (!set) this.watched.set(cache.lockId, (set = new Set()));
    set.add(cache);
    void this.connections();
    return new InvalidatingCache(cache, (msg) => this.publish({ ...msg, from: this.id, lockId: cache.lockId }));
  }

  private publish(msg: Invalidation): void {
    void this.connections()
      .then(({ pub }) => pub.publish(this.channel, JSON.stringify(msg)))
      .catch((err: unknown) => this.warn(err));
  }

  private async receive(text: string): Promise<void> {
    let msg: Invalidation;
    try {
      msg = JSON.parse(text) as Invalidation;
    } catch {
      return;
    }
    if (msg.from === this.id) return;
    for (const cache of this.watched.get(msg.lockId) ?? []) {
      try {
        if (msg.coords) await cache.dropUpperCopies(msg.coords, msg.dims);
        else if (msg.level !== undefined && !(await cache.dropUpperLevel(msg.level))) {
          this.opts.log.warn(`cache invalidation: level ${msg.level} was removed on another host, but a local tier cannot drop a level at once`);
        }
      } catch (err) {
        this.opts.log.warn(`cache invalidation: cannot drop local copies (${(err as Error).message ?? String(err)})`);
      }
    }
  }

  private warn(err: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < 60_000) return;
    this.lastWarning = now;
    this.opts.log.warn(
      `cache invalidation: Redis at ${redactedRedisUrl(this.opts.url)} is unreachable (${(err as Error).message ?? String(err)}): ` +
        'other hosts may serve their local copies of changed tiles',
    );
  }

  private connections(): Promise<{ pub: Redis; sub: Redis }> {
    return (this.conns ??= (async () => {
      const common = { connectTimeout: this.opts.connectTimeoutMs, retryStrategy: (n: number) => Math.min(100 * 2 ** n, 2000) };
      const pub = await openRedis(this.opts.url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
      const sub = await openRedis(this.opts.url, { ...common, maxRetriesPerRequest: null });
      sub.on('message', (channel: string, text: string) => {
        if (channel === this.channel) void this.receive(text);
      });
      await sub.subscribe(this.channel).catch((err: unknown) => this.warn(err));
      return { pub, sub };
    })());
  }

  async close(): Promise<void> {
    const conns = await this.conns?.catch(() => undefined);
    conns?.pub.disconnect();
    conns?.sub.disconnect();
  }
}

/** A cache that announces its changes after they are made. */
class InvalidatingCache implements TileCache {
  readonly lockId: string;
  readonly supportsTimestamps: boolean;

  constructor(
    private readonly inner: TileCache,
    private readonly announce: (msg: { coords?: readonly TileCoord[]; dims?: Dimensions; level?: number }) => void,
  ) {
    this.lockId = inner.lockId;
    this.supportsTimestamps = inner.supportsTimestamps;
  }

  load(coord: TileCoord, dims?: Dimensions): Promise<CachedTile | null> {
    return this.inner.load(coord, dims);
  }
  loadMany(coords: readonly TileCoord[], dims?: Dimensions): Promise<(CachedTile | null)[]> {
    return this.inner.loadMany(coords, dims);
  }
  isCached(coord: TileCoord, dims?: Dimensions): Promise<boolean> {
    return this.inner.isCached(coord, dims);
  }
  timestamp(coord: TileCoord, dims?: Dimensions): Promise<number | null> {
    return this.inner.timestamp(coord, dims);
  }
  tileName(coord: TileCoord, dims?: Dimensions): string {
    return this.inner.tileName(coord, dims);
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  async store(coord: TileCoord, data: Buffer, dims?: Dimensions): Promise<void> {
    await this.inner.store(coord, data, dims);
    this.announce({ coords: [coord], dims });
  }
  async storeMany(tiles: readonly TileToStore[], dims?: Dimensions): Promise<void> {
    // a partial failure still changed the tiles that were stored: announce them all
    try {
      await this.inner.storeMany(tiles, dims);
    } finally {
      this.announce({ coords: tiles.map((t) => t.coord), dims });
    }
  }
  async remove(coord: TileCoord, dims?: Dimensions): Promise<void> {
    await this.inner.remove(coord, dims);
    this.announce({ coords: [coord], dims });
  }
  async removeMany(coords: readonly TileCoord[], dims?: Dimensions): Promise<void> {
    await this.inner.removeMany(coords, dims);
    this.announce({ coords, dims });
  }
  async removeLevel(level: number, before: number, opts?: RemoveOptions): Promise<number | null> {
    const removed = await this.inner.removeLevel(level, before, opts);
    if (removed !== null && !opts?.dryRun) this.announce({ level });
    return removed;
  }
}
