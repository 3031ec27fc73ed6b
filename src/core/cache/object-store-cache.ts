import type { Readable } from 'node:stream';
import type { TileCoord } from '../geo/grid.js';
import { mapConcurrent } from '../tiles/concurrency.js';
import { BasicTileCache, type CachedTile, type Dimensions, type RemoveOptions, type TileToStore } from './cache.js';
import { CacheWriteError } from './cache-write-error.js';
import { levelKeyPrefix, objectKey } from './object-key.js';
import type { DirectoryLayout } from './paths.js';

/** One stored object: its bytes and when it was last written (seconds, whole: what the store's HTTP dates hold). */
export interface StoredObject {
  data: Buffer;
  lastModified: number | null;
}

/** An object found by listing a prefix. */
export interface ListedObject {
  key: string;
  lastModified: number | null;
}

/**
 * Why an object store operation failed, in words for the log, and as an errno-like code for the write failure
 * metric (ETIMEDOUT, ECONNREFUSED, EACCES for refused credentials, ENOENT for a missing bucket or container).
 */
export interface StoreFailure {
  code: string;
  reason: string;
}

/** Where the tiles of one grid live in an object store and how many requests may run at once. */
export interface ObjectStoreLayout {
  /** MapProxy's base_path: `directory` (plus the grid name with include_grid_name), else `<cache name>/<grid name>`. */
  basePath: string;
  layout: DirectoryLayout;
  ext: string;
  /** Requests of one batch (a meta tile's stores, a loadMany) in flight at once. */
  concurrency: number;
}

/** A tile store's failure, naming the store kind, the operation and the object, with the classified cause. */
export class ObjectStoreError extends Error {
  override readonly name = 'ObjectStoreError';
  readonly code: string;
  constructor(message: string, failure: StoreFailure, cause: unknown) {
    super(`${message}: ${failure.reason}`, { cause });
    this.code = failure.code;
  }
}

/**
 * A tile cache over an object store (S3, Azure Blob): one object per tile, named as MapProxy names it, written
 * with one PUT each (an object appears whole or not at all, so readers never see half a tile). Subclasses
 * supply the store's few primitive requests and say what an error of their client means; batches, timestamps,
 * level removal by listing, and the error messages are here. Every request has a deadline: a slow or vanished
 * server fails the operation, it never holds a request.
 */
export abstract class ObjectStoreCache extends BasicTileCache {
  /** 's3', 'azureblob': names the kind of store in messages. */
  protected abstract readonly kind: string;

  constructor(protected readonly where: ObjectStoreLayout) {
    super();
  }

  /** The object's bytes and time, null when it does not exist. */
  protected abstract getObject(key: string): Promise<StoredObject | null>;
  /** The object's time without its bytes, undefined when it does not exist (null: exists, no time). */
  protected abstract headObject(key: string): Promise<number | null | undefined>;
  protected abstract putObject(key: string, data: Buffer): Promise<void>;
  /** Removes the objects; a missing object is no error. */
  protected abstract deleteObjects(keys: readonly string[]): Promise<void>;
  protected abstract listObjects(prefix: string): AsyncIterable<ListedObject>;
  /** What a failure of this store's client means. */
  protected abstract describeFailure(err: unknown): StoreFailure;
  /** The object's address for messages and dry runs (`s3://bucket/key`). */
  protected abstract objectName(key: string): string;

  key(coord: TileCoord, dims?: Dimensions): string {
    return objectKey(this.where.layout, this.where.basePath, coord, this.where.ext, dims);
  }

  tileName(coord: TileCoord, dims?: Dimensions): string {
    return this.objectName(this.key(coord, dims));
  }

  async load(coord: TileCoord, dims?: Dimensions): Promise<CachedTile | null> {
    const key = this.key(coord, dims);
    const found = await this.attempt(`load ${this.objectName(key)}`, () => this.getObject(key));
    // no image is zero bytes long: such an object counts as missing (and is replaced when the tile is created)
    if (!found || found.data.length === 0) return null;
    return { data: found.data, timestamp: found.lastModified, size: found.data.length };
  }

  override loadMany(coords: readonly TileCoord[], dims?: Dimensions): Promise<(CachedTile | null)[]> {
    return mapConcurrent(coords, this.where.concurrency, (c) => this.load(c, dims));
  }

  async isCached(coord: TileCoord, dims?: Dimensions): Promise<boolean> {
    return (await this.timestamp(coord, dims)) !== null;
  }

  /** MapProxy reads the time of a tile with a HEAD request (load_tile_metadata → is_cached). */
  override async timestamp(coord: TileCoord, dims?: Dimensions): Promise<number | null> {
    const key = this.key(coord, dims);
    const time = await this.attempt(`look up ${this.objectName(key)}`, () => this.headObject(key));
    if (time === undefined) return null;
    return time ?? -1;
  }

  async store(coord: TileCoord, data: Buffer, dims?: Dimensions): Promise<void> {
    const key = this.key(coord, dims);
    try {
      await this.putObject(key, data);
    } catch (err) {
      const failure = this.describeFailure(err);
      const message = `${this.kind} cache: cannot store tile ${this.objectName(key)}: ${failure.reason}`;
      throw new CacheWriteError(message, { cause: Object.assign(new Error(failure.reason, { cause: err }), { code: failure.code }) });
    }
  }

  /** Parallel PUTs, a few at a time; every tile is tried, the failures are reported together. */
  override async storeMany(tiles: readonly TileToStore[], dims?: Dimensions): Promise<void> {
    const failed: unknown[] = [];
    await mapConcurrent(tiles, this.where.concurrency, (t) => this.store(t.coord, t.data, dims).catch((err: unknown) => { failed.push(err); }));
    if (failed.length === tiles.length && failed.length > 0) throw failed[0];
    if (failed.length > 0) throw new AggregateError(failed, `${failed.length} of ${tiles.length} tiles not stored`);
  }

  async remove(coord: TileCoord, dims?: Dimensions): Promise<void> {
    await this.removeMany([coord], dims);
  }

  override async removeMany(coords: readonly TileCoord[], dims?: Dimensions): Promise<void> {
    if (coords.length === 0) return;
    const keys = coords.map((c) => this.key(c, dims));
    const what = keys.length === 1 ? this.objectName(keys[0]!) : `${keys.length} tiles from ${this.objectName(this.where.basePath)}`;
    await this.attempt(`remove ${what}`, () => this.deleteObjects(keys));
  }

  /**
   * Layouts with a level directory (tc, mp, tms, arcgis) list the level's prefix and delete what is older than
   * `before`, in batches: one listing request per thousand tiles instead of a HEAD per tile of the grid.
   */
  override async removeLevel(level: number, before: number, opts: RemoveOptions = {}): Promise<number | null> {
    const prefix = levelKeyPrefix(this.where.layout, this.where.basePath, level);
    if (prefix === null) return null;
    const suffix = `.${this.where.ext}`;
    let removed = 0;
    let batch: string[] = [];
    const flush = async () => {
      const keys = batch;
      batch = [];
      for (const k of keys) opts.onRemove?.(this.objectName(k));
      if (!opts.dryRun && keys.length > 0) await this.attempt(`remove ${keys.length} tiles from ${this.objectName(prefix)}`, () => this.deleteObjects(keys));
      removed += keys.length;
    };
    await this.attempt(`list ${this.objectName(prefix)}`, async () => {
      for await (const obj of this.listObjects(prefix)) {
        // only this cache's tiles: a shared bucket may hold other files below the same prefix
        if (!obj.key.endsWith(suffix)) continue;
        if (before !== 0 && obj.lastModified !== null && obj.lastModified >= before) continue;
        batch.push(obj.key);
        if (batch.length >= 1000) await flush();
      }
    });
    await flush();
    return removed;
  }

  /** Runs one operation; its failure becomes an ObjectStoreError naming the store and what was tried. */
  private async attempt<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof ObjectStoreError) throw err;
      throw new ObjectStoreError(`${this.kind} cache: cannot ${what}`, this.describeFailure(err), err);
    }
  }
}

/** Reads a response body whole, giving up (and destroying the stream) when `signal` fires: a trickling server. */
export async function readBody(body: Readable | NodeJS.ReadableStream | undefined, signal: AbortSignal): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks = (await (body as Readable).toArray({ signal })) as Buffer[];
  return Buffer.concat(chunks);
}

/** Errno codes of a server that cannot be reached or went away mid-request. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);

/**
 * A deadline that passed or a server that cannot be reached, as the clients of both stores report them (an
 * AbortError or TimeoutError; an errno code on the error or its cause); null for anything else.
 */
export function networkFailure(err: unknown, where: string, timeoutMs: number): StoreFailure | null {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } } | null;
  const code = [e?.code, e?.cause?.code].find((c) => typeof c === 'string' && /^E[A-Z_]+$/.test(c));
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') {
    return { code: 'ETIMEDOUT', reason: `no answer from ${where} within ${timeoutMs / 1000} s` };
  }
  const fromMessage = /\b(E[A-Z]+)\b/.exec(e?.message ?? '')?.[1];
  const network = code ?? fromMessage;
  if (network && NETWORK_CODES.has(network)) return { code: network, reason: `cannot reach ${where} (${e?.cause?.message ?? e?.message ?? network})` };
  return null;
}

/** MapProxy's calendar.timegm(last_modified.timetuple()): a store's modification time in whole seconds. */
export function wholeSeconds(date: Date | undefined): number | null {
  return date ? Math.floor(date.getTime() / 1000) : null;
}
