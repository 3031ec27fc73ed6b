import fs from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { describeSqliteFailure, sqliteCode, SqliteReadError, SqliteWriteError } from './sqlite-errors.js';
import { retryWhileBusy } from './sqlite-busy-retry.js';

export type SqliteHandle = Database.Database;

export interface SqliteDatabaseOptions {
  /** The database file. */
  path: string;
  /** What the file is, for messages: 'mbtiles cache', 'geopackage cache'. */
  kind: string;
  /** How long a statement waits for another connection's lock before it fails (MapProxy's sqlite_timeout). */
  timeoutSeconds: number;
  /** Put a file this store creates into WAL mode (persistent in the file, so only set at creation, as MapProxy). */
  wal: boolean;
  /** Octal mode strings as configured ('664', '775'), applied to the file and directories this store creates. */
  filePermissions?: string;
  directoryPermissions?: string;
  /** Whether the file already holds the tables this store needs. */
  isInitialized(db: SqliteHandle): boolean;
  /**
   * Creates the tables (idempotent: IF NOT EXISTS). Runs in one write transaction after isInitialized said no, so
   * several processes creating the same file at once end up with one set of tables and readers never see half.
   */
  initialize(db: SqliteHandle): void;
  /** Refuses an existing file this store must not use (a GeoPackage of another grid): throws with the reason. */
  verify?(db: SqliteHandle): void;
  /** Where read failures are logged (default console). */
  log?: Pick<Console, 'error'>;
}

/** One open connection with the statements prepared on it (a statement belongs to its connection). */
export class SqliteConnection {
  private readonly statements = new Map<string, Database.Statement>();
  /** Set once the tables are known to exist: writes then skip the check. */
  initialized = false;

  constructor(
    readonly db: SqliteHandle,
    readonly ino: number,
    readonly dev: number,
  ) {}

  /**
   * The statement for `sql`, prepared once per connection. Batch loads build their SQL from the batch size; a
   * process sees few distinct sizes (its meta tile sizes), the bound only guards against a pathological caller.
   */
  statement(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size >= 256) this.statements.clear();
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }
}

/** At most one log line per this many milliseconds while reads of a file keep failing. */
const READ_LOG_INTERVAL_MS = 10_000;

/**
 * One SQLite file of a cache, opened on first use and kept open, shared by the process's requests (all calls are
 * synchronous, so one connection serves them in turn). Reads never create the file; the first write creates it
 * with its directories and tables. A file replaced or removed under us (another process's cleanup of a level,
 * an operator swapping in a new file) is noticed on the next call by its inode and reopened. Failures become
 * SqliteReadError (served as the protocol's error) and SqliteWriteError (counted; the tile is served anyway), and
 * drop the connection, so a repaired file is picked up without a restart.
 */
export class SqliteDatabase {
  readonly path: string;
  private conn: SqliteConnection | null = null;
  private closed = false;
  private readFailures = 0;
  private lastReadLog = -Infinity;

  constructor(private readonly opts: SqliteDatabaseOptions) {
    this.path = opts.path;
  }

  /** Runs `fn` on the connection; answers `missing` when the file or its tables do not exist (yet). */
  read<T>(what: string, missing: T, fn: (c: SqliteConnection) => T): T {
    this.assertOpen();
    try {
      const conn = this.connection(false);
      return conn ? fn(conn) : missing;
    } catch (err) {
      // a file another process is creating right now has no tables for a moment: nothing is stored yet
      if (isMissingTable(err)) return missing;
      this.dropConnection(err);
      const failure = new SqliteReadError(`${this.opts.kind} ${this.path}: cannot ${what}: ${describeSqliteFailure(err)}`, err);
      this.logReadFailure(failure);
      throw failure;
    }
  }

  /** Runs `fn` in one IMMEDIATE transaction (the write lock is taken first, waiting up to sqlite_timeout). */
  write<T>(what: string, fn: (c: SqliteConnection) => T): T {
    this.assertOpen();
    try {
      const conn = this.connection(true) as SqliteConnection;
      if (!conn.initialized) {
        conn.db.transaction(() => {
          if (!this.opts.isInitialized(conn.db)) this.opts.initialize(conn.db);
        }).immediate();
        conn.initialized = true;
      }
      return conn.db.transaction(() => fn(conn)).immediate();
    } catch (err) {
      this.dropConnection(err);
      throw new SqliteWriteError(`${this.opts.kind} ${this.path}: cannot ${what}: ${describeSqliteFailure(err)}`, err);
    }
  }

  /** Opens an existing file now and checks it (verify): a file this store must not use fails at start-up. */
  check(): void {
    this.read('open the file', undefined, () => undefined);
  }

  /** Closes the connection and removes the file with its journal, WAL and shared-memory files. */
  removeFiles(): void {
    this.conn?.close();
    this.conn = null;
    for (const suffix of ['', '-journal', '-wal', '-shm']) fs.rmSync(this.path + suffix, { force: true });
  }

  close(): void {
    this.closed = true;
    this.conn?.close();
    this.conn = null;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.opts.kind} ${this.path} is closed`);
  }

  private connection(create: boolean): SqliteConnection | null {
    let st = fs.statSync(this.path, { throwIfNoEntry: false });
    if (this.conn && (!st || st.ino !== this.conn.ino || st.dev !== this.conn.dev)) {
      this.conn.close();
      this.conn = null;
    }
    if (this.conn) return this.conn;
    let created = false;
    if (!st) {
      if (!create) return null;
      this.makeDirectory();
      created = true;
    }
    const db = new (betterSqlite3())(this.path, { timeout: Math.round(this.opts.timeoutSeconds * 1000) });
    try {
      if (created) this.prepareNewFile(db);
      // WAL keeps the file consistent without a sync at every commit; a crash loses at most the last tiles stored
      if (db.pragma('journal_mode', { simple: true }) === 'wal') db.pragma('synchronous = NORMAL');
      st = fs.statSync(this.path);
      this.opts.verify?.(db);
    } catch (err) {
      db.close();
      throw err;
    }
    this.conn = new SqliteConnection(db, st.ino, st.dev);
    return this.conn;
  }

  /** A file we just created (or one another process created a moment ago): WAL and the configured mode. */
  private prepareNewFile(db: SqliteHandle): void {
    if (this.opts.wal) retryWhileBusy(() => db.pragma('journal_mode = WAL'), this.opts.timeoutSeconds * 1000);
    if (this.opts.filePermissions !== undefined) {
      try {
        fs.chmodSync(this.path, parseInt(this.opts.filePermissions, 8));
      } catch {
        // another process created the file and owns it: its mode is its creator's business
      }
    }
  }

  /**
   * Makes the missing directories one by one rather than recursively: Node's recursive mkdir reports ENOENT for a
   * level that failed for another reason (a read-only mount), and each directory made gets the configured mode
   * (mkdir's own mode is masked by the umask).
   */
  private makeDirectory(): void {
    const missing: string[] = [];
    for (let d = dirname(this.path); !fs.existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.push(d);
    const mode = this.opts.directoryPermissions === undefined ? undefined : parseInt(this.opts.directoryPermissions, 8);
    for (const d of missing.reverse()) {
      try {
        fs.mkdirSync(d);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw err;
      }
      if (mode !== undefined) fs.chmodSync(d, mode);
    }
  }

  private dropConnection(err: unknown): void {
    // a busy database is healthy, only slow; anything else may be a damaged or replaced file: reopen next time
    if ((sqliteCode(err) ?? '').startsWith('SQLITE_BUSY')) return;
    this.conn?.close();
    this.conn = null;
  }

  /** A damaged file fails every request: the first failure is logged at once, then one summary per interval. */
  private logReadFailure(err: Error): void {
    this.readFailures++;
    const now = Date.now();
    if (now - this.lastReadLog < READ_LOG_INTERVAL_MS) return;
    const more = this.readFailures > 1 ? ` (${this.readFailures - 1} more read errors since the last message)` : '';
    (this.opts.log ?? console).error(`${err.message}${more}`);
    this.readFailures = 0;
    this.lastReadLog = now;
  }
}

function isMissingTable(err: unknown): boolean {
  return sqliteCode(err) === 'SQLITE_ERROR' && /^no such table/.test((err as Error).message);
}

let driver: typeof Database | undefined;

/** better-sqlite3, required when the first database opens: configurations without SQLite caches never load it. */
function betterSqlite3(): typeof Database {
  driver ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  return driver;
}
