import type { Redis } from 'ioredis';
import { openRedis } from '../../redis/redis-client.js';
import { itemFields, parseItem, type QueuedItem, type QueuedUnit } from './queued-item.js';

/** The consumer group every worker reads in: one group, so each unit goes to one worker. */
const GROUP = 'workers';

/** A run as recorded in Redis: what to seed, and how far the whole cluster got. */
export interface RunState {
  readonly id: string;
  /** The walks and unit settings of the run; `--continue` resumes only a run of the same fingerprint. */
  readonly fingerprint: string;
  readonly units: readonly QueuedUnit[];
  readonly tilesTotal: number;
  /** The coordinator has queued every unit of the walk (`unitsTotal` is then final). */
  readonly enqueued: boolean;
  readonly unitsTotal: number;
  readonly unitsQueued: number;
  readonly unitsDone: number;
  readonly unitsFailed: number;
  readonly tilesDone: number;
  readonly tilesCreated: number;
  /** Per task unit: how many walk items were queued, where a resumed walk goes on. */
  readonly positions: ReadonlyMap<number, number>;
}

/** A unit given up after its retries: what it was and why. */
export interface FailedUnit {
  readonly unit: number;
  readonly level: number;
  readonly tiles: string;
  readonly error: string;
  readonly worker: string;
}

/** A unit a worker took: the stream entry's id (to renew, acknowledge or fail it) and the item. */
export interface TakenEntry {
  readonly id: string;
  /** null: an entry this version cannot read; it is dropped. */
  readonly item: QueuedItem | null;
}

/** Per worker, what it has done; expires when the worker stops renewing it. */
export interface WorkerStats {
  readonly consumer: string;
  readonly unitsDone: number;
  readonly tilesCreated: number;
  readonly inFlight: number;
}

/** Renews the entries this consumer still owns (idle time back to 0); entries another worker claimed stay its. */
const KEEP = `
local kept = 0
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #p == 1 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    kept = kept + 1
  end
end
return kept`;

/**
 * Acknowledges a finished unit and counts it, once: when a slow worker and the one that claimed its unit after the
 * lease both finish, only the first XACK returns 1. Entries of another run are acknowledged without counting.
 */
const DONE = `
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
if redis.call('HGET', KEYS[2], 'id') ~= ARGV[3] then return 0 end
if ARGV[4] == 'failed' then
  redis.call('RPUSH', KEYS[3], ARGV[5])
  redis.call('HINCRBY', KEYS[2], 'units_failed', 1)
else
  redis.call('HINCRBY', KEYS[2], 'units_done', 1)
  redis.call('HINCRBY', KEYS[2], 'tiles_done', ARGV[5])
  redis.call('HINCRBY', KEYS[2], 'tiles_created', ARGV[6])
end
return 1`;

/** Puts the failed units of the run back into the stream (`--continue`). */
const REQUEUE_FAILED = `
local failed = redis.call('LRANGE', KEYS[3], 0, -1)
for _, text in ipairs(failed) do
  local f = cjson.decode(text)
  redis.call('XADD', KEYS[1], '*', 'run', ARGV[1], 'unit', tostring(f.unit), 'level', tostring(f.level), 'tiles', f.tiles)
end
if #failed == 0 then return 0 end
redis.call('DEL', KEYS[3])
redis.call('HINCRBY', KEYS[2], 'units_failed', 0 - #failed)
return #failed`;

/**
 * The seed queue of one name in Redis: a stream of work units read through one consumer group, a hash with the
 * run and the cluster's counters, and a list of failed units. Redis streams give what a work queue needs without
 * a protocol of ours: XREADGROUP hands each entry to one consumer, the pending entries list remembers who holds
 * what, XAUTOCLAIM hands a crashed worker's entries to another once they have been idle for the lease, and XACK
 * says a unit is done. Keys: `<name>:run`, `<name>:units`, `<name>:failed`, `<name>:worker:<consumer>`.
 */
export class RedisSeedQueue {
  private readonly keys: { run: string; stream: string; failed: string };
  private blocking?: Redis;

  private constructor(
    private readonly cmd: Redis,
    private readonly url: string,
    readonly name: string,
  ) {
    this.keys = { run: `${name}:run`, stream: `${name}:units`, failed: `${name}:failed` };
  }

  static async open(url: string, name: string): Promise<RedisSeedQueue> {
    const cmd = await openRedis(url, { connectTimeout: 5000, maxRetriesPerRequest: 3 });
    return new RedisSeedQueue(cmd, url, name);
  }

  /** The run in Redis, or null when there is none. */
  async run(): Promise<RunState | null> {
    const h = await this.cmd.hgetall(this.keys.run);
    if (!h.id) return null;
    const int = (k: string) => Number(h[k] ?? 0);
    const positions = new Map<number, number>();
    for (const [k, v] of Object.entries(h)) if (k.startsWith('pos:')) positions.set(Number(k.slice(4)), Number(v));
    return {
      id: h.id,
      fingerprint: h.fingerprint ?? '',
      units: JSON.parse(h.units ?? '[]') as QueuedUnit[],
      tilesTotal: int('tiles_total'),
      enqueued: h.enqueued === '1',
      unitsTotal: int('units_total'),
      unitsQueued: int('units_queued'),
      unitsDone: int('units_done'),
      unitsFailed: int('units_failed'),
      tilesDone: int('tiles_done'),
      tilesCreated: int('tiles_created'),
      positions,
    };
  }

  /** Replaces whatever was queued under this name with a new, empty run. */
  async startRun(run: { id: string; fingerprint: string; units: readonly QueuedUnit[]; tilesTotal: number }): Promise<void> {
    await this.cmd
      .multi()
      .del(this.keys.run, this.keys.stream, this.keys.failed)
      .hset(this.keys.run, { id: run.id, fingerprint: run.fingerprint, units: JSON.stringify(run.units), tiles_total: run.tilesTotal, enqueued: 0 })
      .xgroup('CREATE', this.keys.stream, GROUP, '$', 'MKSTREAM')
      .exec()
      .then(throwOnTransactionError);
  }

  /** Queues walk items of one task unit and records how far its walk got, in one transaction. */
  async add(items: readonly QueuedItem[], unit: number, position: number): Promise<void> {
    const m = this.cmd.multi();
    for (const item of items) m.xadd(this.keys.stream, '*', ...itemFields(item));
    m.hincrby(this.keys.run, 'units_queued', items.length);
    m.hset(this.keys.run, `pos:${unit}`, position);
    await m.exec().then(throwOnTransactionError);
  }

  /** Every unit of the walk is queued: `total` is the run's number of units. */
  async markEnqueued(total: number): Promise<void> {
    await this.cmd.hset(this.keys.run, { enqueued: 1, units_total: total });
  }

  /** Units queued and not yet finished (taken or waiting). */
  backlog(): Promise<number> {
    return this.cmd.xlen(this.keys.stream);
  }

  /** `--continue`: the failed units of the run are queued again. Returns how many. */
  async requeueFailed(runId: string): Promise<number> {
    return (await this.cmd.eval(REQUEUE_FAILED, 3, this.keys.stream, this.keys.run, this.keys.failed, runId)) as number;
  }

  async failedUnits(limit = 100): Promise<FailedUnit[]> {
    return (await this.cmd.lrange(this.keys.failed, 0, limit - 1)).map((t) => JSON.parse(t) as FailedUnit);
  }

  /**
   * Up to `max` units for `consumer`: first units other workers took and left idle for `leaseMs` (they crashed),
   * then new ones, waiting at most `blockMs` for them.
   */
  async take(consumer: string, max: number, leaseMs: number, blockMs: number): Promise<TakenEntry[]> {
    const out: TakenEntry[] = [];
    try {
      const [, claimed] = (await this.cmd.xautoclaim(this.keys.stream, GROUP, consumer, leaseMs, '0-0', 'COUNT', max)) as [string, [string, string[] | null][]];
      for (const [id, fields] of claimed) out.push({ id, item: fields ? parseItem(fields) : null });
      if (out.length >= max) return out;
      this.blocking ??= await openRedis(this.url, { connectTimeout: 5000, maxRetriesPerRequest: 3 });
      const read = (await this.blocking.xreadgroup('GROUP', GROUP, consumer, 'COUNT', max - out.length, 'BLOCK', blockMs, 'STREAMS', this.keys.stream, '>')) as
        | [string, [string, string[]][]][]
        | null;
      for (const [, entries] of read ?? []) for (const [id, fields] of entries) out.push({ id, item: parseItem(fields) });
    } catch (err) {
      // The run was replaced or removed while we read: nothing to take from it.
      if (/NOGROUP|no longer exists|UNBLOCKED/i.test((err as Error).message)) return out;
      throw err;
    }
    return out;
  }

  /** Renews the lease of units this consumer is working on; returns how many it still owns. */
  async keep(consumer: string, ids: readonly string[]): Promise<number> {
    if (!ids.length) return 0;
    return (await this.cmd.eval(KEEP, 1, this.keys.stream, GROUP, consumer, ...ids)) as number;
  }

  /** A unit is done; counted once even when two workers finished it. */
  async done(entryId: string, runId: string, tiles: number, created: number): Promise<boolean> {
    return (await this.cmd.eval(DONE, 3, this.keys.stream, this.keys.run, this.keys.failed, GROUP, entryId, runId, 'done', tiles, created)) === 1;
  }

  /** A unit given up after its retries: recorded with its error, and not handed out again. */
  async failed(entryId: string, runId: string, failure: FailedUnit): Promise<boolean> {
    return (await this.cmd.eval(DONE, 3, this.keys.stream, this.keys.run, this.keys.failed, GROUP, entryId, runId, 'failed', JSON.stringify(failure))) === 1;
  }

  /** Removes an entry nobody can work on (of another run, or unreadable). */
  async drop(entryId: string): Promise<void> {
    await this.cmd.multi().xack(this.keys.stream, GROUP, entryId).xdel(this.keys.stream, entryId).exec();
  }

  /** A worker says it is alive and what it did; the record expires after `ttlMs` without renewal. */
  async heartbeat(stats: WorkerStats, ttlMs: number): Promise<void> {
    await this.cmd.set(`${this.name}:worker:${stats.consumer}`, JSON.stringify(stats), 'PX', ttlMs);
  }

  /** The workers alive now (their heartbeat has not expired). */
  async workers(): Promise<WorkerStats[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.cmd.scan(cursor, 'MATCH', `${this.name}:worker:*`, 'COUNT', 200);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
    if (!keys.length) return [];
    return (await this.cmd.mget(...keys)).flatMap((v) => (v ? [JSON.parse(v) as WorkerStats] : []));
  }

  async close(): Promise<void> {
    this.cmd.disconnect();
    this.blocking?.disconnect();
  }
}

/** Every unit of the run is accounted for: done or failed. */
export function runFinished(run: RunState): boolean {
  return run.enqueued && run.unitsDone + run.unitsFailed >= run.unitsTotal;
}

function throwOnTransactionError(results: [Error | null, unknown][] | null): void {
  if (!results) throw new Error('the Redis transaction was aborted');
  const failed = results.find(([err]) => err);
  if (failed) throw failed[0]!;
}
