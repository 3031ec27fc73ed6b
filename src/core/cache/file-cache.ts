import { createHash, randomInt } from 'node:crypto';
import fs from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { permissions } from '../config/globals.js';
import { pyJoin } from '../config/paths.js';
import type { LinkSingleColorImages } from '../config/types.js';
import type { TileCoord } from '../geo/grid.js';
import type { CacheBackend } from './backend.js';
import { BasicTileCache, type CachedTile, type Dimensions, type RemoveOptions } from './cache.js';
import { CacheWriteError, describeWriteFailure } from './cache-write-error.js';
import { cleanupDirectory, removeIfEmpty } from './cleanup-directory.js';
import { makeDirectoriesSync } from './make-directories.js';
import { DIRECTORY_LAYOUTS, type DirectoryLayout, tilePath } from './paths.js';
import { singleColorName, singleColorOfTile, type TileColor } from './single-color-tile.js';

export interface FileCacheOptions {
  /** The cache directory itself (already resolved: `directory`, or `<base_dir>/<cache>_<EPSGnnnn>` …). */
  directory: string;
  layout?: DirectoryLayout;
  /** File extension of the tiles, without dot ('png', 'jpeg'). */
  ext: string;
  /** Mode of new tile files: a number or an octal string as in the YAML ('664'). Default 0o664 minus umask. */
  filePermissions?: number | string;
  /** Mode of new directories: a number or an octal string ('775'). Default 0o777 minus umask. */
  directoryPermissions?: number | string;
  /**
   * Store each tile of one colour once, in `single_color_tiles/`, and link the tile to it: a relative symlink
   * (true, 'symlink') or a hard link ('hardlink'). Default false.
   */
  linkSingleColorImages?: LinkSingleColorImages;
  /**
   * The cache's images have alpha (MapProxy's RGBA mode): single colour files are named with four components.
   * Unknown (undefined): read from each tile.
   */
  transparent?: boolean;
}

const parseMode = (mode: number | string | undefined): number | undefined =>
  mode === undefined || mode === null ? undefined : typeof mode === 'number' ? mode : parseInt(mode, 8);

/** How many tile directories a cache remembers (a few hundred meta tiles' worth) before it starts afresh. */
const KNOWN_DIRECTORIES = 4096;

const isErrno = (err: unknown, code: string): boolean => (err as NodeJS.ErrnoException | null)?.code === code;

/**
 * One file per tile, in MapProxy's directory layouts (cache/file.py), so a cache directory can be
 * shared with or taken over from MapProxy.
 */
export class FileCache extends BasicTileCache {
  readonly lockId: string;
  readonly directory: string;
  readonly layout: DirectoryLayout;
  readonly ext: string;
  private readonly fileMode?: number;
  private readonly dirMode?: number;
  readonly links: 'symlink' | 'hardlink' | null;
  private readonly transparent?: boolean;
  /**
   * Tile directories this process made or wrote to lately: their tiles are written without looking first. A
   * directory removed since (a cleanup) fails the write with ENOENT, which makes it again (writeInDirectory).
   */
  private readonly knownDirectories = new Set<string>();
  /** Single colour files being written by this process: the tiles of one meta tile share one write. */
  private readonly sharedWrites = new Map<string, Promise<void>>();

  constructor(opts: FileCacheOptions) {
    super();
    this.directory = opts.directory;
    this.layout = opts.layout ?? 'tc';
    this.ext = opts.ext;
    this.fileMode = parseMode(opts.filePermissions);
    this.dirMode = parseMode(opts.directoryPermissions);
    const link = opts.linkSingleColorImages ?? false;
    this.links = link === false ? null : link === 'hardlink' ? 'hardlink' : 'symlink';
    if (opts.transparent !== undefined) this.transparent = opts.transparent;
    this.lockId = createHash('md5').update(opts.directory, 'utf8').digest('hex');
    // fail at construction, not on the first request, for an unknown layout
    tilePath(this.layout, this.directory, [0, 0, 0], this.ext);
  }

  tileLocation(coord: TileCoord, dims?: Dimensions): string {
    return tilePath(this.layout, this.directory, coord, this.ext, dims);
  }

  tileName(coord: TileCoord, dims?: Dimensions): string {
    return this.tileLocation(coord, dims);
  }

  /**
   * A tile hit reads a file of a few kilobytes, almost always from the page cache. Done synchronously it
   * costs a few microseconds of syscalls; done through libuv's thread pool it costs four hand-offs between
   * threads (open, fstat, read, close), which on a busy worker is most of the time of a hit. MapProxy reads
   * synchronously too. Writes are synchronous as well (writeAtomic).
   */
  load(coord: TileCoord, dims?: Dimensions): Promise<CachedTile | null> {
    const location = this.tileLocation(coord, dims);
    let fd: number;
    try {
      fd = fs.openSync(location, 'r');
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return Promise.resolve(null);
      return Promise.reject(err);
    }
    try {
      const st = fs.fstatSync(fd, { bigint: true });
      const size = Number(st.size);
      // No image is zero bytes long: such a file is what a non-atomic writer (or a crash before its data
      // reached the disk) leaves behind. It counts as missing, so the tile is created again and replaced.
      if (size === 0) return Promise.resolve(null);
      const data = Buffer.allocUnsafe(size);
      let offset = 0;
      while (offset < size) {
        const n = fs.readSync(fd, data, offset, size - offset, offset);
        if (n === 0) break; // the file shrank under us (a non-atomic writer): serve what is there
        offset += n;
      }
      const timestamp = this.links ? this.linkMtime(location) ?? pythonMtime(st.mtimeNs) : pythonMtime(st.mtimeNs);
      return Promise.resolve({ data: offset < size ? data.subarray(0, offset) : data, timestamp, size: offset });
    } catch (err) {
      return Promise.reject(err);
    } finally {
      fs.closeSync(fd);
    }
  }

  override async timestamp(coord: TileCoord, dims?: Dimensions): Promise<number | null> {
    const location = this.tileLocation(coord, dims);
    try {
      const st = await fs.promises.stat(location, { bigint: true });
      if (st.size === 0n) return null;
      return this.links ? this.linkMtime(location) ?? pythonMtime(st.mtimeNs) : pythonMtime(st.mtimeNs);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null;
      throw err;
    }
  }

  isCached(coord: TileCoord, dims?: Dimensions): Promise<boolean> {
    const location = this.tileLocation(coord, dims);
    // a zero-length file is no tile (see load)
    return new Promise((resolve) => fs.stat(location, (err, st) => resolve(!err && st.size > 0)));
  }

  /**
   * Write to a unique temporary file next to the tile, then rename over it (as MapProxy's write_atomic).
   * Any failure (a full disk, a read-only mount) rejects with CacheWriteError and leaves nothing behind:
   * the temporary file is removed, and the tile's own name only ever holds a complete file.
   */
  async store(coord: TileCoord, data: Buffer, dims?: Dimensions): Promise<void> {
    const location = this.tileLocation(coord, dims);
    try {
      const color = this.links ? await singleColorOfTile(data, this.transparent) : null;
      if (color) await this.storeLinked(location, data, color);
      else this.writeInDirectory(location, data);
    } catch (err) {
      throw new CacheWriteError(`cannot store tile ${location}: ${describeWriteFailure(err)}`, { cause: err });
    }
  }

  /** `single_color_tiles/<rrggbb[aa]>.<ext>` in the cache directory (MapProxy's _single_color_tile_location). */
  singleColorLocation(color: TileColor): string {
    return join(this.directory, 'single_color_tiles', `${singleColorName(color)}.${this.ext}`);
  }

  /**
   * The tile becomes a link to the colour's shared file, which is written first when it does not exist (MapProxy's
   * _store_single_color_tile). MapProxy unlinks the old tile and then links; here the link is made under a
   * temporary name and renamed over the tile, so readers see the old tile or the new link, never no tile.
   */
  private async storeLinked(location: string, data: Buffer, color: TileColor): Promise<void> {
    const shared = this.singleColorLocation(color);
    await this.writeShared(shared, data);
    await this.inDirectory(location, () => this.linkAtomic(shared, location));
  }

  /**
   * Checked on every store, as MapProxy does: a shared file someone removed is written again rather than linked
   * to. Concurrent stores of one colour in this process share one write.
   */
  private writeShared(shared: string, data: Buffer): Promise<void> {
    let pending = this.sharedWrites.get(shared);
    if (!pending) {
      pending = fs.promises.stat(shared).then(
        () => undefined,
        async () => this.writeInDirectory(shared, data),
      ).finally(() => this.sharedWrites.delete(shared));
      this.sharedWrites.set(shared, pending);
    }
    return pending;
  }

  private async linkAtomic(shared: string, location: string): Promise<void> {
    const tmp = `${location}.tmp-${randomInt(0, 100_000_000)}`;
    if (this.links === 'hardlink') await fs.promises.link(shared, tmp);
    else await fs.promises.symlink(relative(dirname(location), shared), tmp);
    try {
      await fs.promises.rename(tmp, location);
    } finally {
      // rename leaves both names when they already are hard links of one file (the tile was linked before)
      await fs.promises.unlink(tmp).catch(() => {});
    }
  }

  /** Runs a write; when its directory is missing, makes it (with the configured mode) and runs it again. */
  private async inDirectory(location: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      this.ensureDirectory(dirname(location));
      await write();
    }
  }

  /**
   * writeAtomic, making a missing directory first, all synchronous: the tiles of a meta tile are stored one after
   * the other (storeMany starts every store at once, and none waits), so the first tile of a new directory makes
   * it and the others find it, one mkdir per directory. The directory made through the thread pool instead cost
   * one round trip per tile, queued behind the meta tile's encoding jobs: 4-30 ms for a new meta tile.
   */
  private writeInDirectory(location: string, data: Buffer): void {
    const dir = dirname(location);
    if (!this.knownDirectories.has(dir)) {
      // A new meta tile's tiles mostly go to new directories: one cheap look saves a failed open (and the
      // exception it throws) before the mkdir.
      if (!fs.existsSync(dir)) this.ensureDirectory(dir);
      if (this.knownDirectories.size >= KNOWN_DIRECTORIES) this.knownDirectories.clear();
      this.knownDirectories.add(dir);
    }
    try {
      this.writeAtomic(location, data);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      this.ensureDirectory(dirname(location));
      this.writeAtomic(location, data);
    }
  }

  /**
   * The time of the tile's own directory entry, not of the file a symlink points to (MapProxy's lstat): a linked
   * tile is as old as its link, not as the first tile of its colour. Null when it is gone.
   */
  private linkMtime(location: string): number | null {
    try {
      return pythonMtime(fs.lstatSync(location, { bigint: true }).mtimeNs);
    } catch {
      return null;
    }
  }

  async remove(coord: TileCoord, dims?: Dimensions): Promise<void> {
    try {
      await fs.promises.unlink(this.tileLocation(coord, dims));
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }

  /** Removes the files, then the directories this left empty (never the cache directory itself). */
  override async removeMany(coords: readonly TileCoord[], dims?: Dimensions): Promise<void> {
    await Promise.all(coords.map((c) => this.remove(c, dims)));
    const dirs = new Set<string>();
    for (const c of coords) {
      const root = this.directory;
      for (let d = dirname(this.tileLocation(c, dims)); d.length > root.length && !relative(root, d).startsWith('..'); d = dirname(d)) dirs.add(d);
    }
    const deepestFirst = [...dirs].sort((a, b) => b.split(sep).length - a.split(sep).length);
    for (const d of deepestFirst) await removeIfEmpty(d);
  }

  /** Layouts with a directory per level remove that directory's old files (MapProxy's level_location). */
  override async removeLevel(level: number, before: number, opts: RemoveOptions = {}): Promise<number | null> {
    const dir = this.levelDirectory(level);
    return dir === null ? null : cleanupDirectory(dir, before, opts);
  }

  /** The directory holding all tiles of a level, for layouts that have one. */
  levelDirectory(level: number): string | null {
    const pad2 = String(level).padStart(2, '0');
    switch (this.layout) {
      case 'tc':
      case 'mp':
        return join(this.directory, pad2);
      case 'tms':
        return join(this.directory, String(level));
      case 'arcgis':
        return join(this.directory, `L${pad2}`);
      default:
        return null;
    }
  }

  /**
   * Synchronous, like load: a tile of a few kilobytes is four syscalls on the page cache (open, write, close,
   * rename), tens of microseconds. Through the thread pool each is a hand-off and a FileHandle, which cost twice
   * the CPU of the write itself (3.6 against 1.8 ms for the 16 tiles of a meta tile), and CPU is what seeding
   * and cold misses share with the upstream.
   */
  private writeAtomic(location: string, data: Buffer): void {
    const tmp = `${location}.tmp-${randomInt(0, 100_000_000)}`;
    let fd: number | undefined;
    let created = false;
    try {
      fd = fs.openSync(tmp, 'wx', 0o664);
      created = true;
      if (this.fileMode !== undefined) fs.fchmodSync(fd, this.fileMode);
      for (let written = 0; written < data.length; ) written += fs.writeSync(fd, data, written, data.length - written);
      // close reports delayed write errors (NFS, quotas): only a file closed without error is renamed
      const closing = fd;
      fd = undefined;
      fs.closeSync(closing);
      fs.renameSync(tmp, location);
    } catch (err) {
      if (fd !== undefined) {
        try {
          fs.closeSync(fd);
        } catch {
          // the write's error is the one to report
        }
      }
      // when open failed (ENOENT: no directory yet), there is nothing to remove
      if (created) {
        try {
          fs.unlinkSync(tmp);
        } catch {
          // removed already
        }
      }
      throw err;
    }
  }

  /** Synchronous, as the writes that need it (writeInDirectory). */
  private ensureDirectory(dir: string): void {
    const first = makeDirectoriesSync(dir);
    if (first === undefined || this.dirMode === undefined) return;
    // mkdir's mode is masked by the umask; chmod every directory we created to the configured mode
    let d = dir;
    const created: string[] = [];
    while (d.length >= first.length) {
      created.push(d);
      if (d === first) break;
      d = dirname(d);
    }
    for (const c of created.reverse()) {
      try {
        fs.chmodSync(c, this.dirMode);
      } catch {
        // the directory is usable with the umask's mode
      }
    }
  }
}

/**
 * A file's mtime in seconds exactly as Python's `os.stat().st_mtime` computes it (seconds + nanoseconds·1e-9 in
 * doubles), so the ETag of a tile (md5 of the timestamp's str()) is the one MapProxy sends for the same file.
 */
export function pythonMtime(mtimeNs: bigint): number {
  return Number(mtimeNs / 1_000_000_000n) + Number(mtimeNs % 1_000_000_000n) * 1e-9;
}

/** `cache.type: file` as configured: the tile directory of each grid and how files are laid out and created. */
export interface FileBackendOptions {
  directoryLayout: DirectoryLayout;
  /** `cache.directory` (absolute) when configured: tiles go right there (only allowed with one grid). */
  directory?: string;
  useGridNames: boolean;
  /** Tile directory per grid key: directory | base/name/gridName | base/name_EPSGxxxx. */
  gridDirectories: Record<string, string>;
  directoryPermissions?: string;
  filePermissions?: string;
  /** `link_single_color_images` of the cache or of `globals.cache`, when set. */
  linkSingleColorImages?: 'symlink' | 'hardlink';
}

export const fileBackend: CacheBackend<FileBackendOptions> = {
  type: 'file',
  supportsDimensions: true,
  readOptions(r, ctx) {
    const layout = r.oneOf('directory_layout', DIRECTORY_LAYOUTS) ?? 'tc';
    const useGridNames = r.bool('use_grid_names') ?? false;
    const directory = r.str('directory');
    const hasDirectory = directory !== undefined && directory !== '';
    if (hasDirectory && ctx.grids.length > 1) {
      throw r.error('directory', `a single directory cannot hold several grids (${ctx.grids.map((g) => g.key).join(', ')}); remove cache.directory or use one grid`);
    }
    const gridDirectories: Record<string, string> = {};
    for (const g of ctx.grids) {
      if (hasDirectory) gridDirectories[g.key] = ctx.cacheDir;
      else if (useGridNames) gridDirectories[g.key] = pyJoin(ctx.cacheDir, ctx.cacheName, g.name);
      else gridDirectories[g.key] = pyJoin(ctx.cacheDir, `${ctx.cacheName}_${g.srs.replace(/:/g, '')}`);
    }
    const out: FileBackendOptions = { directoryLayout: layout, useGridNames, gridDirectories };
    if (hasDirectory) out.directory = ctx.cacheDir;
    const dp = permissions(r, 'directory_permissions') ?? ctx.globals.cache.directoryPermissions;
    const fp = permissions(r, 'file_permissions') ?? ctx.globals.cache.filePermissions;
    if (dp !== undefined) out.directoryPermissions = dp;
    if (fp !== undefined) out.filePermissions = fp;
    const link = ctx.linkSingleColorImages;
    if (link !== false && process.platform === 'win32') {
      r.ctx.warn(r.path, 'link_single_color_images is not supported on Windows; single colour tiles are stored as files');
    } else if (link !== false) {
      out.linkSingleColorImages = link === 'hardlink' ? 'hardlink' : 'symlink';
    }
    return out;
  },
  open(options, target) {
    const directory = options.gridDirectories[target.gridKey];
    if (directory === undefined) throw new Error(`caches.${target.cacheName}: no directory for grid '${target.gridKey}'`);
    return new FileCache({
      directory,
      layout: options.directoryLayout,
      ext: target.fileExt,
      filePermissions: options.filePermissions,
      directoryPermissions: options.directoryPermissions,
      linkSingleColorImages: options.linkSingleColorImages ?? false,
      transparent: target.transparent,
    });
  },
};
