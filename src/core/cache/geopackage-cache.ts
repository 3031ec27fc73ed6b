import { createHash } from 'node:crypto';
import { pyJoin } from '../config/paths.js';
import { epsgNumber } from '../geo/epsg.js';
import type { TileGrid } from '../geo/grid.js';
import type { CacheBackend } from './backend.js';
import { SqliteDatabase } from './sqlite-database.js';
import { sqliteCode } from './sqlite-errors.js';
import { SqliteFileCache } from './sqlite-file-cache.js';
import { createGeopackageTileSet, type GeopackageTileSet, hasGeopackageTileSet, verifyGeopackageTileSet } from './sqlite-geopackage-tables.js';
import { type LevelFile, SqliteLevelFiles } from './sqlite-level-files.js';
import { cacheFilePath, levelDirectories, sqlitePermissions } from './sqlite-options.js';
import { SqliteTileTable } from './sqlite-tile-table.js';

/** MapProxy's _check_table_name: the name is put into SQL in brackets. */
const TABLE_NAME = /^[a-zA-Z0-9_-]+$/;

export interface GeopackageCacheOptions {
  /** The .gpkg file (absolute). */
  path: string;
  /** The tile table in it. */
  table: string;
  grid: TileGrid;
  timeoutSeconds: number;
  directoryPermissions?: string;
  filePermissions?: string;
  log?: Pick<Console, 'error'>;
}

function tileSet(table: string, grid: TileGrid): GeopackageTileSet {
  if (!TABLE_NAME.test(table)) throw new Error(`geopackage table name '${table}' may only hold letters, digits, '_' and '-'`);
  const epsg = epsgNumber(grid.srs.code);
  if (epsg === null) throw new Error(`a GeoPackage needs an EPSG code; the grid ${grid.name} is in ${grid.srs.code}`);
  return { table, grid, epsg, bbox: grid.bbox };
}

/**
 * One tile table of a GeoPackage file (MapProxy's GeopackageCache): the file gets the core tables, the tile
 * matrix set and the tile matrix of the grid as MapProxy writes them, so GDAL and QGIS open it; rows are in the
 * grid's own origin as MapProxy stores them. A file whose table was made for another grid is refused when the
 * cache opens. GeoPackage tiles carry no times.
 */
export class GeopackageCache extends SqliteFileCache {
  readonly lockId: string;

  constructor(opts: GeopackageCacheOptions) {
    const set = tileSet(opts.table, opts.grid);
    const db = new SqliteDatabase({
      path: opts.path,
      kind: 'geopackage cache',
      timeoutSeconds: opts.timeoutSeconds,
      // MapProxy 7 never puts a GeoPackage into WAL mode; concurrent writers wait for each other (sqlite_timeout)
      wal: false,
      filePermissions: opts.filePermissions,
      directoryPermissions: opts.directoryPermissions,
      isInitialized: (handle) => hasGeopackageTileSet(handle, set),
      initialize: (handle) => createGeopackageTileSet(handle, set),
      verify: (handle) => verifyGeopackageTileSet(handle, set, opts.path),
      log: opts.log,
    });
    super(db, new SqliteTileTable(db, { table: opts.table, timestamps: false, ttl: 0 }), false);
    this.lockId = `gpkg${createHash('md5').update(opts.path, 'utf8').digest('hex')}`;
  }

  /**
   * Opens the file, if it exists, and refuses one made for another grid (MapProxy checks when it loads the
   * configuration). A damaged file is not refused here: it is logged, and each request gets the service's error.
   */
  check(): this {
    try {
      this.db.check();
    } catch (err) {
      if (sqliteCode((err as Error).cause) === undefined) throw err;
    }
    return this;
  }
}

export interface GeopackageLevelCacheOptions extends Omit<GeopackageCacheOptions, 'path'> {
  /** The grid's directory of level files (absolute). */
  directory: string;
}

/** `levels: true`, MapProxy's GeopackageLevelCache: one GeoPackage per level, `<directory>/<level>.gpkg`. */
export class GeopackageLevelCache extends SqliteLevelFiles {
  readonly lockId: string;
  override readonly supportsTimestamps = false;

  constructor(private readonly opts: GeopackageLevelCacheOptions) {
    super();
    tileSet(opts.table, opts.grid);
    this.lockId = `gpkg-${createHash('md5').update(opts.directory, 'utf8').digest('hex')}`;
  }

  protected openLevel(level: number): LevelFile {
    const { directory, ...rest } = this.opts;
    return new GeopackageCache({ ...rest, path: pyJoin(directory, `${level}.gpkg`) });
  }

  protected tileDirectory(): string {
    return this.opts.directory;
  }
}

/** `cache.type: geopackage` as configured. */
export interface GeopackageBackendOptions {
  /** One file for all grids (a table each), or with `levels` a directory of level files per grid. */
  path: string;
  levels: boolean;
  gridDirectories: Record<string, string>;
  /** Tile table per grid key: `table_name`, else `<cache>_<grid name>`. */
  tables: Record<string, string>;
  timeoutSeconds: number;
  directoryPermissions?: string;
  filePermissions?: string;
}

export const geopackageBackend: CacheBackend<GeopackageBackendOptions> = {
  type: 'geopackage',
  readOptions(r, ctx) {
    const tableName = r.str('table_name');
    const tables: Record<string, string> = {};
    for (const g of ctx.grids) {
      const table = tableName || `${ctx.cacheName}_${g.name}`;
      if (!TABLE_NAME.test(table)) throw r.error('table_name', `the table name '${table}' may only hold letters, digits, '_' and '-'`);
      tables[g.key] = table;
    }
    return {
      path: cacheFilePath(r, ctx, `${ctx.cacheName}.gpkg`),
      levels: r.bool('levels') ?? false,
      gridDirectories: levelDirectories(r, ctx),
      tables,
      // MapProxy 7 takes no sqlite_timeout for GeoPackages (always its default of 30 s); globals.cache's applies
      timeoutSeconds: ctx.globals.cache.sqliteTimeout,
      ...sqlitePermissions(r, ctx),
    };
  },
  open(options, target) {
    const table = options.tables[target.gridKey];
    const directory = options.gridDirectories[target.gridKey];
    if (table === undefined || directory === undefined) throw new Error(`caches.${target.cacheName}: no table for grid '${target.gridKey}'`);
    const common = {
      table,
      grid: target.grid,
      timeoutSeconds: options.timeoutSeconds,
      directoryPermissions: options.directoryPermissions,
      filePermissions: options.filePermissions,
      log: target.log,
    };
    if (options.levels) return new GeopackageLevelCache({ ...common, directory });
    return new GeopackageCache({ ...common, path: options.path }).check();
  },
};
