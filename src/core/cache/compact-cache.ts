import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { dirname, join } from 'node:path';
import { permissions } from '../config/globals.js';
import { pyJoin } from '../config/paths.js';
import type { TileCoord } from '../geo/grid.js';
import { FileLocks } from '../tiles/file-locks.js';
import type { CacheBackend } from './backend.js';
import { BasicTileCache, type CachedTile, type RemoveOptions, type TileToStore } from './cache.js';
import { CacheWriteError, describeWriteFailure } from './cache-write-error.js';
import { BUNDLE_GRID, ensureDirectory, type Bundle, type BundleModes, type BundleSlot } from './compact-bundle.js';
import { BundleV1 } from './compact-bundle-v1.js';
import { BundleV2 } from './compact-bundle-v2.js';

export type CompactVersion = 1 | 2;

export interface CompactCacheOptions {
  /** The directory holding the `Lzz` level directories. */
  directory: string;
  version: CompactVersion;
  /** The cache's name, for log messages. */
  name?: string;
  /** Mode of new bundle files, octal as in the YAML ('664'). */
  filePermissions?: string;
  /** Mode of new level directories, octal ('775'). */
  directoryPermissions?: string;
  /** How long a writer waits for a bundle's lock (MapProxy's FileLock: 60 s). */
  lockTimeoutMs?: number;
  /** The cross-process locks; one of its own by default. */
  locks?: FileLocks;
  log?: Pick<Console, 'error'>;
}

/** A damaged bundle is reported at most this often (a popular tile in it is asked for all the time). */
const DAMAGE_LOG_INTERVAL_MS = 60_000;

const pad2 = (n: number): string => String(n).padStart(2, '0');
const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

interface BundleGroup {
  readonly bundle: Bundle;
  readonly slots: BundleSlot[];
  /** Positions of the slots in the caller's list. */
  readonly positions: number[];
}

/**
 * MapProxy's `compact` cache: ArcGIS compact cache bundles of 128×128 tiles, `Lzz/RrrrrCcccc.bundle` (and a
 * `.bundlx` index for version 1), written append-only under MapProxy's per-bundle lock file, so MapProxy and
 * any number of our processes can write one bundle at once. Bundles keep no times: every stored tile is older
 * than any refresh or remove limit, as in MapProxy.
 */
export class CompactCache extends BasicTileCache {
  override readonly supportsTimestamps = false;
  readonly lockId: string;
  readonly directory: string;
  readonly version: CompactVersion;
  private readonly modes: BundleModes;
  private readonly locks: FileLocks;
  private readonly lockTimeoutMs: number;
  private readonly log: Pick<Console, 'error'>;
  private readonly name: string;
  private readonly damageLogged = new Map<string, number>();

  constructor(opts: CompactCacheOptions) {
    super();
    this.directory = opts.directory;
    this.version = opts.version;
    this.name = opts.name ?? opts.directory;
    this.modes = {
      fileMode: opts.filePermissions === undefined ? undefined : parseInt(opts.filePermissions, 8),
      dirMode: opts.directoryPermissions === undefined ? undefined : parseInt(opts.directoryPermissions, 8),
    };
    this.locks = opts.locks ?? new FileLocks();
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 60_000;
    this.log = opts.log ?? console;
    this.lockId = `compactcache-${createHash('md5').update(opts.directory, 'utf8').digest('hex')}`;
  }

  levelDirectory(level: number): string {
    return join(this.directory, `L${pad2(level)}`);
  }

  /** The bundle holding a tile and the tile's slot in it. */
  locate(coord: TileCoord): { bundle: Bundle; slot: BundleSlot } {
    const [x, y, z] = coord;
    const col0 = Math.floor(x / BUNDLE_GRID) * BUNDLE_GRID;
    const row0 = Math.floor(y / BUNDLE_GRID) * BUNDLE_GRID;
    const base = join(this.levelDirectory(z), `R${hex4(row0)}C${hex4(col0)}`);
    return { bundle: this.bundleAt(base, col0, row0), slot: { col: x - col0, row: y - row0 } };
  }

  /** The bundle at `base` (a path without extension) of the block starting at column `col0`, row `row0`. */
  bundleAt(base: string, col0: number, row0: number): Bundle {
    return this.version === 1 ? new BundleV1(base, col0, row0, this.modes) : new BundleV2(base, col0, row0, this.modes);
  }

  tileName(coord: TileCoord): string {
    const { bundle, slot } = this.locate(coord);
    return `${bundle.base}.bundle[${slot.col},${slot.row}]`;
  }

  load(coord: TileCoord): Promise<CachedTile | null> {
    return this.loadMany([coord]).then(([tile]) => tile ?? null);
  }

  /** One open and a few preads per bundle, synchronously as the file cache reads its hits. */
  override loadMany(coords: readonly TileCoord[]): Promise<(CachedTile | null)[]> {
    try {
      const out: (CachedTile | null)[] = coords.map(() => null);
      for (const group of this.groups(coords)) {
        const { tiles, damage } = group.bundle.read(group.slots);
        if (damage) this.reportDamage(group.bundle.base, damage);
        tiles.forEach((data, i) => {
          if (data) out[group.positions[i]!] = { data, timestamp: null, size: data.length };
        });
      }
      return Promise.resolve(out);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** A tile counts as cached when it can be read: an index entry pointing at damage does not count. */
  async isCached(coord: TileCoord): Promise<boolean> {
    return (await this.load(coord)) !== null;
  }

  /** MapProxy's load_tile_metadata: -1 for a stored tile, older than any limit. */
  override async timestamp(coord: TileCoord): Promise<number | null> {
    return (await this.isCached(coord)) ? -1 : null;
  }

  store(coord: TileCoord, data: Buffer): Promise<void> {
    return this.storeMany([{ coord, data }]);
  }

  /** The tiles of each bundle in one lock, one append and one index update (a meta tile is one or a few bundles). */
  override async storeMany(tiles: readonly TileToStore[]): Promise<void> {
    const groups = this.groups(tiles.map((t) => t.coord));
    const results = await Promise.allSettled(groups.map((g) => this.underLock(g, 'store', (bundle) =>
      bundle.append(g.slots.map((slot, i) => ({ slot, data: tiles[g.positions[i]!]!.data }))))));
    throwFailures(results, tiles.length === 1 ? 'tile' : `${tiles.length} tiles`);
  }

  remove(coord: TileCoord): Promise<void> {
    return this.removeMany([coord]);
  }

  /** Clears the tiles' index entries; the bytes stay in the bundle until it is defragmented, as in MapProxy. */
  override async removeMany(coords: readonly TileCoord[]): Promise<void> {
    const groups = this.groups(coords).filter((g) => g.bundle.files.every((f) => fs.existsSync(f)));
    const results = await Promise.allSettled(groups.map((g) => this.underLock(g, 'remove', (bundle) => bundle.clear(g.slots))));
    throwFailures(results, 'tiles');
  }

  /**
   * Every tile of a bundle is older than any limit (bundles keep no times), so a level goes as a whole: its
   * directory is removed, as MapProxy's remove_level_tiles_before does. Returns the number of tiles it held.
   */
  override async removeLevel(level: number, _before: number, opts: RemoveOptions = {}): Promise<number> {
    let removed = 0;
    for (const bundle of await this.levelBundles(level)) {
      removed += bundle.usage().tiles;
      for (const f of bundle.files) opts.onRemove?.(f);
    }
    if (!opts.dryRun) await fs.promises.rm(this.levelDirectory(level), { recursive: true, force: true });
    return removed;
  }

  /** The coordinates grouped by bundle. */
  private groups(coords: readonly TileCoord[]): BundleGroup[] {
    const byBase = new Map<string, BundleGroup>();
    coords.forEach((coord, position) => {
      const { bundle, slot } = this.locate(coord);
      let group = byBase.get(bundle.base);
      if (!group) byBase.set(bundle.base, (group = { bundle, slots: [], positions: [] }));
      group.slots.push(slot);
      group.positions.push(position);
    });
    return [...byBase.values()];
  }

  /**
   * Runs `write` holding the bundle's lock file (MapProxy's `<bundle>.lck`), which every writer of the bundle,
   * MapProxy's included, holds while it writes. Makes the level directory first, with its configured mode.
   */
  async withBundleLock<T>(bundle: Bundle, write: () => Promise<T>): Promise<T> {
    await ensureDirectory(dirname(bundle.base), this.modes.dirMode);
    const lock = await this.locks.acquire([bundle.lockFile], { timeoutMs: this.lockTimeoutMs, release: 'unlink' });
    try {
      return await write();
    } finally {
      await lock.release();
    }
  }

  /** The bundles of a level: each `RrrrrCcccc.bundle` of its directory. */
  async levelBundles(level: number): Promise<Bundle[]> {
    const dir = this.levelDirectory(level);
    let names: string[];
    try {
      names = await fs.promises.readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names.sort().flatMap((name) => {
      const m = /^R([0-9a-f]{4,})C([0-9a-f]{4,})\.bundle$/i.exec(name);
      return m ? [this.bundleAt(join(dir, name.slice(0, -'.bundle'.length)), parseInt(m[2]!, 16), parseInt(m[1]!, 16))] : [];
    });
  }

  /** Runs a write under the bundle's lock; failures become CacheWriteErrors naming the bundle. */
  private async underLock(group: BundleGroup, what: 'store' | 'remove', write: (bundle: Bundle) => Promise<void>): Promise<void> {
    const file = `${group.bundle.base}.bundle`;
    try {
      await this.withBundleLock(group.bundle, () => write(group.bundle));
    } catch (err) {
      const tiles = group.slots.length === 1 ? 'tile' : `${group.slots.length} tiles`;
      const verb = what === 'store' ? `cannot store ${tiles} in` : `cannot remove ${tiles} from`;
      throw new CacheWriteError(`${verb} compact bundle ${file}: ${describeWriteFailure(err)}`, { cause: err });
    }
  }

  private reportDamage(base: string, damage: string): void {
    const now = Date.now();
    const last = this.damageLogged.get(base);
    if (last !== undefined && now - last < DAMAGE_LOG_INTERVAL_MS) return;
    this.damageLogged.set(base, now);
    this.log.error(`cache ${this.name}: compact bundle ${base}.bundle is damaged: ${damage}; its unreadable tiles count as missing`);
  }
}

/** One error when one write failed, an AggregateError when several did. */
function throwFailures(results: readonly PromiseSettledResult<void>[], what: string): void {
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) throw new AggregateError(failed, `${what}: ${failed.length} of ${results.length} bundles not written`);
}

/** `cache.type: compact` as configured: the bundle directory of each grid and how files are created. */
export interface CompactBackendOptions {
  version: CompactVersion;
  /** Bundle directory per grid key: `cache.directory`, else `<cache_dir>/<cache>/<grid name>`. */
  gridDirectories: Record<string, string>;
  directoryPermissions?: string;
  filePermissions?: string;
}

export const compactBackend: CacheBackend<CompactBackendOptions> = {
  type: 'compact',
  readOptions(r, ctx) {
    const version = r.get('version');
    if (version === undefined || version === null) throw r.error('version', 'missing required value (expected 1 or 2)');
    if (version !== 1 && version !== 2) throw r.error('version', `compact cache only supports version 1 or 2, got ${JSON.stringify(version)}`);
    const directory = r.str('directory');
    const hasDirectory = directory !== undefined && directory !== '';
    if (hasDirectory && ctx.grids.length > 1) {
      throw r.error('directory', `a single directory cannot hold several grids (${ctx.grids.map((g) => g.key).join(', ')}); remove cache.directory or use one grid`);
    }
    const gridDirectories: Record<string, string> = {};
    for (const g of ctx.grids) gridDirectories[g.key] = hasDirectory ? ctx.cacheDir : pyJoin(ctx.cacheDir, ctx.cacheName, g.name);
    const out: CompactBackendOptions = { version, gridDirectories };
    const dp = permissions(r, 'directory_permissions') ?? ctx.globals.cache.directoryPermissions;
    const fp = permissions(r, 'file_permissions') ?? ctx.globals.cache.filePermissions;
    if (dp !== undefined) out.directoryPermissions = dp;
    if (fp !== undefined) out.filePermissions = fp;
    return out;
  },
  open(options, target) {
    const directory = options.gridDirectories[target.gridKey];
    if (directory === undefined) throw new Error(`caches.${target.cacheName}: no directory for grid '${target.gridKey}'`);
    return new CompactCache({
      directory,
      version: options.version,
      name: target.cacheName,
      log: target.log,
      filePermissions: options.filePermissions,
      directoryPermissions: options.directoryPermissions,
    });
  },
};
