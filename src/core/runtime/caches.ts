import { ClusterInvalidation, hasUpperCopies } from '../cache/cluster-invalidation.js';
import { NullCache } from '../cache/null-cache.js';
import type { TileCache } from '../cache/cache.js';
import { cacheBackend } from '../cache/registry.js';
import type { TileGrid } from '../geo/grid.js';
import { splitTaggedName } from '../config/references.js';
import type { CacheConfig, RefreshBeforeConfig } from '../config/types.js';
import { statSync } from 'node:fs';
import { MapExtent } from '../geo/extent.js';
import type { ImageGlobals } from '../image/format.js';
import { CacheMapLayer } from '../layer/cache-map-layer.js';
import { DecodedTiles } from '../layer/decoded-tiles.js';
import { PoolMapTurns } from '../layer/map-tiles.js';
import type { MapSource } from '../source/source.js';
import { SingleFlight } from '../tiles/single-flight.js';
import { CreationQueue } from '../tiles/creation-queue.js';
import { FileLocks } from '../tiles/file-locks.js';
import { TileLocker } from '../tiles/tile-locker.js';
import type { TileLock } from '../tiles/tile-lock.js';
import { RedisLeases } from '../tiles/redis-leases.js';
import { RedisTileLock } from '../tiles/redis-tile-lock.js';
import { TileManager } from '../tiles/tile-manager.js';
import { buildCoverage } from './coverage.js';
import { resolvedFormat } from './image-formats.js';
import { tileCreationOptions } from './tile-creation.js';
import { buildSource, type SourceContext } from './sources.js';

export interface CacheContext extends SourceContext {
  readonly imageGlobals: ImageGlobals;
  /** Single flight for tile creation, shared by every cache of this process. */
  readonly locks: SingleFlight;
  /** Bounds the tile creations of this process; created by the builder when absent. */
  readonly creationQueue?: CreationQueue;
}

/**
 * Builds caches on demand (a cache may be the source of another): each as a CacheMapLayer over
 * one TileManager per grid. Cycles are configuration errors.
 */
export class CacheBuilder {
  private readonly built = new Map<string, CacheMapLayer>();
  private readonly building = new Set<string>();
  private readonly opened: TileCache[] = [];
  /** The Redis leases of the cross-host tile lock, when configured. */
  private leases: RedisLeases | undefined;
  private invalidation: ClusterInvalidation | undefined;
  /** Per process, bounded by `server.decoded_tiles_mb`; none when that is 0. */
  private readonly decodedTiles: DecodedTiles | undefined;
  /** One per runtime, shared by its layers: turns of the maps drawn on the libuv pool (layer/map-tiles.ts). */
  private readonly poolTurns = new PoolMapTurns();

  private readonly ctx: CacheContext & { readonly fileLocks: FileLocks; readonly creationQueue: CreationQueue };

  constructor(ctx: CacheContext) {
    // one set of lock watchers and one creation queue per process (runtime), shared by all caches and sources
    this.ctx = { ...ctx, fileLocks: ctx.fileLocks ?? new FileLocks(), creationQueue: ctx.creationQueue ?? new CreationQueue() };
    const mb = ctx.config.server?.decodedTilesMb ?? DecodedTiles.DEFAULT_MB;
    this.decodedTiles = mb > 0 ? new DecodedTiles(mb * 1024 * 1024) : undefined;
  }

  get(name: string): CacheMapLayer {
    const existing = this.built.get(name);
    if (existing) return existing;
    const conf = this.ctx.config.caches[name];
    if (!conf) throw new Error(`cache '${name}' is not defined`);
    if (this.building.has(name)) throw new Error(`caches.${name}: the cache is (indirectly) its own source`);
    this.building.add(name);
    try {
      const layer = this.build(conf);
      this.built.set(name, layer);
      return layer;
    } finally {
      this.building.delete(name);
    }
  }

  /**
   * A name in a cache's `sources` (possibly tagged 'wms:l1,l2'): a source of that name wins over a
   * cache of the same name, as in MapProxy (a cache `osm` may draw from a source `osm`).
   */
  resolveCacheSource(ref: string): MapSource {
    const { name, layers } = splitTaggedName(ref);
    const source = this.ctx.config.sources[name];
    if (source) return buildSource(source, this.ctx, layers);
    if (this.ctx.config.caches[name]) {
      // the outer cache's creations will start the inner cache's creations inside their own queue slot
      this.ctx.creationQueue.allowNesting();
      return this.get(name);
    }
    throw new Error(`source '${name}' is not defined`);
  }

  /** A name in a layer's `sources`: here a cache wins over a source of the same name, as in MapProxy. */
  resolveLayerSource(ref: string): MapSource {
    const { name, layers } = splitTaggedName(ref);
    if (this.ctx.config.caches[name]) return this.get(name);
    const source = this.ctx.config.sources[name];
    if (!source) throw new Error(`source '${name}' is not defined`);
    return buildSource(source, this.ctx, layers);
  }

  private build(conf: CacheConfig): CacheMapLayer {
    const sources = conf.sources.map((s) => this.resolveCacheSource(s));
    const format = resolvedFormat(conf.format, this.ctx.imageGlobals, conf.image);
    const coverage = conf.coverage ? buildCoverage(conf.coverage) : undefined;
    const transparent = conf.image.transparent ?? sources.some((s) => s.transparent);
    const expireTimestamp = conf.refreshBefore ? expireFunction(conf.refreshBefore) : undefined;

    const managers = conf.grids.map((gridName) => {
      const grid = this.ctx.grids.get(gridName);
      if (!grid) throw new Error(`caches.${conf.name}.grids: grid '${gridName}' is not defined`);
      const cache = this.storage(conf, gridName, grid, transparent);
      return new TileManager({
        name: conf.name,
        grid,
        cache,
        sources,
        format,
        requestFormat: conf.requestFormat,
        ...tileCreationOptions(conf, sources, grid),
        minimizeMetaRequests: conf.minimizeMetaRequests,
        concurrentTileCreators: conf.concurrentTileCreators,
        expireTimestamp,
        locks: this.ctx.locks,
        coverage,
        tileLocker: conf.backend.type === 'disabled' ? undefined : this.acrossHosts(new TileLocker({
          lockDir: conf.tileLockDir,
          lockId: cache.lockId,
          timeout: this.ctx.config.globals.http.clientTimeout,
          locks: this.ctx.fileLocks,
        }), cache.lockId),
        creationQueue: this.ctx.creationQueue,
        metrics: this.ctx.metrics,
        log: this.ctx.log,
        transparent,
      });
    });
    const first = managers[0]?.grid;
    const extent = coverage ? coverage.extent : first ? new MapExtent(first.bbox, first.srs) : MapExtent.default();
    return new CacheMapLayer({
      managers,
      extent,
      coverageExtent: coverage?.extent,
      transparent,
      opacity: conf.image.opacity,
      maxTileLimit: conf.maxTileLimit,
      resampling: conf.image.resampling,
      preferredSrcProj: this.ctx.config.globals.srs.preferredSrcProj,
      decodedTiles: this.decodedTiles,
      poolTurns: this.poolTurns,
    });
  }

  private storage(conf: CacheConfig, gridKey: string, grid: TileGrid, transparent: boolean): TileCache {
    const backend = conf.backend;
    if (!('options' in backend)) return new NullCache(conf.name);
    const entry = cacheBackend(backend.type);
    if (!entry) throw new Error(`caches.${conf.name}.cache.type: unknown cache type '${backend.type}'`);
    const store = entry.open(backend.options, {
      cacheName: conf.name, gridKey, grid, fileExt: conf.fileExt, mimeType: conf.image.format ?? 'image/png', transparent, metrics: this.ctx.metrics, log: this.ctx.log,
    });
    this.opened.push(store);
    // with a cluster (tile_lock in Redis), per-host copies of a tiered cache follow the other hosts' changes
    const cluster = this.ctx.config.globals.cache.tileLock;
    if (cluster?.type !== 'redis' || !hasUpperCopies(store)) return store;
    this.invalidation ??= new ClusterInvalidation({ url: cluster.url, prefix: cluster.prefix, connectTimeoutMs: cluster.connectTimeout * 1000, log: this.ctx.log ?? console });
    return this.invalidation.wrap(store);
  }

  /** With `globals.cache.tile_lock: {type: redis}`, a lease in Redis after the lock files (one connection pair per process). */
  private acrossHosts(local: TileLocker, lockId: string): TileLock {
    const conf = this.ctx.config.globals.cache.tileLock;
    if (conf?.type !== 'redis') return local;
    const log = this.ctx.log ?? console;
    this.leases ??= new RedisLeases({ url: conf.url, prefix: conf.prefix, leaseMs: conf.lease * 1000, connectTimeoutMs: conf.connectTimeout * 1000, log });
    const waitMs = (conf.waitTimeout ?? this.ctx.config.globals.http.clientTimeout) * 1000;
    return new RedisTileLock({ local, leases: this.leases, lockId, waitMs, log });
  }

  /** Closes every store this builder opened (connections, database handles) and the tile lock's connections. */
  async close(): Promise<void> {
    // the rest of the meta tiles answered early is still being stored: finish (bounded) before closing the stores
    await this.ctx.creationQueue.idle(LATE_STORES_GRACE_MS);
    await Promise.allSettled([...this.opened.splice(0).map((s) => s.close()), this.leases?.close(), this.invalidation?.close()]);
  }
}

/** How long closing waits for tile creations still storing (a meta tile's store takes milliseconds). */
const LATE_STORES_GRACE_MS = 5000;

/** refresh_before as "tiles at or before this timestamp (s) are stale". */
function expireFunction(conf: RefreshBeforeConfig): () => number | null {
  switch (conf.type) {
    case 'time':
      return () => conf.timestamp;
    case 'age':
      return () => Date.now() / 1000 - conf.seconds;
    case 'mtime':
      return () => {
        try {
          return statSync(conf.file).mtimeMs / 1000;
        } catch {
          return null;
        }
      };
  }
}
