import type { TileCoord } from '../geo/grid.js';
import { BasicTileCache, type CachedTile, type RemoveOptions, type TileToStore } from './cache.js';
import type { SqliteDatabase } from './sqlite-database.js';
import type { SqliteTileTable } from './sqlite-tile-table.js';
import type { LevelFile } from './sqlite-level-files.js';

/**
 * A cache in one SQLite file with one tile table (MBTiles, a GeoPackage table): every operation is one statement
 * or one transaction on the file's connection. The calls are synchronous (better-sqlite3); a tile lookup takes
 * microseconds, a wait for another writer's lock at most sqlite_timeout.
 */
export abstract class SqliteFileCache extends BasicTileCache implements LevelFile {
  abstract override readonly lockId: string;
  override readonly supportsTimestamps: boolean;
  readonly path: string;

  protected constructor(
    protected readonly db: SqliteDatabase,
    protected readonly table: SqliteTileTable,
    timestamps: boolean,
  ) {
    super();
    this.path = db.path;
    this.supportsTimestamps = timestamps;
  }

  async load(coord: TileCoord): Promise<CachedTile | null> {
    return this.table.load(coord);
  }

  override async loadMany(coords: readonly TileCoord[]): Promise<(CachedTile | null)[]> {
    return this.table.loadMany(coords);
  }

  async isCached(coord: TileCoord): Promise<boolean> {
    return this.table.timestamp(coord) !== null;
  }

  override async timestamp(coord: TileCoord): Promise<number | null> {
    return this.table.timestamp(coord);
  }

  async store(coord: TileCoord, data: Buffer): Promise<void> {
    this.table.storeMany([{ coord, data }]);
  }

  override async storeMany(tiles: readonly TileToStore[]): Promise<void> {
    this.table.storeMany(tiles);
  }

  async remove(coord: TileCoord): Promise<void> {
    this.table.removeMany([coord]);
  }

  override async removeMany(coords: readonly TileCoord[]): Promise<void> {
    this.table.removeMany(coords);
  }

  override async removeLevel(level: number, before: number, opts?: RemoveOptions): Promise<number | null> {
    return this.table.removeLevel(level, before, opts);
  }

  removeFile(level: number, opts: RemoveOptions = {}): number {
    const n = this.table.countTiles(level, opts);
    if (!opts.dryRun) this.db.removeFiles();
    return n;
  }

  tileName(coord: TileCoord): string {
    return this.table.name(coord);
  }

  override async close(): Promise<void> {
    this.db.close();
  }
}
