import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ChainableCommander, Redis, RedisOptions } from 'ioredis';
import type { TileCoord } from '../geo/grid.js';
import type { CacheBackend } from './backend.js';
import { BasicTileCache, type CachedTile, type RemoveOptions, type TileToStore } from './cache.js';
import { CacheWriteError } from './cache-write-error.js';
import { throwStoreFailures } from './store-failures.js';

/** ioredis, loaded on first use: configurations without a Redis cache do not pay for it at start-up. */
let ioredis: Promise<typeof Redis> | undefined;
const loadRedisClient = () => (ioredis ??= import('ioredis').then((m) => m.Redis));

export interface RedisTls {
  certfile: string;
  keyfile: string;
  caCerts?: string;
}

export interface RedisCacheOptions {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** Every key is `<prefix>-<z>-<x>-<y>`. */
  prefix: string;
  /** Seconds until a stored tile expires; 0: never. */
  ttl: number;
  /** TLS with a client certificate (MapProxy enables TLS only when both certfile and keyfile are set). */
  tls?: RedisTls;
  /** Connecting may take this long (default 5 s). */
  connectTimeoutMs?: number;
  /** A command, or a batch of them, may take this long, waiting for a connection included (default 5 s). */
  commandTimeoutMs?: number;
  log?: Pick<Console, 'error' | 'warn'>;
}

/** Replies of PEXPIRETIME / PTTL for a key without expiry, and for a missing key. */
const NO_EXPIRY = -1;
const NO_KEY = -2;

/**
 * Tiles as Redis strings under `<prefix>-<z>-<x>-<y>`, each set with the cache's time to live, as MapProxy's
 * cache/redis.py, so MapProxy and we share a Redis cache. Redis keeps no modification times: with a time to live
 * the store time is the key's expiry time minus the time to live (MapProxy's load_tile_metadata); without one a
 * tile has no time (-1, older than any limit, as every store without times).
 *
 * The connection is made on first use and remade in the background after a failure. A load or store never waits
 * longer than the connect and command timeouts: with Redis away, loads fail (the request gets the service's error)
 * and stores fail (the tile is served from the source, uncached); once Redis is back, both work again.
 */
export class RedisCache extends BasicTileCache {
  readonly lockId: string;
  override readonly supportsTimestamps: boolean;
  private client?: Promise<Redis>;
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly log: Pick<Console, 'error' | 'warn'>;
  /** PEXPIRETIME needs Redis 7; older servers answer with the remaining time (PTTL) instead. */
  private expiryCommand: 'pexpiretime' | 'pttl' = 'pexpiretime';
  /** The connection error of the current outage (null while connected): what a failed command is told. */
  private unreachable: Error | null = null;
  private closed = false;

  constructor(private readonly opts: RedisCacheOptions) {
    super();
    this.lockId = 'redis-' + createHash('md5').update(opts.host + String(opts.port) + opts.prefix + String(opts.db), 'utf8').digest('hex');
    this.supportsTimestamps = opts.ttl > 0;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
    this.commandTimeoutMs = opts.commandTimeoutMs ?? 5000;
    this.log = opts.log ?? console;
  }

  /** MapProxy's key: `<prefix>-<z>-<x>-<y>`. */
  key(coord: TileCoord): string {
    const [x, y, z] = coord;
    return `${this.opts.prefix}-${z}-${x}-${y}`;
  }

  tileName(coord: TileCoord): string {
    return `redis://${this.opts.host}:${this.opts.port}/${this.opts.db}/${this.key(coord)}`;
  }

  async load(coord: TileCoord): Promise<CachedTile | null> {
    return (await this.loadMany([coord]))[0] ?? null;
  }

  /** One pipeline: GET (and the expiry time, with a time to live) of every tile. */
  override async loadMany(coords: readonly TileCoord[]): Promise<(CachedTile | null)[]> {
    if (coords.length === 0) return [];
    const withTimes = this.opts.ttl > 0;
    const replies = await this.pipeline('load', (p) => {
      for (const c of coords) {
        p.getBuffer(this.key(c));
        if (withTimes) p.call(this.expiryCommand, [this.key(c)]);
      }
    });
    const step = withTimes ? 2 : 1;
    return coords.map((c, i) => {
      const [err, data] = replies[i * step]!;
      if (err) throw this.error('load', this.key(c), err);
      if (!(data instanceof Buffer) || data.length === 0) return null;
      const timestamp = withTimes ? this.storedAt(replies[i * step + 1]!) : null;
      return { data, timestamp, size: data.length };
    });
  }

  async isCached(coord: TileCoord): Promise<boolean> {
    const [[err, n]] = await this.pipeline('read', (p) => p.exists(this.key(coord))) as [[Error | null, unknown]];
    if (err) throw this.error('read', this.key(coord), err);
    return n === 1;
  }

  override async timestamp(coord: TileCoord): Promise<number | null> {
    const key = this.key(coord);
    const replies = await this.pipeline('read', (p) => {
      p.exists(key);
      if (this.opts.ttl > 0) p.call(this.expiryCommand, [key]);
    });
    const [err, n] = replies[0]!;
    if (err) throw this.error('read', key, err);
    if (n !== 1) return null;
    return (replies[1] ? this.storedAt(replies[1]) : null) ?? -1;
  }

  async store(coord: TileCoord, data: Buffer): Promise<void> {
    await this.storeMany([{ coord, data }]);
  }

  /**
   * One pipeline of SETs. MapProxy sets the key, then its expiry (PEXPIRE, in milliseconds); SET with PX does
   * both at once, so no tile is ever left without its expiry.
   */
  override async storeMany(tiles: readonly TileToStore[]): Promise<void> {
    if (tiles.length === 0) return;
    const ttlMs = Math.trunc(this.opts.ttl * 1000);
    let replies: [Error | null, unknown][];
    try {
      replies = await this.pipeline('store', (p) => {
        for (const t of tiles) {
          if (ttlMs > 0) p.set(this.key(t.coord), t.data, 'PX', ttlMs);
          else p.set(this.key(t.coord), t.data);
        }
      });
    } catch (err) {
      throw new CacheWriteError((err as Error).message, { cause: err });
    }
    const failed = replies.flatMap(([err], i) => {
      if (!err) return [];
      const e = this.error('store', this.key(tiles[i]!.coord), err);
      return [new CacheWriteError(e.message, { cause: e })];
    });
    throwStoreFailures(failed, tiles.length);
  }

  async remove(coord: TileCoord): Promise<void> {
    await this.removeMany([coord]);
  }

  override async removeMany(coords: readonly TileCoord[]): Promise<void> {
    if (coords.length === 0) return;
    const [[err]] = await this.pipeline('remove', (p) => p.del(...coords.map((c) => this.key(c)))) as [[Error | null, unknown]];
    if (err) throw this.error('remove', `${coords.length} key(s)`, err);
  }

  /**
   * The level's keys found with SCAN (`<prefix>-<z>-*`, then checked to be exactly `<prefix>-<z>-<x>-<y>`), those
   * stored before `before` deleted in batches: no walk over the level's possible tiles, which can be billions.
   */
  override async removeLevel(level: number, before: number, opts: RemoveOptions = {}): Promise<number | null> {
    const client = await this.connection();
    const own = new RegExp(`^${escapeRegExp(this.opts.prefix)}-${level}-\\d+-\\d+$`);
    const stream = client.scanStream({ match: `${escapeGlob(this.opts.prefix)}-${level}-*`, count: 1000 });
    let removed = 0;
    try {
      for await (const batch of stream as AsyncIterable<string[]>) {
        let keys = batch.filter((k) => own.test(k));
        if (keys.length === 0) continue;
        if (before !== 0 && this.opts.ttl > 0) {
          const replies = await this.pipeline('read', (p) => { for (const k of keys) p.call(this.expiryCommand, [k]); });
          keys = keys.filter((_, i) => (this.storedAt(replies[i]!) ?? -1) < before);
        }
        for (const k of keys) opts.onRemove?.(`redis://${this.opts.host}:${this.opts.port}/${this.opts.db}/${k}`);
        if (!opts.dryRun && keys.length > 0) await this.pipeline('remove', (p) => p.del(...keys));
        removed += keys.length;
      }
    } catch (err) {
      throw this.error('scan', `${this.opts.prefix}-${level}-*`, err as Error);
    }
    return removed;
  }

  override async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    if (client) (await client.catch(() => null))?.disconnect();
  }

  /** When a tile was stored, from its expiry time and the time to live; null when it has no expiry. */
  private storedAt([err, reply]: [Error | null, unknown]): number | null {
    if (err) {
      // Redis before 7 has no PEXPIRETIME: use PTTL from now on (this one tile goes without a time)
      if (/unknown command/i.test(err.message)) this.expiryCommand = 'pttl';
      return null;
    }
    const ms = Number(reply);
    if (!Number.isFinite(ms) || ms === NO_EXPIRY || ms === NO_KEY) return null;
    const expiresAt = this.expiryCommand === 'pexpiretime' ? ms : Date.now() + ms;
    return (expiresAt - Math.trunc(this.opts.ttl * 1000)) / 1000;
  }

  /** Runs the commands `fill` adds in one pipeline, bounded by the command timeout (waiting for Redis included). */
  private async pipeline(what: string, fill: (p: ChainableCommander) => void): Promise<[Error | null, unknown][]> {
    const client = await this.connection();
    const p = client.pipeline();
    fill(p);
    let timer: NodeJS.Timeout | undefined;
    const limitMs = this.connectTimeoutMs + this.commandTimeoutMs;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${limitMs} ms`)), limitMs);
    });
    try {
      const replies = await Promise.race([p.exec(), deadline]);
      if (!replies) throw new Error('pipeline discarded');
      return replies;
    } catch (err) {
      throw this.error(what, '', err as Error);
    } finally {
      clearTimeout(timer);
    }
  }

  private connection(): Promise<Redis> {
    if (this.closed) return Promise.reject(new Error(`redis cache ${this.where()}: closed`));
    this.client ??= this.connect().catch((err: unknown) => {
      this.client = undefined;
      throw new Error(`redis cache ${this.where()}: ${(err as Error).message}`, { cause: err });
    });
    return this.client;
  }

  /** The client; its first connection is made by the first command (lazyConnect), never here. */
  private async connect(): Promise<Redis> {
    const RedisClient = await loadRedisClient();
    const o = this.opts;
    const options: RedisOptions = {
      host: o.host,
      port: o.port,
      db: o.db,
      lazyConnect: true,
      connectTimeout: this.connectTimeoutMs,
      commandTimeout: this.commandTimeoutMs,
      // a command waits for at most one reconnection, then fails: no request waits for Redis to come back
      maxRetriesPerRequest: 1,
      // keep reconnecting in the background, so the cache works again as soon as Redis is back
      retryStrategy: (times) => Math.min(times * 200, 2000),
    };
    if (o.username) options.username = o.username;
    if (o.password) options.password = o.password;
    if (o.tls) {
      options.tls = {
        cert: readFileSync(o.tls.certfile),
        key: readFileSync(o.tls.keyfile),
        ...(o.tls.caCerts ? { ca: readFileSync(o.tls.caCerts) } : {}),
        // redis-py, MapProxy's client, verifies the certificate chain but not the host name by default
        checkServerIdentity: () => undefined,
      };
    }
    const client = new RedisClient(options);
    client.on('error', (err: Error) => {
      const first = this.unreachable === null;
      this.unreachable = err;
      if (!first) return;
      this.log.error(`redis cache ${this.where()}: ${err.message}; tiles are neither loaded nor stored until it is back`);
    });
    client.on('ready', () => {
      if (this.unreachable === null) return;
      this.unreachable = null;
      this.log.warn(`redis cache ${this.where()}: connected again`);
    });
    return client;
  }

  private where(): string {
    return `${this.opts.host}:${this.opts.port}/${this.opts.db} (${this.opts.prefix})`;
  }

  private error(what: string, key: string, err: Error): Error {
    if (err.message.startsWith('redis cache ')) return err;
    // ioredis tells a command given up during an outage only that it ran out of retries: say why
    const reason = this.unreachable ? `not connected (${this.unreachable.message})` : err.message;
    const failure = new Error(`redis cache ${this.where()}: cannot ${what}${key ? ` ${key}` : ''}: ${reason}`, { cause: err });
    // the errno of the outage (ECONNREFUSED, ...) labels the write error metric
    const code = (this.unreachable as NodeJS.ErrnoException | null)?.code ?? (err as NodeJS.ErrnoException).code;
    return code ? Object.assign(failure, { code }) : failure;
  }
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** SCAN's MATCH is a glob: a prefix with *, ?, [ or \ must match only itself. */
const escapeGlob = (s: string): string => s.replace(/[*?[\]\\]/g, '\\$&');

/** `cache.type: redis` as configured (MapProxy's defaults): the server, the key prefix of each grid, the time to live. */
export interface RedisBackendOptions {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** Key prefix per grid key: `prefix`, else `<cache>_<grid name>`. */
  prefixes: Record<string, string>;
  /** `default_ttl` in seconds (3600); 0: tiles never expire. */
  ttl: number;
  tls?: RedisTls;
}

export const redisBackend: CacheBackend<RedisBackendOptions> = {
  type: 'redis',
  readOptions(r, ctx) {
    const port = r.int('port') ?? 6379;
    if (port <= 0 || port > 65535) throw r.error('port', `expected a port number, got ${port}`);
    const db = r.int('db') ?? 0;
    if (db < 0) throw r.error('db', `expected a database number of 0 or more, got ${db}`);
    const ttl = r.num('default_ttl') ?? 3600;
    if (ttl < 0) throw r.error('default_ttl', `expected 0 (no expiry) or more seconds, got ${ttl}`);
    const prefix = r.str('prefix');
    const prefixes: Record<string, string> = {};
    for (const g of ctx.grids) prefixes[g.key] = prefix || `${ctx.cacheName}_${g.name}`;
    const out: RedisBackendOptions = { host: r.str('host') ?? '127.0.0.1', port, db, prefixes, ttl };
    const username = r.str('username');
    const password = r.str('password');
    if (username) out.username = username;
    if (password) out.password = password;
    const certfile = r.str('ssl_certfile');
    const keyfile = r.str('ssl_keyfile');
    const caCerts = r.str('ssl_ca_certs');
    // as MapProxy: TLS only with a client certificate and its key; a CA file alone changes nothing
    if (certfile && keyfile) out.tls = caCerts ? { certfile, keyfile, caCerts } : { certfile, keyfile };
    else if (certfile || keyfile || caCerts) {
      r.ctx.warn(r.keyPath(certfile ? 'ssl_certfile' : keyfile ? 'ssl_keyfile' : 'ssl_ca_certs'),
        'has no effect: TLS needs both ssl_certfile and ssl_keyfile; connecting without TLS');
    }
    return out;
  },
  open(options, target) {
    const prefix = options.prefixes[target.gridKey];
    if (prefix === undefined) throw new Error(`caches.${target.cacheName}: no Redis key prefix for grid '${target.gridKey}'`);
    const { prefixes: _, ...server } = options;
    return new RedisCache({ ...server, prefix, log: target.log });
  },
};
