import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { pyJoin } from '../config/paths.js';
import type { CacheBackend } from './backend.js';
import { MBTilesCache } from './mbtiles-cache.js';
import { type LevelFile, SqliteLevelFiles } from './sqlite-level-files.js';
import { levelDirectories, sqlitePermissions, sqliteSettings } from './sqlite-options.js';

export interface SqliteLevelCacheOptions {
  /** The grid's directory of level files (absolute). */
  directory: string;
  timeoutSeconds: number;
  wal: boolean;
  /** Tiles stored more than this many seconds ago count as missing (0: never). */
  ttl: number;
  directoryPermissions?: string;
  filePermissions?: string;
  log?: Pick<Console, 'error'>;
}

/**
 * `cache.type: sqlite`, MapProxy's MBTilesLevelCache: one MBTiles file per level, `<directory>/<level>.mbtiles`,
 * whose tiles carry their storage time (`last_modified`, local time, whole seconds), so refresh_before, ttl and
 * remove_before work; removing a whole level removes its file.
 */
export class SqliteLevelCache extends SqliteLevelFiles {
  readonly lockId: string;

  constructor(private readonly opts: SqliteLevelCacheOptions) {
    super();
    this.lockId = `sqlite-${createHash('md5').update(opts.directory, 'utf8').digest('hex')}`;
  }

  /**
   * `<level>.mbtiles` as MapProxy 7 names it; MapProxy 1.x named the files `<level>.mbtile`, and such a file, when it
   * is there and the new name is not, is the level's file: a cache directory of the old MapProxy keeps its tiles.
   */
  protected openLevel(level: number): LevelFile {
    const { directory, ...rest } = this.opts;
    const path = pyJoin(directory, `${level}.mbtiles`);
    const legacy = pyJoin(directory, `${level}.mbtile`);
    const file = !fs.existsSync(path) && fs.existsSync(legacy) ? legacy : path;
    return new MBTilesCache({ ...rest, path: file, timestamps: true, kind: 'sqlite cache' });
  }

  protected tileDirectory(): string {
    return this.opts.directory;
  }
}

/** `cache.type: sqlite` as configured. */
export interface SqliteBackendOptions {
  /** Directory of the level files per grid key. */
  gridDirectories: Record<string, string>;
  timeoutSeconds: number;
  wal: boolean;
  ttl: number;
  directoryPermissions?: string;
  filePermissions?: string;
}

export const sqliteBackend: CacheBackend<SqliteBackendOptions> = {
  type: 'sqlite',
  readOptions(r, ctx) {
    const ttl = r.int('ttl') ?? 0;
    if (ttl < 0) throw r.error('ttl', `expected a number of seconds >= 0, got ${ttl}`);
    return { gridDirectories: levelDirectories(r, ctx), ttl, ...sqliteSettings(r, ctx), ...sqlitePermissions(r, ctx) };
  },
  open(options, target) {
    const { gridDirectories, ...rest } = options;
    const directory = gridDirectories[target.gridKey];
    if (directory === undefined) throw new Error(`caches.${target.cacheName}: no directory for grid '${target.gridKey}'`);
    return new SqliteLevelCache({ ...rest, directory, log: target.log });
  },
};
