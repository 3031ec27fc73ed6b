import { MapReader, joinPath } from '../config/config-reader.js';
import { describeValue } from '../config/errors.js';
import { pyJoin } from '../config/paths.js';
import type { TileCoord } from '../geo/grid.js';
import { NO_METRICS, type CoreMetrics } from '../metrics.js';
import type { CacheBackend } from './backend.js';
import type { CachedTile, Dimensions, RemoveOptions, TileCache, TileToStore } from './cache.js';
import { WriteFailureLog } from './write-failure-log.js';

/**
 * Several stores behind one cache, the fastest first (a local file cache in front of a shared S3 bucket, say).
 * An extension of ours: MapProxy has no such cache type.
 *
 * Read through: a load asks the tiers in order and copies a tile found in a lower tier into the tiers above it,
 * without making the request wait for that copy. Written through: every store goes to every tier. A copy is ordered
 * before a later store of the same tile, so a re-created tile is never overwritten by the old one being copied.
 */
export class TieredCache implements TileCache {
  /** The lowest tier's: daemons that share only that tier share the identity of their tile locks. */
  readonly lockId: string;
  readonly supportsTimestamps: boolean;
  private readonly copyFailures: WriteFailureLog;
  /** Copies into upper tiers still running, by tile: a store of the same tile waits for them. */
  private readonly copies = new Map<string, Promise<void>>();
  private readonly log: Pick<Console, 'error' | 'warn'>;
  private lastLoadWarning = -Infinity;

  constructor(
    readonly tiers: readonly TileCache[],
    opts: { cacheName: string; metrics?: CoreMetrics; log?: Pick<Console, 'error' | 'warn'> },
  ) {
    if (tiers.length === 0) throw new Error(`cache ${opts.cacheName}: a tiered cache needs at least one tier`);
    this.lockId = tiers[tiers.length - 1]!.lockId;
    this.supportsTimestamps = tiers.every((t) => t.supportsTimestamps);
    this.log = opts.log ?? console;
    this.copyFailures = new WriteFailureLog({ cache: opts.cacheName, metrics: opts.metrics ?? NO_METRICS, log: this.log });
  }

  async load(coord: TileCoord, dims?: Dimensions): Promise<CachedTile | null> {
    const [tile] = await this.loadMany([coord], dims);
    return tile ?? null;
  }

  /**
   * Each tier is asked only for the tiles the tiers above it did not have. A tier that fails counts as a miss
   * (logged) as long as another tier answers; when every tier failed, the first error is the answer.
   */
  async loadMany(coords: readonly TileCoord[], dims?: Dimensions): Promise<(CachedTile | null)[]> {
    const out: (CachedTile | null)[] = coords.map(() => null);
    let missing = coords.map((_, i) => i);
    let firstError: unknown;
    let answered = false;
    for (let t = 0; t < this.tiers.length && missing.length > 0; t++) {
      let found: (CachedTile | null)[];
      try {
        found = await this.tiers[t]!.loadMany(missing.map((i) => coords[i]!), dims);
      } catch (err) {
        firstError ??= err;
        this.warnLoad(t, err);
        continue;
      }
      answered = true;
      const hits: TileToStore[] = [];
      missing = missing.filter((i, k) => {
        const tile = found[k];
        if (!tile) return true;
        out[i] = tile;
        hits.push({ coord: coords[i]!, data: tile.data });
        return false;
      });
      if (t > 0 && hits.length > 0) this.copyUp(this.tiers.slice(0, t), hits, dims);
    }
    if (!answered) throw firstError;
    return out;
  }

  async isCached(coord: TileCoord, dims?: Dimensions): Promise<boolean> {
    return (await this.firstAnswer((tier) => tier.isCached(coord, dims), (cached) => cached)) ?? false;
  }

  /** From the first tier that has the tile. */
  timestamp(coord: TileCoord, dims?: Dimensions): Promise<number | null> {
    return this.firstAnswer((tier) => tier.timestamp(coord, dims), (ts) => ts !== null).then((ts) => ts ?? null);
  }

  async store(coord: TileCoord, data: Buffer, dims?: Dimensions): Promise<void> {
    await this.storeMany([{ coord, data }], dims);
  }

  /**
   * Every tier gets the tiles, whatever another tier does. Rejects as TileCache.storeMany says: one error when
   * nothing was stored anywhere, else an AggregateError of every failed tile write of every tier.
   */
  async storeMany(tiles: readonly TileToStore[], dims?: Dimensions): Promise<void> {
    await Promise.all(tiles.map((t) => this.copies.get(copyKey(t.coord, dims))));
    const results = await Promise.allSettled(this.tiers.map((tier) => attempt(() => tier.storeMany(tiles, dims))));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
    if (failed.length === 0) return;
    if (failed.length === this.tiers.length && !failed.some((e) => e instanceof AggregateError)) throw failed[0];
    const errors = failed.flatMap((e) => (e instanceof AggregateError ? e.errors : tiles.map(() => e)));
    throw new AggregateError(errors, `${errors.length} tile writes failed in ${failed.length} of ${this.tiers.length} tiers`);
  }

  remove(coord: TileCoord, dims?: Dimensions): Promise<void> {
    return this.everyTier((tier) => tier.remove(coord, dims));
  }

  removeMany(coords: readonly TileCoord[], dims?: Dimensions): Promise<void> {
    return this.everyTier((tier) => tier.removeMany(coords, dims));
  }

  /**
   * Quick only when every tier has a quick way; otherwise null, and the cleanup's tile by tile walk removes the
   * tiles from every tier (those with a quick way have already removed theirs). The count is the largest of the
   * tiers': one tile in two tiers is one tile removed.
   */
  async removeLevel(level: number, before: number, opts?: RemoveOptions): Promise<number | null> {
    const counts: (number | null)[] = [];
    await this.everyTier(async (tier) => void counts.push(await tier.removeLevel(level, before, opts)));
    return counts.includes(null) ? null : Math.max(0, ...(counts as number[]));
  }

  tileName(coord: TileCoord, dims?: Dimensions): string {
    return this.tiers.map((t) => t.tileName(coord, dims)).join(' + ');
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.copies.values()]);
    await this.everyTier((tier) => tier.close());
  }

  /** Fire and forget: the request has its tile; a failed copy is counted and logged, never thrown. */
  /**
   * Another host changed or removed these tiles in the lowest (shared) tier: the copies above it are dropped, after
   * any copy of them still running, so the next load copies the current tile up (cluster-invalidation.ts).
   */
  async dropUpperCopies(coords: readonly TileCoord[], dims?: Dimensions): Promise<void> {
    await Promise.all(coords.map((c) => this.copies.get(copyKey(c, dims))));
    await Promise.all(this.tiers.slice(0, -1).map((t) => t.removeMany(coords, dims)));
  }

  /** As dropUpperCopies for a whole level; false when a tier above the lowest has no quick way to drop one. */
  async dropUpperLevel(level: number): Promise<boolean> {
    await Promise.allSettled([...this.copies.values()]);
    const removed = await Promise.all(this.tiers.slice(0, -1).map((t) => t.removeLevel(level, Infinity)));
    return removed.every((n) => n !== null);
  }

  private copyUp(upper: readonly TileCache[], tiles: readonly TileToStore[], dims?: Dimensions): void {
    const copy = Promise.allSettled(upper.map((tier) => attempt(() => tier.storeMany(tiles, dims)))).then((results) => {
      for (const r of results) {
        if (r.status === 'fulfilled') continue;
        const errors = r.reason instanceof AggregateError ? r.reason.errors : [r.reason];
        for (const err of errors) this.copyFailures.failed(err, 'the tile stays in the lower tier only');
      }
    }).catch((err: unknown) => this.log.error(`tiered cache: copying tiles to the upper tiers: ${String(err)}`));
    for (const t of tiles) {
      const key = copyKey(t.coord, dims);
      const done = copy.finally(() => {
        if (this.copies.get(key) === done) this.copies.delete(key);
      });
      this.copies.set(key, done);
    }
  }

  /** The first tier's answer that `found` accepts; tiers that fail are skipped unless all fail. */
  private async firstAnswer<T>(ask: (tier: TileCache) => Promise<T>, found: (answer: T) => boolean): Promise<T | undefined> {
    let firstError: unknown;
    let answered = false;
    for (const [t, tier] of this.tiers.entries()) {
      let answer: T;
      try {
        answer = await ask(tier);
      } catch (err) {
        firstError ??= err;
        this.warnLoad(t, err);
        continue;
      }
      answered = true;
      if (found(answer)) return answer;
    }
    if (!answered) throw firstError;
    return undefined;
  }

  /** Runs `op` on every tier, all of them even when one fails; then rejects with the first failure. */
  private async everyTier(op: (tier: TileCache) => Promise<void>): Promise<void> {
    const results = await Promise.allSettled(this.tiers.map((tier) => attempt(() => op(tier))));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private warnLoad(tier: number, err: unknown): void {
    const now = Date.now();
    if (now - this.lastLoadWarning < 10_000) return;
    this.lastLoadWarning = now;
    this.log.warn(`tiered cache, tier ${tier}: ${(err as Error)?.message ?? String(err)}; asking the next tier`);
  }
}

/** A call that may throw before it returns its promise, as a promise. */
const attempt = <T>(call: () => Promise<T>): Promise<T> => Promise.resolve().then(call);

const copyKey = (coord: TileCoord, dims?: Dimensions): string => `${coord.join('/')}${dims ? JSON.stringify(dims) : ''}`;

/** `cache.type: tiered` as configured: each tier's type and the options its own backend read. */
export interface TieredBackendOptions {
  tiers: { type: string; options: unknown }[];
}

/** What the tiered backend needs of the registry: the other backends, which read and open the tiers. */
export interface BackendLookup {
  cacheBackend(type: string): CacheBackend | undefined;
  cacheTypes(): string[];
}

/**
 * The `tiered` entry of the registry. Each tier is read by its own backend, with the defaults it would have as
 * the cache's only backend (a file tier without `directory` goes to `<cache_dir>/<cache>_<EPSG>`), from
 * `caches.<name>.cache.tiers[i]`.
 */
export function tieredBackend(registry: BackendLookup): CacheBackend<TieredBackendOptions> {
  return {
    type: 'tiered',
    readOptions(r, ctx) {
      // the caller took `directory` for the cache's own directory; a tiered cache has none
      if (r.isSet('directory')) throw r.error('directory', 'a tiered cache keeps no tiles itself: set directory in its tiers');
      const list = r.list('tiers');
      if (!list || list.length === 0) throw r.error('tiers', 'a tiered cache needs a list of tiers, the fastest first');
      const tiers = list.map((item, i) => {
        const tr = MapReader.of(r.ctx, joinPath(r.keyPath('tiers'), i), item);
        const type = tr.str('type') ?? 'file';
        if (type === 'tiered') throw tr.error('type', 'a tier cannot itself be a tiered cache');
        const backend = registry.cacheBackend(type);
        if (!backend) {
          const known = registry.cacheTypes().filter((t) => t !== 'tiered');
          throw tr.error('type', `unknown cache type ${describeValue(type)} (expected ${known.join(', ')})`);
        }
        // MapProxy's cache_dir() of the tier, as the caller makes it for a cache's own backend; the key itself is
        // left to the tier's backend to read (or to report as unknown)
        const directory = tr.raw['directory'];
        const cacheDir = typeof directory === 'string' && directory !== '' ? pyJoin(ctx.configDir, directory) : ctx.cacheDir;
        const options = backend.readOptions(tr, { ...ctx, cacheDir });
        tr.finish();
        return { type, options };
      });
      const seen = new Map<string, number>();
      tiers.forEach((tier, i) => {
        const key = JSON.stringify(tier);
        const same = seen.get(key);
        if (same !== undefined) throw r.ctx.error(joinPath(r.keyPath('tiers'), i), `the same store as tiers[${same}] (set a directory, a bucket, a database of its own)`);
        seen.set(key, i);
      });
      return { tiers };
    },
    open(options, target) {
      const tiers = options.tiers.map(({ type, options: tierOptions }) => {
        const backend = registry.cacheBackend(type);
        if (!backend) throw new Error(`caches.${target.cacheName}.cache.tiers: unknown cache type '${type}'`);
        return backend.open(tierOptions, target);
      });
      return new TieredCache(tiers, { cacheName: target.cacheName, metrics: target.metrics, log: target.log });
    },
  };
}
