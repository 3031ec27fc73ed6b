import { createHash } from 'node:crypto';
import type { CacheBackend } from './backend.js';
import { SqliteDatabase, type SqliteHandle } from './sqlite-database.js';
import { SqliteFileCache } from './sqlite-file-cache.js';
import { cacheFilePath, sqlitePermissions, sqliteSettings } from './sqlite-options.js';
import { SqliteTileTable } from './sqlite-tile-table.js';

export interface MBTilesCacheOptions {
  /** The .mbtiles file (absolute). */
  path: string;
  timeoutSeconds: number;
  wal: boolean;
  /** MapProxy's with_timestamps: a `last_modified` column (the sqlite cache's level files). */
  timestamps?: boolean;
  /** With timestamps: tiles older than this many seconds count as missing (0: never). */
  ttl?: number;
  directoryPermissions?: string;
  filePermissions?: string;
  /** What the file is in messages (default 'mbtiles cache'). */
  kind?: string;
  log?: Pick<Console, 'error'>;
}

/**
 * The tables MapProxy's MBTilesCache creates: `tiles` (with `last_modified` in local time for the sqlite cache),
 * an empty `metadata` and the unique index on the coordinate. GDAL's MBTiles driver opens such a file.
 */
function createMBTilesTables(db: SqliteHandle, timestamps: boolean): void {
  const lastModified = timestamps ? `, last_modified datetime DEFAULT (datetime('now','localtime'))` : '';
  db.exec(`CREATE TABLE IF NOT EXISTS tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob${lastModified})`);
  db.exec('CREATE TABLE IF NOT EXISTS metadata (name text, value text)');
  db.exec('CREATE UNIQUE INDEX IF NOT EXISTS idx_tile on tiles (zoom_level, tile_column, tile_row)');
}

/** A file with a `tiles` table or view is an MBTiles file, whoever made it: it is used as it is. */
function hasTilesTable(db: SqliteHandle): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = 'tiles'`).get() !== undefined;
}

/**
 * All tiles of a grid in one MBTiles file (MapProxy's MBTilesCache), rows in the grid's own origin as MapProxy
 * stores them. An existing file of another tool is served as it is; when it cannot be written (a read-only file
 * or mount, a view over deduplicated images), tiles are still created and served, only storing them fails.
 */
export class MBTilesCache extends SqliteFileCache {
  readonly lockId: string;

  constructor(opts: MBTilesCacheOptions) {
    const timestamps = opts.timestamps ?? false;
    const db = new SqliteDatabase({
      path: opts.path,
      kind: opts.kind ?? 'mbtiles cache',
      timeoutSeconds: opts.timeoutSeconds,
      wal: opts.wal,
      filePermissions: opts.filePermissions,
      directoryPermissions: opts.directoryPermissions,
      isInitialized: hasTilesTable,
      initialize: (handle) => createMBTilesTables(handle, timestamps),
      log: opts.log,
    });
    super(db, new SqliteTileTable(db, { table: 'tiles', timestamps, ttl: timestamps ? (opts.ttl ?? 0) : 0 }), timestamps);
    this.lockId = `mbtiles-${createHash('md5').update(opts.path, 'utf8').digest('hex')}`;
  }
}

/** `cache.type: mbtiles` as configured. */
export interface MBTilesBackendOptions {
  /** The file (absolute): `filename` in the cache directory, `./name` relative to the configuration. */
  path: string;
  timeoutSeconds: number;
  wal: boolean;
  directoryPermissions?: string;
  filePermissions?: string;
}

export const mbtilesBackend: CacheBackend<MBTilesBackendOptions> = {
  type: 'mbtiles',
  readOptions(r, ctx) {
    // MapProxy puts every grid into the same file, where the tiles of one grid overwrite those of another
    if (ctx.grids.length > 1) {
      throw r.error('type', `one MBTiles file cannot hold several grids (${ctx.grids.map((g) => g.key).join(', ')}); use one grid per mbtiles cache`);
    }
    const path = cacheFilePath(r, ctx, `${ctx.cacheName}.mbtiles`);
    return { path, ...sqliteSettings(r, ctx), ...sqlitePermissions(r, ctx) };
  },
  open(options, target) {
    return new MBTilesCache({ ...options, log: target.log });
  },
};
