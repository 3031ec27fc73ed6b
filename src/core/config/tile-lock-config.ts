import type { MapReader } from './config-reader.js';

/**
 * `globals.cache.tile_lock`: the stage of the meta tile guard that spans hosts. MapProxy has no such option (its
 * only tile lock is the lock file in `tile_lock_dir`, which does not exclude other hosts); absent or `type: file`,
 * this project behaves as MapProxy. With `type: redis` the lock files stay the first stage on each host and a
 * lease in Redis is taken after them (docs/scale-out.md).
 */
export type TileLockConfig = { type: 'file' } | RedisTileLockConfig;

export interface RedisTileLockConfig {
  type: 'redis';
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). */
  url: string;
  /** Keys are `<prefix>:<lock id of the cache>-<x>-<y>-<z>`; releases are published on `<prefix>:released`. */
  prefix: string;
  /** Seconds a lease lives without renewal: how long a crashed host's meta tile stays locked. */
  lease: number;
  /** Seconds to wait for another host's lease before creating the tile here; default `globals.http.client_timeout`. */
  waitTimeout?: number;
  /** Seconds a connection attempt or a lock command may take before this host falls back to its local lock. */
  connectTimeout: number;
}

export const TILE_LOCK_DEFAULTS = { prefix: 'mapproxy-ts:tile-lock', lease: 10, connectTimeout: 2 } as const;
/** `globals.cache.request_lock`: `concurrent_requests` across hosts, the same shape (docs/scale-out.md). */
export const REQUEST_LOCK_DEFAULTS = { prefix: 'mapproxy-ts:request-slots', lease: 60, connectTimeout: 2 } as const;

/** Reads `globals.cache.tile_lock` (undefined when absent). */
export function readTileLockConfig(c: MapReader, key = 'tile_lock', defaults: typeof TILE_LOCK_DEFAULTS | typeof REQUEST_LOCK_DEFAULTS = TILE_LOCK_DEFAULTS): TileLockConfig | undefined {
  const r = c.map(key);
  if (!r) return undefined;
  const type = r.oneOf('type', ['file', 'redis'] as const) ?? 'file';
  if (type === 'file') {
    r.finish();
    return { type };
  }
  const url = r.reqStr('url');
  if (!/^rediss?:\/\//.test(url)) throw r.error('url', `expected a redis:// or rediss:// URL, got '${url}'`);
  const conf: RedisTileLockConfig = {
    type,
    url,
    prefix: r.str('prefix') ?? defaults.prefix,
    lease: positive(r, 'lease') ?? defaults.lease,
    connectTimeout: positive(r, 'connect_timeout') ?? defaults.connectTimeout,
  };
  const waitTimeout = positive(r, 'wait_timeout');
  if (waitTimeout !== undefined) conf.waitTimeout = waitTimeout;
  r.finish();
  return conf;
}

function positive(r: MapReader, key: string): number | undefined {
  const v = r.num(key);
  if (v !== undefined && v <= 0) throw r.error(key, `expected a number of seconds > 0, got ${v}`);
  return v;
}
