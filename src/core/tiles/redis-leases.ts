import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from '../log/logger.js';
import { KeyWaiters } from '../redis/key-waiters.js';
import { openRedis, redactedRedisUrl } from '../redis/redis-client.js';

/** SET NX PX: the lease is ours; otherwise the holder's remaining time and token, to sleep until it runs out. */
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return {redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[1]) or ''}`;
/** Extends the lease only while it is still ours (it may have run out and been taken by another host). */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
/** Compare and delete: only the owner's token removes the key; the waiters of every host hear of it at once. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], KEYS[1])
  return 1
end
return 0`;

export interface RedisLeasesOptions {
  /** `redis://…` or `rediss://…` */
  url: string;
  /** Keys are `<prefix>:<name>`; releases are published on `<prefix>:released`. */
  prefix: string;
  /** A lease lives this long without renewal; the owner renews it every third of it. */
  leaseMs: number;
  /** A connection attempt or a command may take this long; longer counts as Redis being unreachable. */
  connectTimeoutMs: number;
  log: Pick<Logger, 'warn'> & Partial<Pick<Logger, 'info'>>;
  /** While Redis stays unreachable, the warning repeats at most this often (default 60 s). */
  warnEveryMs?: number;
}

/** A lease held by this process. `release` is idempotent and never rejects. */
export interface Lease {
  readonly key: string;
  /** `<host>:<pid>:<uuid>`: unique, and says who holds a key when someone looks at Redis. */
  readonly token: string;
  release(): Promise<void>;
}

export type LeaseOutcome =
  | { readonly kind: 'held'; readonly lease: Lease; readonly waitedMs: number }
  /** Someone else held the key for the whole wait; `holder` is its token. */
  | { readonly kind: 'timeout'; readonly waitedMs: number; readonly holder: string }
  /** Redis cannot be reached (the warning is logged here, throttled): the caller goes on with its local lock. */
  | { readonly kind: 'unavailable' };

interface Connections {
  /** Commands; no offline queue, so a command fails at once while the connection is down. */
  readonly cmd: Redis;
  /** The subscription to releases; resubscribed by ioredis after every reconnect. */
  readonly sub: Redis;
}

/**
 * Leases in Redis for the meta tiles of every host: acquire with SET NX PX and a unique token, renewal while the
 * owner works, release by compare-and-delete. Waiters sleep until a release is published on the channel or the
 * holder's lease runs out (a crashed holder publishes nothing), never polling. One instance per process and URL:
 * it owns two connections (commands, subscription). When Redis is unreachable, `acquire` answers `unavailable`
 * at once (after one connect or command timeout), logs a warning (throttled), and the connections are remade in
 * the background; the first successful reconnect is logged and leases are taken again.
 */
export class RedisLeases {
  private conns?: Promise<Connections>;
  private readonly channel: string;
  private readonly waiters = new KeyWaiters();
  private everReady = false;
  private down = false;
  private lastWarning = 0;
  private fallbacksSinceWarning = 0;
  private closed = false;

  constructor(private readonly opts: RedisLeasesOptions) {
    this.channel = `${opts.prefix}:released`;
  }

  /** The Redis key of a lease name. */
  key(name: string): string {
    return `${this.opts.prefix}:${name}`;
  }

  /** Takes the lease `name`, waiting at most `waitMs` for another holder. */
  async acquire(name: string, waitMs: number): Promise<LeaseOutcome> {
    const started = performance.now();
    const conns = await this.connections();
    if (!(await this.usable(conns))) return this.unavailable('no connection');
    const key = this.key(name);
    const token = `${hostname()}:${process.pid}:${randomUUID()}`;

    // Listen before the first attempt: a release between a failed SET and the wait is not lost.
    let woken = false;
    let wake: (() => void) | null = null;
    const onRelease = (): void => {
      woken = true;
      wake?.();
    };
    this.waiters.add(key, onRelease);
    try {
      for (;;) {
        woken = false;
        let reply: unknown;
        try {
          reply = await conns.cmd.eval(ACQUIRE, 1, key, token, String(this.opts.leaseMs));
        } catch (err) {
          return this.unavailable(err, conns);
        }
        // an error reply (a read-only replica, out of memory) leaves the connection ready: success ends the outage too
        this.recovered();
        if (reply === 1) return { kind: 'held', lease: this.lease(conns, key, token), waitedMs: performance.now() - started };
        const [pttl, holder] = reply as [number, string];
        const remaining = started + waitMs - performance.now();
        if (remaining <= 0) return { kind: 'timeout', waitedMs: performance.now() - started, holder };
        if (woken) continue;
        // A crashed holder publishes nothing: wake up when its lease runs out (pttl < 0: it just went away).
        const delay = Math.min(remaining, pttl >= 0 ? pttl + 2 : 0);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, delay);
          function done(): void {
            clearTimeout(timer);
            wake = null;
            resolve();
          }
          wake = done;
        });
      }
    } finally {
      this.waiters.delete(key, onRelease);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const conns = await this.conns?.catch(() => undefined);
    conns?.cmd.disconnect();
    conns?.sub.disconnect();
  }

  private lease(conns: Connections, key: string, token: string): Lease {
    const leaseMs = this.opts.leaseMs;
    let lost = false;
    const renew = (): void => {
      conns.cmd.eval(RENEW, 1, key, token, String(leaseMs)).then(
        (n) => {
          if (n === 1 || lost) return;
          lost = true;
          this.opts.log.warn(
            `tile lock: the lease ${key} ran out before its meta tile was made (Redis was unreachable for longer than ` +
              `the lease of ${leaseMs / 1000} s); another host may create the same meta tile`,
          );
        },
        (err) => void this.unavailable(err, conns),
      );
    };
    const timer = setInterval(renew, Math.max(10, Math.floor(leaseMs / 3)));
    timer.unref();
    let released: Promise<void> | null = null;
    const release = async (): Promise<void> => {
      clearInterval(timer);
      // Unreachable now: the lease runs out on its own and the waiters wake then.
      await conns.cmd.eval(RELEASE, 1, key, token, this.channel).catch(() => {});
    };
    return { key, token, release: () => (released ??= release()) };
  }

  /** Connected now; or, before the first connection was ever made, connected within the connect timeout. */
  private async usable(conns: Connections): Promise<boolean> {
    if (conns.cmd.status === 'ready') return true;
    if (this.everReady || this.down) return false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.opts.connectTimeoutMs);
      conns.cmd.once('ready', done);
      function done(): void {
        clearTimeout(timer);
        conns.cmd.off('ready', done);
        resolve();
      }
    });
    return isReady(conns.cmd);
  }

  /** Redis did not answer: warn (throttled) and, after a timeout, remake both connections (the old ones may be dead). */
  private unavailable(cause: unknown, conns?: Connections): LeaseOutcome {
    if (this.closed) return { kind: 'unavailable' };
    const reason = cause instanceof Error ? cause.message : String(cause);
    const now = Date.now();
    this.fallbacksSinceWarning++;
    if (!this.down) {
      this.down = true;
      this.lastWarning = now;
      this.fallbacksSinceWarning = 0;
      this.opts.log.warn(
        `tile lock: Redis at ${redactedRedisUrl(this.opts.url)} is unreachable (${reason}): meta tiles are locked on this host only until it returns`,
      );
    } else if (now - this.lastWarning >= (this.opts.warnEveryMs ?? 60_000)) {
      this.opts.log.warn(
        `tile lock: Redis at ${redactedRedisUrl(this.opts.url)} is still unreachable (${reason}): ` +
          `${this.fallbacksSinceWarning} meta tile locks taken on this host only since the last warning`,
      );
      this.lastWarning = now;
      this.fallbacksSinceWarning = 0;
    }
    // A partition leaves the socket open and silent: commands time out while ioredis thinks it is connected.
    if (conns && conns.cmd.status === 'ready' && /timed? ?out/i.test(reason)) {
      conns.cmd.disconnect(true);
      conns.sub.disconnect(true);
    }
    return { kind: 'unavailable' };
  }

  /** The end of an outage, logged once. */
  private recovered(): void {
    if (!this.down) return;
    this.down = false;
    const say = this.opts.log.info?.bind(this.opts.log) ?? this.opts.log.warn.bind(this.opts.log);
    say(`tile lock: Redis at ${redactedRedisUrl(this.opts.url)} is reachable again: meta tiles are locked across hosts`);
  }

  private connections(): Promise<Connections> {
    return (this.conns ??= this.connect());
  }

  private async connect(): Promise<Connections> {
    const common: RedisOptions = {
      connectTimeout: this.opts.connectTimeoutMs,
      keepAlive: 5000,
      // reconnect forever, at most every 2 s: the lock comes back when Redis does
      retryStrategy: (times) => Math.min(100 * 2 ** times, 2000),
    };
    const cmd = await openRedis(this.opts.url, {
      ...common,
      enableOfflineQueue: false,
      commandTimeout: this.opts.connectTimeoutMs,
      maxRetriesPerRequest: 0,
    });
    // the subscription waits for a connection however long it takes, and is renewed after each reconnect
    const sub = await openRedis(this.opts.url, { ...common, maxRetriesPerRequest: null });
    cmd.on('ready', () => {
      this.everReady = true;
      this.recovered();
    });
    sub.on('message', (channel: string, key: string) => {
      if (channel !== this.channel) return;
      this.waiters.wake(key);
    });
    sub.subscribe(this.channel).catch(() => {});
    return { cmd, sub };
  }
}

/** Read through a call: TypeScript would keep the status narrowed across the await. */
function isReady(client: Redis): boolean {
  return client.status === 'ready';
}
