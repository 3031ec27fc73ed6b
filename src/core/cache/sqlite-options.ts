import type { MapReader } from '../config/config-reader.js';
import { permissions } from '../config/globals.js';
import { pyJoin } from '../config/paths.js';
import type { CacheReadContext } from './backend.js';

/**
 * The file of a one-file cache (mbtiles, geopackage) as MapProxy resolves `filename`: `./name` is relative to the
 * configuration's directory, anything else joins the cache directory (an absolute name stands as it is).
 */
export function cacheFilePath(r: MapReader, ctx: CacheReadContext, defaultName: string): string {
  const filename = r.str('filename') || defaultName;
  // MapProxy joins without normalising ('/etc/mapproxy/./x.mbtiles'); the lock id is the md5 of that string
  return pyJoin(filename.startsWith('./') ? ctx.configDir : ctx.cacheDir, filename);
}

/**
 * The directory of a cache with one file per level (sqlite, geopackage with `levels`), one per grid: `directory`
 * itself or the cache directory plus the cache's name, then the grid's name (MapProxy's cache_dir for these types).
 */
export function levelDirectories(r: MapReader, ctx: CacheReadContext): Record<string, string> {
  const directory = r.str('directory');
  const out: Record<string, string> = {};
  for (const g of ctx.grids) {
    out[g.key] = directory ? pyJoin(ctx.cacheDir, g.name) : pyJoin(ctx.cacheDir, ctx.cacheName, g.name);
  }
  return out;
}

/** `sqlite_timeout` and `sqlite_wal` of the cache, else of `globals.cache` (MapProxy's get_value). */
export function sqliteSettings(r: MapReader, ctx: CacheReadContext): { timeoutSeconds: number; wal: boolean } {
  const timeoutSeconds = r.num('sqlite_timeout') ?? ctx.globals.cache.sqliteTimeout;
  if (timeoutSeconds < 0) throw r.error('sqlite_timeout', `expected a number of seconds >= 0, got ${timeoutSeconds}`);
  return { timeoutSeconds, wal: r.bool('sqlite_wal') ?? ctx.globalCache.bool('sqlite_wal') ?? false };
}

/** `directory_permissions` and `file_permissions` of the cache, else of `globals.cache`. */
export function sqlitePermissions(r: MapReader, ctx: CacheReadContext): { directoryPermissions?: string; filePermissions?: string } {
  const out: { directoryPermissions?: string; filePermissions?: string } = {};
  const dp = permissions(r, 'directory_permissions') ?? ctx.globals.cache.directoryPermissions;
  const fp = permissions(r, 'file_permissions') ?? ctx.globals.cache.filePermissions;
  if (dp !== undefined) out.directoryPermissions = dp;
  if (fp !== undefined) out.filePermissions = fp;
  return out;
}
