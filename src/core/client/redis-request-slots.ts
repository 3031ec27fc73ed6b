import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { TileLockConfig } from '../config/tile-lock-config.js';
import type { Logger } from '../log/logger.js';
import { openRedis, redactedRedisUrl } from '../redis/redis-client.js';
import { urlNetloc } from './file-semaphore.js';
import { LimiterTimeoutError, type Release, type RequestLimiter } from './request-limiter.js';
import { KeyWaiters } from '../redis/key-waiters.js';

/**
 * Takes a slot when fewer than `slots` unexpired leases are held: a sorted set of tokens scored by the end of their
 * lease, in Redis's own clock (TIME), so the hosts' clocks need not agree. Expired leases (a crashed host's) are
 * dropped first. Answers -1 when the slot is ours, else the milliseconds until the earliest lease runs out.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
  return -1
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(0, tonumber(first[2]) - now)`;
/** Extends a lease while it is still held (it may have expired and its slot been taken). */
const RENEW = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return 1`;
/** Gives the slot back and wakes the waiters of every host. */
const RELEASE = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then redis.call('PUBLISH', ARGV[2], KEYS[1]) end
return 1`;

export interface RedisRequestSlotsOptions {
  url: string;
  /** Keys are `<prefix>:<the local semaphore's name>`; releases are published on `<prefix>:released`. */
  prefix: string;
  /** A slot lives this long without renewal; the holder renews it every third of it. */
  leaseMs: number;
  connectTimeoutMs: number;
  log: Pick<Logger, 'warn'>;
}

/**
 * `concurrent_requests` across hosts: the slots of each upstream in Redis, one connection pair per process for all
 * of them. A request takes its host's local slot first (the lock files of `lock_dir`, as MapProxy), then a leased
 * slot in Redis; waiters sleep until a release is published or the earliest lease runs out, never polling. With
 * Redis unreachable the local slot alone is kept (logged, throttled): the limit is then per host again.
 */
export class RedisRequestSlots {
  private conns?: Promise<{ cmd: Redis; sub: Redis }>;
  private readonly channel: string;
  private readonly waiters = new KeyWaiters();
  private lastWarning = -Infinity;

  constructor(private readonly opts: RedisRequestSlotsOptions) {
    this.channel = `${opts.prefix}:released`;
  }

  /** The limiter of the upstream of `url`, named on every host as MapProxy names its lock files (md5 of the netloc). */
  limiter(url: string, slots: number, local: RequestLimiter): RequestLimiter {
    const key = `${this.opts.prefix}:${createHash('md5').update(urlNetloc(url), 'utf8').digest('hex')}#${slots}`;
    return { acquire: (host, timeoutMs) => this.acquire(key, slots, local, host, timeoutMs) };
  }

  private async acquire(key: string, slots: number, local: RequestLimiter, host: string, timeoutMs = 60_000): Promise<Release> {
    const started = performance.now();
    const releaseLocal = await local.acquire(host, timeoutMs);
    const token = `${hostname()}:${process.pid}:${randomUUID()}`;
    let woken = false;
    let wake: (() => void) | null = null;
    const onRelease = () => {
      woken = true;
      wake?.();
    };
    this.waiters.add(key, onRelease);
    try {
      const { cmd } = await this.connections();
      for (;;) {
        woken = false;
        const reply = (await cmd.eval(ACQUIRE, 1, key, token, slots, this.opts.leaseMs)) as number;
        if (reply === -1) return this.held(cmd, key, token, releaseLocal);
        const remaining = started + timeoutMs - performance.now();
        if (remaining <= 0) {
          releaseLocal();
          throw new LimiterTimeoutError(host);
        }
        if (woken) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.min(remaining, reply + 2));
          function done(): void {
            clearTimeout(timer);
            wake = null;
            resolve();
          }
          wake = done;
        });
      }
    } catch (err) {
      if (err instanceof LimiterTimeoutError) throw err;
      this.warn(err);
      return releaseLocal;
    } finally {
      this.waiters.delete(key, onRelease);
    }
  }

  private held(cmd: Redis, key: string, token: string, releaseLocal: Release): Release {
    const timer = setInterval(() => void cmd.eval(RENEW, 1, key, token, this.opts.leaseMs).catch(() => {}), Math.max(10, Math.floor(this.opts.leaseMs / 3)));
    timer.unref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      releaseLocal();
      // unreachable now: the lease runs out on its own
      void cmd.eval(RELEASE, 1, key, token, this.channel).catch(() => {});
    };
  }

  private warn(err: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < 60_000) return;
    this.lastWarning = now;
    this.opts.log.warn(
      `request limit: Redis at ${redactedRedisUrl(this.opts.url)} is unreachable (${(err as Error).message ?? String(err)}): ` +
        'concurrent_requests is enforced per host until it returns',
    );
  }

  private connections(): Promise<{ cmd: Redis; sub: Redis }> {
    return (this.conns ??= (async () => {
      const common = { connectTimeout: this.opts.connectTimeoutMs, retryStrategy: (n: number) => Math.min(100 * 2 ** n, 2000) };
      // no offline queue: while Redis is away a request fails over to its local slot at once
      const cmd = await openRedis(this.opts.url, { ...common, enableOfflineQueue: false, commandTimeout: this.opts.connectTimeoutMs, maxRetriesPerRequest: 0 });
      const sub = await openRedis(this.opts.url, { ...common, maxRetriesPerRequest: null });
      sub.on('message', (channel: string, key: string) => {
        if (channel === this.channel) this.waiters.wake(key);
      });
      sub.subscribe(this.channel).catch(() => {});
      await waitReady(cmd, this.opts.connectTimeoutMs);
      return { cmd, sub };
    })());
  }

  async close(): Promise<void> {
    const conns = await this.conns?.catch(() => undefined);
    conns?.cmd.disconnect();
    conns?.sub.disconnect();
  }
}

/** The first connection may take up to the connect timeout; commands before it would fail without an offline queue. */
function waitReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
    function done(): void {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    }
  });
}

/** The slots across hosts of `globals.cache.request_lock`, when it is `type: redis`. */
export function requestSlotsFor(conf: TileLockConfig | undefined, log: Pick<Logger, 'warn'> = console): RedisRequestSlots | undefined {
  if (conf?.type !== 'redis') return undefined;
  return new RedisRequestSlots({ url: conf.url, prefix: conf.prefix, leaseMs: conf.lease * 1000, connectTimeoutMs: conf.connectTimeout * 1000, log });
}
