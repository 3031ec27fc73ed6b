/**
 * Errors raised while loading a configuration. Every message names the file, the key path and what was expected,
 * so a user can fix the YAML without reading our source.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    /** The file the problem was found in (the main file when the value may come from a `base:` file). */
    readonly file?: string,
    /** Dotted key path, e.g. `caches.osm_cache.meta_size`. */
    readonly keyPath?: string,
  ) {
    super(formatMessage(message, file, keyPath));
  }
}

function formatMessage(message: string, file?: string, keyPath?: string): string {
  const where = [file, keyPath].filter((s) => s !== undefined && s !== '').join(': ');
  return where ? `${where}: ${message}` : message;
}

/** Describes a YAML value briefly for error messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (typeof value === 'string') return `'${value.length > 60 ? value.slice(0, 57) + '...' : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `a list (${value.length} items)`;
  if (value instanceof Date) return `a date (${value.toISOString()})`;
  return 'a mapping';
}
