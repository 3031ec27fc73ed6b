import type { TileCoord } from '../geo/grid.js';
import type { CachedTile, RemoveOptions, TileToStore } from './cache.js';
import type { SqliteConnection, SqliteDatabase } from './sqlite-database.js';

export interface TileTableLayout {
  /** The table's name; quoted in SQL, so only names of letters, digits, '_' and '-' are allowed by the readers. */
  readonly table: string;
  /** The table has MapProxy's `last_modified` column (local time 'YYYY-MM-DD HH:MM:SS'). */
  readonly timestamps: boolean;
  /** Tiles stored more than this many seconds ago count as missing (0: never); needs timestamps. */
  readonly ttl: number;
}

interface TileRow {
  tile_column: number;
  tile_row: number;
  zoom_level: number;
  tile_data: Buffer;
  last_modified?: string | null;
}

/** Coordinates per batch query: 3 parameters each, under SQLite's old limit of 999 that MapProxy keeps to. */
const BATCH = 333;

const key = (x: number, y: number, z: number): string => `${x}/${y}/${z}`;

/** A tile in messages: z/x/y. */
const zxy = (c: TileCoord): string => `${c[2]}/${c[0]}/${c[1]}`;

/**
 * The tile table of MBTiles, MapProxy's sqlite level files and GeoPackage: (zoom_level, tile_column, tile_row,
 * tile_data), unique on the coordinate. Rows hold the grid's own coordinates, unflipped, as MapProxy stores them.
 */
export class SqliteTileTable {
  private readonly q: string;
  private readonly columns: string;
  /** The ttl condition, ending in AND, or ''. */
  private readonly fresh: string;

  constructor(
    readonly db: SqliteDatabase,
    private readonly layout: TileTableLayout,
  ) {
    this.q = `[${layout.table}]`;
    this.columns = `tile_column, tile_row, zoom_level, tile_data${layout.timestamps ? ', last_modified' : ''}`;
    this.fresh = layout.timestamps && layout.ttl > 0 ? `datetime('now', 'localtime', '-${Math.trunc(layout.ttl)} seconds') < last_modified AND ` : '';
  }

  load(coord: TileCoord): CachedTile | null {
    return this.db.read(`load tile ${zxy(coord)}`, null, (c) => {
      const row = c.statement(`SELECT ${this.columns} FROM ${this.q} WHERE ${this.fresh}tile_column = ? AND tile_row = ? AND zoom_level = ?`).get(...coord) as TileRow | undefined;
      return row ? this.cached(row) : null;
    });
  }

  /** One query per 333 tiles (a meta tile is one). */
  loadMany(coords: readonly TileCoord[]): (CachedTile | null)[] {
    if (coords.length === 0) return [];
    const found = this.db.read(`load ${coords.length} tiles`, new Map<string, CachedTile>(), (c) => {
      const out = new Map<string, CachedTile>();
      for (let i = 0; i < coords.length; i += BATCH) {
        const part = coords.slice(i, i + BATCH);
        const where = part.map(() => '(tile_column = ? AND tile_row = ? AND zoom_level = ?)').join(' OR ');
        const rows = c.statement(`SELECT ${this.columns} FROM ${this.q} WHERE ${this.fresh}(${where})`).all(...part.flat()) as TileRow[];
        for (const row of rows) {
          const tile = this.cached(row);
          if (tile) out.set(key(row.tile_column, row.tile_row, row.zoom_level), tile);
        }
      }
      return out;
    });
    return coords.map((c) => found.get(key(...c)) ?? null);
  }

  /** Seconds since the epoch without reading the tile; -1 for a stored tile of a table without times. */
  timestamp(coord: TileCoord): number | null {
    return this.db.read(`read the time of tile ${zxy(coord)}`, null, (c) => {
      const column = this.layout.timestamps ? 'last_modified' : '1';
      const row = c.statement(`SELECT ${column} AS t FROM ${this.q} WHERE ${this.fresh}tile_column = ? AND tile_row = ? AND zoom_level = ?`).get(...coord) as { t: string | number | null } | undefined;
      if (!row) return null;
      return typeof row.t === 'string' ? (localDatetimeSeconds(row.t) ?? -1) : -1;
    });
  }

  /** All tiles in one transaction (MapProxy's INSERT OR REPLACE): readers see all of them or none. */
  storeMany(tiles: readonly TileToStore[]): void {
    if (tiles.length === 0) return;
    const what = tiles.length === 1 ? `store tile ${zxy(tiles[0]!.coord)}` : `store ${tiles.length} tiles`;
    this.db.write(what, (c) => {
      if (this.layout.timestamps) {
        const stmt = c.statement(`INSERT OR REPLACE INTO ${this.q} (zoom_level, tile_column, tile_row, tile_data, last_modified) VALUES (?, ?, ?, ?, datetime(?, 'unixepoch', 'localtime'))`);
        const now = Date.now() / 1000;
        for (const t of tiles) stmt.run(t.coord[2], t.coord[0], t.coord[1], t.data, now);
      } else {
        const stmt = c.statement(`INSERT OR REPLACE INTO ${this.q} (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)`);
        for (const t of tiles) stmt.run(t.coord[2], t.coord[0], t.coord[1], t.data);
      }
    });
  }

  removeMany(coords: readonly TileCoord[]): void {
    if (coords.length === 0) return;
    this.db.write(`remove ${coords.length} tile(s)`, (c) => {
      const stmt = c.statement(`DELETE FROM ${this.q} WHERE tile_column = ? AND tile_row = ? AND zoom_level = ?`);
      for (const coord of coords) stmt.run(...coord);
    });
  }

  /**
   * Removes the tiles of a level stored before `before` (0: all) with one DELETE; a table without times has only
   * tiles older than any limit. Returns how many were (or in a dry run would be) removed.
   */
  removeLevel(level: number, before: number, opts: RemoveOptions = {}): number {
    const byTime = before !== 0 && this.layout.timestamps;
    const where = `zoom_level = ?${byTime ? ` AND last_modified < datetime(?, 'unixepoch', 'localtime')` : ''}`;
    const params = byTime ? [level, before] : [level];
    const list = (c: SqliteConnection): number => {
      if (!opts.onRemove) return (c.statement(`SELECT count(*) AS n FROM ${this.q} WHERE ${where}`).get(...params) as { n: number }).n;
      let n = 0;
      for (const row of c.statement(`SELECT tile_column, tile_row FROM ${this.q} WHERE ${where}`).iterate(...params) as Iterable<Pick<TileRow, 'tile_column' | 'tile_row'>>) {
        opts.onRemove(this.name([row.tile_column, row.tile_row, level]));
        n++;
      }
      return n;
    };
    if (opts.dryRun) return this.db.read(`list the tiles of level ${level}`, 0, list);
    return this.db.write(`remove the tiles of level ${level}`, (c) => {
      if (opts.onRemove) list(c);
      return c.statement(`DELETE FROM ${this.q} WHERE ${where}`).run(...params).changes;
    });
  }

  /** Counts and names (for onRemove) every tile, without removing any: a level file about to be removed whole. */
  countTiles(level: number, opts: RemoveOptions = {}): number {
    return this.db.read(`list the tiles of level ${level}`, 0, (c) => {
      if (!opts.onRemove) return (c.statement(`SELECT count(*) AS n FROM ${this.q}`).get() as { n: number }).n;
      let n = 0;
      for (const row of c.statement(`SELECT tile_column, tile_row, zoom_level FROM ${this.q}`).iterate() as Iterable<Omit<TileRow, 'tile_data'>>) {
        opts.onRemove(this.name([row.tile_column, row.tile_row, row.zoom_level]));
        n++;
      }
      return n;
    });
  }

  /** "file.mbtiles:z/x/y", for messages and dry runs. */
  name(coord: TileCoord): string {
    return `${this.db.path}:${coord[2]}/${coord[0]}/${coord[1]}`;
  }

  /** A row without data (a NULL a foreign writer left) is no tile: it is created again. */
  private cached(row: TileRow): CachedTile | null {
    const data = row.tile_data;
    if (!Buffer.isBuffer(data) || data.length === 0) return null;
    const timestamp = this.layout.timestamps && typeof row.last_modified === 'string' ? localDatetimeSeconds(row.last_modified) : null;
    return { data, timestamp, size: data.length };
  }
}

/**
 * MapProxy's sqlite_datetime_to_timestamp: 'YYYY-MM-DD HH:MM:SS' in local time (SQLite's 'localtime', the
 * process's TZ) to seconds since the epoch, as Python's time.mktime does it.
 */
export function localDatetimeSeconds(text: string): number | null {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s).getTime() / 1000;
}
