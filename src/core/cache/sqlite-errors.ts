import { SourceError } from '../source/source.js';
import { CacheWriteError, describeWriteFailure, errnoCode } from './cache-write-error.js';

/** The SQLite result code of a better-sqlite3 error ('SQLITE_NOTADB', 'SQLITE_READONLY_DIRECTORY'), else undefined. */
export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * SQLite's primary result codes as the errno a metric label and CacheWriteError already speak: a full disk is
 * ENOSPC whether the file system or SQLite noticed it. Extended codes (SQLITE_IOERR_WRITE) map by their primary.
 */
const ERRNO_OF_SQLITE: Readonly<Record<string, string>> = {
  SQLITE_FULL: 'ENOSPC',
  SQLITE_READONLY: 'EROFS',
  SQLITE_PERM: 'EACCES',
  SQLITE_CANTOPEN: 'EACCES',
  SQLITE_BUSY: 'EBUSY',
  SQLITE_LOCKED: 'EBUSY',
  SQLITE_IOERR: 'EIO',
};

function errnoOfFailure(err: unknown): string {
  const code = sqliteCode(err);
  if (code === undefined) return errnoCode(err);
  return ERRNO_OF_SQLITE[code.split('_').slice(0, 2).join('_')] ?? 'EUNKNOWN';
}

/** What went wrong in words, with SQLite's code: "file is not a database (SQLITE_NOTADB)". */
export function describeSqliteFailure(err: unknown): string {
  const code = sqliteCode(err);
  if (code === undefined) return describeWriteFailure(err);
  return `${(err as Error).message} (${code})`;
}

/** True for errors that say the database file itself is damaged or is no database at all. */
export function isCorruption(err: unknown): boolean {
  const code = sqliteCode(err) ?? '';
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
}

/**
 * A tile could not be stored in an SQLite cache (a read-only file or mount, a full disk, a damaged file, a lock
 * held longer than sqlite_timeout). The tile is still served from the source; seeding stops on it.
 */
export class SqliteWriteError extends CacheWriteError {
  override readonly name = 'SqliteWriteError';
  override readonly code: string;

  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.code = errnoOfFailure(cause);
  }
}

/**
 * Tiles could not be read from an SQLite cache (a damaged file, no database at all, an I/O error). For the
 * request this is what a failing source is: the service answers with its own error document and a 500; a cache
 * that uses this cache as its source sees a failed source.
 */
export class SqliteReadError extends SourceError {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'SqliteReadError';
  }
}
