import type { BBox } from '../geo/bbox.js';
import type { TileGrid } from '../geo/grid.js';
import type { SqliteHandle } from './sqlite-database.js';

/** What a GeoPackage tile table describes of its grid. */
export interface GeopackageTileSet {
  readonly table: string;
  readonly grid: TileGrid;
  /** The EPSG number of the grid's SRS (srs_id and organization_coordsys_id). */
  readonly epsg: number;
  /** gpkg_contents and gpkg_tile_matrix_set extent: the grid's bbox. */
  readonly bbox: BBox;
}

/** 'GP10' in the header, as MapProxy sets it. */
const APPLICATION_ID = 1196437808;

/** MapProxy writes the tile matrix of the first 20 levels only. */
const MATRIX_LEVELS = 20;

// The WKT MapProxy stores for its two built-in systems, byte for byte (its Python source continues lines inside
// the string, which leaves the leading newline and the indentation in the stored text).
const WKT_3857 =
  '\n    PROJCS["WGS 84 / Pseudo-Mercator",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,' +
  '    AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],' +
  '    UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]],' +
  '    PROJECTION["Mercator_1SP"],PARAMETER["central_meridian",0],PARAMETER["scale_factor",1],PARAMETER["false_easting",0],' +
  '    PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["X",EAST],AXIS["Y",NORTH],' +
  '    AUTHORITY["EPSG","3857"]]';
const WKT_4326 =
  '\n    GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],' +
  '    AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,' +
  '    AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]';

/** The GeoPackage core tables, columns and constraints as MapProxy creates them (OGC 12-128r10 for tiles). */
const CORE_TABLES = [
  `CREATE TABLE IF NOT EXISTS gpkg_contents(
    table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',
    last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
    CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`,
  `CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys(
    srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
    organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)`,
  `CREATE TABLE IF NOT EXISTS gpkg_tile_matrix(
    table_name TEXT NOT NULL, zoom_level INTEGER NOT NULL, matrix_width INTEGER NOT NULL, matrix_height INTEGER NOT NULL,
    tile_width INTEGER NOT NULL, tile_height INTEGER NOT NULL, pixel_x_size DOUBLE NOT NULL, pixel_y_size DOUBLE NOT NULL,
    CONSTRAINT pk_ttm PRIMARY KEY (table_name, zoom_level),
    CONSTRAINT fk_tmm_table_name FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name))`,
  `CREATE TABLE IF NOT EXISTS gpkg_tile_matrix_set(
    table_name TEXT NOT NULL PRIMARY KEY, srs_id INTEGER NOT NULL,
    min_x DOUBLE NOT NULL, min_y DOUBLE NOT NULL, max_x DOUBLE NOT NULL, max_y DOUBLE NOT NULL,
    CONSTRAINT fk_gtms_table_name FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
    CONSTRAINT fk_gtms_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))`,
];

const tileTable = (table: string): string => `CREATE TABLE IF NOT EXISTS [${table}](
    id INTEGER PRIMARY KEY AUTOINCREMENT, zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL,
    tile_row INTEGER NOT NULL, tile_data BLOB NOT NULL, UNIQUE (zoom_level, tile_column, tile_row))`;

const hasTable = (db: SqliteHandle, name: string): boolean =>
  db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;

/** The tile table exists and gpkg_contents lists it: nothing to create. */
export function hasGeopackageTileSet(db: SqliteHandle, set: GeopackageTileSet): boolean {
  if (!hasTable(db, set.table) || !hasTable(db, 'gpkg_contents')) return false;
  return db.prepare('SELECT 1 FROM gpkg_contents WHERE table_name = ?').get(set.table) !== undefined;
}

/**
 * Creates what MapProxy's _initialize_gpkg creates, in a new or an existing GeoPackage: the core tables, the
 * spatial reference systems (3857, 4326, the two undefined ones and the grid's own), the contents and tile matrix
 * set rows (kept if present) and the tile matrix of the first 20 levels.
 */
export function createGeopackageTileSet(db: SqliteHandle, set: GeopackageTileSet): void {
  for (const sql of CORE_TABLES) db.exec(sql);
  db.exec(tileTable(set.table));
  db.pragma(`application_id = ${APPLICATION_ID}`);
  const srs = db.prepare('INSERT OR REPLACE INTO gpkg_spatial_ref_sys (srs_id, organization, organization_coordsys_id, srs_name, definition) VALUES (?, ?, ?, ?, ?)');
  srs.run(3857, 'epsg', 3857, 'WGS 84 / Pseudo-Mercator', WKT_3857);
  srs.run(4326, 'epsg', 4326, 'WGS 84', WKT_4326);
  srs.run(-1, 'NONE', -1, ' ', 'undefined');
  srs.run(0, 'NONE', 0, ' ', 'undefined');
  if (set.epsg !== 3857 && set.epsg !== 4326) srs.run(set.epsg, 'epsg', set.epsg, 'Not provided', 'Added via Mapproxy.');
  const [minx, miny, maxx, maxy] = set.bbox;
  db.prepare(
    'INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change, min_x, max_x, min_y, max_y, srs_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(set.table, 'tiles', set.table, 'Created with Mapproxy.', lastChange(), minx, maxx, miny, maxy, set.epsg);
  db.prepare('INSERT OR IGNORE INTO gpkg_tile_matrix_set (table_name, srs_id, min_x, max_x, min_y, max_y) VALUES (?, ?, ?, ?, ?, ?)').run(
    set.table, set.epsg, minx, maxx, miny, maxy,
  );
  const matrix = db.prepare(
    'INSERT OR REPLACE INTO gpkg_tile_matrix (table_name, zoom_level, matrix_width, matrix_height, tile_width, tile_height, pixel_x_size, pixel_y_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const [tw, th] = set.grid.tileSize;
  for (let level = 0; level < Math.min(set.grid.levels, MATRIX_LEVELS); level++) {
    const [w, h] = set.grid.gridSize(level);
    const res = set.grid.resolution(level);
    matrix.run(set.table, level, w, h, tw, th, res, res);
  }
}

/**
 * Refuses a GeoPackage whose table was written for another grid, as MapProxy's check_gpkg: a table of other
 * data, another SRS, or a tile matrix whose tile size or resolutions differ from the grid's. (MapProxy compares
 * the first row of the matrix; every row is compared here.) A file without the table is fine: it gets one.
 */
export function verifyGeopackageTileSet(db: SqliteHandle, set: GeopackageTileSet, path: string): void {
  if (!hasTable(db, set.table) || !hasTable(db, 'gpkg_contents')) return;
  const where = `the GeoPackage ${path} has a table ${set.table}`;
  const contents = db.prepare('SELECT data_type, srs_id FROM gpkg_contents WHERE table_name = ?').get(set.table) as { data_type: string; srs_id: number } | undefined;
  if (!contents) return;
  if (String(contents.data_type).toLowerCase() !== 'tiles') throw new Error(`${where} of ${contents.data_type}, not of tiles (table_name)`);
  const srs = hasTable(db, 'gpkg_spatial_ref_sys')
    ? (db.prepare('SELECT organization_coordsys_id AS id FROM gpkg_spatial_ref_sys WHERE srs_id = ?').get(contents.srs_id) as { id: number } | undefined)
    : undefined;
  if (srs?.id !== set.epsg) throw new Error(`${where} in EPSG:${srs?.id ?? contents.srs_id}, the grid ${set.grid.name} is in EPSG:${set.epsg}`);
  if (!hasTable(db, 'gpkg_tile_matrix')) return;
  const rows = db
    .prepare('SELECT zoom_level, tile_width, tile_height, pixel_x_size, pixel_y_size FROM gpkg_tile_matrix WHERE table_name = ? ORDER BY zoom_level')
    .all(set.table) as { zoom_level: number; tile_width: number; tile_height: number; pixel_x_size: number; pixel_y_size: number }[];
  const [tw, th] = set.grid.tileSize;
  for (const row of rows) {
    if (row.tile_width !== tw || row.tile_height !== th) {
      throw new Error(`${where} with tiles of ${row.tile_width}x${row.tile_height} pixels on level ${row.zoom_level}, the grid ${set.grid.name} has ${tw}x${th}`);
    }
    const res = set.grid.resolutions[row.zoom_level];
    if (res === undefined || !isClose(row.pixel_x_size, res) || !isClose(row.pixel_y_size, res)) {
      const expected = res === undefined ? `no level ${row.zoom_level}` : `a resolution of ${res}`;
      throw new Error(`${where} with a resolution of ${row.pixel_x_size} on level ${row.zoom_level}, the grid ${set.grid.name} has ${expected}`);
    }
  }
}

/** Python's math.isclose with MapProxy's tolerance. */
function isClose(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** Now (or SOURCE_DATE_EPOCH) in whole seconds as MapProxy 7 stores it: Python's isoformat of a UTC datetime. */
function lastChange(): string {
  const epoch = Number(process.env['SOURCE_DATE_EPOCH']);
  const seconds = Number.isFinite(epoch) && process.env['SOURCE_DATE_EPOCH'] !== '' ? Math.trunc(epoch) : Math.trunc(Date.now() / 1000);
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}+00:00`;
}
