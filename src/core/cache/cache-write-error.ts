/**
 * A tile (or a tile lock file) could not be written to the cache's storage: a full disk, a read-only or
 * vanished mount, missing permissions. The tile itself is fine — it came from the source — so a request is
 * still answered with it; only keeping it failed. Seeding, whose whole point is keeping tiles, stops on it.
 */
export class CacheWriteError extends Error {
  override readonly name: string = 'CacheWriteError';
  /** The errno code ('ENOSPC', 'EROFS', 'EACCES', …) or 'EUNKNOWN'; a small fixed set, usable as a metric label. */
  readonly code: string;

  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.code = errnoCode(options.cause);
  }
}

/** The errno code of a Node file system error, 'EUNKNOWN' for anything else. */
export function errnoCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : 'EUNKNOWN';
}

/** What the errno says in words, for logs ("no space left on device"). */
export function describeWriteFailure(err: unknown): string {
  const e = err as NodeJS.ErrnoException | null;
  const text = e?.message ?? String(err);
  // Node's messages read "ENOSPC: no space left on device, write": keep the words between code and syscall
  const m = /^E[A-Z0-9]+: ([^,]+)/.exec(text);
  return m ? `${m[1]} (${errnoCode(err)})` : text;
}
