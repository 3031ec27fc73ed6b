import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { HttpDispatchers } from '../client/dispatchers.js';
import { USER_AGENT } from '../client/http-client.js';
import { StaleConnectionError } from '../client/stale-connection.js';
import { basicAuthorization, splitUrlCredentials } from '../client/url-credentials.js';
import type { TileCoord, TileGrid } from '../geo/grid.js';
import type { CacheBackend } from './backend.js';
import { BasicTileCache, type CachedTile, type TileToStore } from './cache.js';
import { CacheWriteError } from './cache-write-error.js';
import { throwStoreFailures } from './store-failures.js';
import { CouchDBMetadataTemplate, type MetadataAttributes } from './couchdb-metadata.js';
import { parsePercentTemplate, percentFormat, type PercentTemplate } from './percent-format.js';

/** MapProxy's default document id (doc/caches.rst; cache/couchdb.py writes the same ids). */
export const DEFAULT_TILE_ID = '%(grid_name)s-%(z)d-%(x)d-%(y)d';
/** MapProxy's code accepts a tile_id given as a whole URL below the database; the id is what follows. */
const COUCH_URL_PREFIX = '%(couch_url)s/';
const DEFAULT_TIMEOUT_MS = 10_000;
/** A bulk store meets a conflict when another writer stored the same tile meanwhile: this many rounds, then fail. */
const STORE_ROUNDS = 3;

export interface CouchDBCacheOptions {
  /** The server as configured (may carry `user:password@`). */
  url: string;
  /** The database name as configured or defaulted; the database in the URL is its lower-case form. */
  dbName: string;
  /** The `tile_id` template (Python %-format with x, y, z, grid_name, couch_url). */
  tileId?: string;
  /** `tile_metadata` as configured. */
  metadata?: MetadataAttributes;
  /** The tiles' format extension: the attachment's content type is `image/<ext>`. */
  fileExt: string;
  grid: TileGrid;
  /** Connect, response header and body timeout per request (default 10 s). */
  timeoutMs?: number;
}

interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

interface TileDoc {
  _id: string;
  _rev?: string;
  [key: string]: unknown;
}

interface BulkResult {
  id?: string;
  error?: string;
  reason?: string;
}

interface AllDocsRow {
  key: string;
  id?: string;
  error?: string;
  value?: { rev: string; deleted?: boolean };
  doc?: Record<string, unknown> | null;
}

const IDEMPOTENT = new Set(['GET', 'PUT']);

/**
 * One JSON document per tile in a CouchDB database, the image as its attachment `tile`, as MapProxy's
 * cache/couchdb.py writes them: the same ids, metadata keys and attachment, so MapProxy and we read each other's
 * tiles. The database is created on the first store; a meta tile is stored in one `_bulk_docs` request, and a
 * tile that exists already is overwritten with its current revision.
 */
export class CouchDBCache extends BasicTileCache {
  readonly lockId: string;
  /** The database URL without credentials. */
  readonly couchUrl: string;
  readonly metadata: CouchDBMetadataTemplate;
  private readonly origin: string;
  private readonly dbPath: string;
  private readonly authorization?: string;
  private readonly tileId: PercentTemplate;
  private readonly timeoutMs: number;
  private readonly dispatchers = new HttpDispatchers();
  private readonly dispatcher: Dispatcher;
  private dbReady: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly opts: CouchDBCacheOptions) {
    super();
    this.lockId = 'couchdb-' + createHash('md5').update(opts.url + opts.dbName, 'utf8').digest('hex');
    const { url, username, password } = splitUrlCredentials(opts.url);
    if (username !== undefined) this.authorization = basicAuthorization(username, password);
    const server = new URL(url.replace(/\/+$/, ''));
    this.origin = server.origin;
    this.dbPath = `${server.pathname.replace(/\/+$/, '')}/${encodeURIComponent(opts.dbName.toLowerCase())}`;
    this.couchUrl = this.origin + this.dbPath;
    let template = opts.tileId ?? DEFAULT_TILE_ID;
    if (template.startsWith(COUCH_URL_PREFIX)) template = template.slice(COUCH_URL_PREFIX.length);
    this.tileId = parsePercentTemplate(template);
    this.metadata = new CouchDBMetadataTemplate(opts.metadata ?? {});
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.dispatcher = this.dispatchers.get();
    // fail at construction for a template with unknown keys
    this.documentId([0, 0, 0]);
  }

  /** The document id of a tile (its `_id`). */
  documentId(coord: TileCoord): string {
    const [x, y, z] = coord;
    // MapProxy formats the template with the locals of document_url: these are the ones a template can mean
    return percentFormat(this.tileId, { x, y, z, grid_name: this.opts.grid.name, couch_url: this.couchUrl });
  }

  tileName(coord: TileCoord): string {
    return `${this.couchUrl}/${encodeURIComponent(this.documentId(coord))}`;
  }

  async load(coord: TileCoord): Promise<CachedTile | null> {
    const res = await this.request('GET', `${this.docPath(coord)}?attachments=true`, { accept: 'application/json' });
    if (res.status === 404) return null;
    if (res.status !== 200) throw this.unexpected('load', coord, res);
    return this.tileOf(this.json<Record<string, unknown>>(res, 'load'));
  }

  /** One `_all_docs` request with the documents and their attachments, instead of one GET per tile. */
  override async loadMany(coords: readonly TileCoord[]): Promise<(CachedTile | null)[]> {
    if (coords.length === 0) return [];
    const rows = await this.allDocs(coords.map((c) => this.documentId(c)), true);
    return rows.map((row) => (row?.doc ? this.tileOf(row.doc) : null));
  }

  async isCached(coord: TileCoord): Promise<boolean> {
    return (await this.timestamp(coord)) !== null;
  }

  /** The document's timestamp key, read without the attachment. */
  override async timestamp(coord: TileCoord): Promise<number | null> {
    const res = await this.request('GET', this.docPath(coord), { accept: 'application/json' });
    if (res.status === 404) return null;
    if (res.status !== 200) throw this.unexpected('read', coord, res);
    const value = this.json<Record<string, unknown>>(res, 'read')[this.metadata.timestampKey];
    return typeof value === 'number' ? value : -1;
  }

  async store(coord: TileCoord, data: Buffer): Promise<void> {
    await this.storeMany([{ coord, data }]);
  }

  /**
   * All tiles in one `_bulk_docs` request. Tiles that exist already come back as conflicts: their current
   * revisions are read (`_all_docs`) and they are posted again with them, as MapProxy does.
   */
  override async storeMany(tiles: readonly TileToStore[]): Promise<void> {
    if (tiles.length === 0) return;
    const nowMs = Date.now();
    let pending = new Map<string, TileDoc>();
    for (const t of tiles) {
      const id = this.documentId(t.coord);
      pending.set(id, this.tileDoc(id, t, nowMs));
    }
    const failed: Error[] = [];
    try {
      await this.ensureDatabase();
      for (let round = 1; pending.size > 0; round++) {
        const results = await this.bulkDocs([...pending.values()]);
        const conflicts = new Map<string, TileDoc>();
        for (const r of results) {
          const doc = r.id !== undefined ? pending.get(r.id) : undefined;
          if (!doc || !r.error) continue;
          if (r.error === 'conflict' && round < STORE_ROUNDS) conflicts.set(doc._id, doc);
          else failed.push(this.writeError(`cannot store tile ${doc._id}: ${r.error}${r.reason ? ` (${r.reason})` : ''}`, r));
        }
        if (conflicts.size > 0) {
          const rows = await this.allDocs([...conflicts.keys()], false);
          for (const row of rows) {
            const doc = row ? conflicts.get(row.key) : undefined;
            if (doc && row?.value && !row.value.deleted) doc._rev = row.value.rev;
          }
        }
        pending = conflicts;
      }
    } catch (err) {
      throw err instanceof CacheWriteError ? err : this.writeError(`cannot store ${tiles.length} tile(s): ${(err as Error).message}`, err);
    }
    throwStoreFailures(failed, tiles.length);
  }

  /**
   * MapProxy reads the revision from a HEAD request's ETag; CouchDB-compatible servers do not all send the revision
   * there (pouchdb-server sends a body hash), so the revision comes from `_all_docs`, as for a batch.
   */
  async remove(coord: TileCoord): Promise<void> {
    await this.removeMany([coord]);
  }

  /** A cleanup batch: the revisions in one `_all_docs`, the deletions in one `_bulk_docs`. */
  override async removeMany(coords: readonly TileCoord[]): Promise<void> {
    if (coords.length === 0) return;
    const rows = await this.allDocs(coords.map((c) => this.documentId(c)), false);
    const deletions = rows.flatMap((row) =>
      row?.value && !row.value.deleted ? [{ _id: row.key, _rev: row.value.rev, _deleted: true }] : []);
    if (deletions.length === 0) return;
    const failed = (await this.bulkDocs(deletions)).filter((r) => r.error && r.error !== 'not_found');
    const first = failed[0];
    if (first) throw new Error(`couchdb cache ${this.couchUrl}: ${failed.length} tile(s) not removed: ${first.error} (${first.reason ?? ''})`);
  }

  override async close(): Promise<void> {
    this.closed = true;
    await this.dispatchers.close();
  }

  private docPath(coord: TileCoord): string {
    return `${this.dbPath}/${encodeURIComponent(this.documentId(coord))}`;
  }

  /** The document MapProxy writes: metadata, `_id`, then the image as attachment `tile`. */
  private tileDoc(id: string, tile: TileToStore, nowMs: number): TileDoc {
    const doc: TileDoc = { ...this.metadata.doc(tile.coord, { grid: this.opts.grid, nowMs }), _id: id };
    doc['_attachments'] = { tile: { content_type: `image/${this.opts.fileExt}`, data: tile.data.toString('base64') } };
    return doc;
  }

  /** A document with its attachment inlined; a document without a `tile` attachment is no tile. */
  private tileOf(doc: Record<string, unknown>): CachedTile | null {
    const attachment = (doc['_attachments'] as Record<string, { data?: unknown }> | undefined)?.['tile'];
    if (typeof attachment?.data !== 'string') return null;
    const data = Buffer.from(attachment.data, 'base64');
    if (data.length === 0) return null;
    const ts = doc[this.metadata.timestampKey];
    return { data, timestamp: typeof ts === 'number' ? ts : null, size: data.length };
  }

  /** Creates the database once (MapProxy's init_db: whatever CouchDB answers, an existing one included). */
  private ensureDatabase(): Promise<void> {
    this.dbReady ??= this.request('PUT', this.dbPath).then(
      () => undefined,
      (err: unknown) => {
        this.dbReady = null;
        throw err;
      },
    );
    return this.dbReady;
  }

  private async bulkDocs(docs: readonly object[]): Promise<BulkResult[]> {
    const body = JSON.stringify({ docs });
    let res = await this.request('POST', `${this.dbPath}/_bulk_docs`, { body });
    if (res.status === 404) {
      // the database was deleted while we ran: create it again, once
      this.dbReady = null;
      await this.ensureDatabase();
      res = await this.request('POST', `${this.dbPath}/_bulk_docs`, { body });
    }
    if (res.status !== 201 && res.status !== 200) throw new Error(`unexpected answer ${res.status} from _bulk_docs: ${snippet(res.body)}`);
    return this.json<BulkResult[]>(res, '_bulk_docs');
  }

  /** The rows of `ids` in order (null for a missing database); with `docs`, the documents and attachments. */
  private async allDocs(ids: readonly string[], docs: boolean): Promise<(AllDocsRow | null)[]> {
    const query = docs ? '?include_docs=true&attachments=true' : '';
    const res = await this.request('POST', `${this.dbPath}/_all_docs${query}`, { body: JSON.stringify({ keys: ids }), accept: 'application/json' });
    if (res.status === 404) return ids.map(() => null);
    if (res.status !== 200) throw new Error(`couchdb cache ${this.couchUrl}: unexpected answer ${res.status} from _all_docs: ${snippet(res.body)}`);
    const rows = this.json<{ rows?: AllDocsRow[] }>(res, '_all_docs').rows ?? [];
    const byKey = new Map(rows.map((r) => [r.key, r]));
    return ids.map((id) => byKey.get(id) ?? null);
  }

  private async request(method: string, path: string, opts: { body?: string; accept?: string } = {}): Promise<HttpAnswer> {
    if (this.closed) throw new Error(`couchdb cache ${this.couchUrl}: closed`);
    const headers: Record<string, string> = { 'user-agent': USER_AGENT };
    if (this.authorization) headers['authorization'] = this.authorization;
    if (opts.accept) headers['accept'] = opts.accept;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const send = async (): Promise<HttpAnswer> => {
      const res = await this.dispatcher.request({
        origin: this.origin, path, method: method as Dispatcher.HttpMethod, headers, body: opts.body,
        headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs,
      });
      return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
    };
    try {
      return await send().catch((err: unknown) => {
        // a keep-alive connection CouchDB closed while the request was on its way: it never arrived
        if (err instanceof StaleConnectionError && IDEMPOTENT.has(method)) return send();
        throw err;
      });
    } catch (err) {
      const e = (err instanceof StaleConnectionError ? err.cause : err) as Error & { code?: string; cause?: Error & { code?: string } };
      const what = `${method} ${path.slice(this.dbPath.length) || '/'}`;
      const failure = new Error(`couchdb cache ${this.couchUrl}: ${what} failed: ${e.cause?.message ?? e.message}`, { cause: e });
      // the errno (ECONNREFUSED, ...) labels the write error metric
      throw Object.assign(failure, { code: e.code ?? e.cause?.code });
    }
  }

  private json<T>(res: HttpAnswer, what: string): T {
    try {
      return JSON.parse(res.body.toString('utf8')) as T;
    } catch {
      throw new Error(`couchdb cache ${this.couchUrl}: ${what}: answer is not JSON: ${snippet(res.body)}`);
    }
  }

  private unexpected(what: string, coord: TileCoord, res: HttpAnswer): Error {
    return new Error(`couchdb cache ${this.couchUrl}: cannot ${what} tile ${this.documentId(coord)}: unexpected answer ${res.status}: ${snippet(res.body)}`);
  }

  private writeError(message: string, cause: unknown): CacheWriteError {
    return new CacheWriteError(`couchdb cache ${this.couchUrl}: ${message}`, { cause });
  }
}

function snippet(body: Buffer): string {
  const text = body.toString('utf8').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** `cache.type: couchdb` as configured: the server, the database of each grid, ids and metadata. */
export interface CouchDBBackendOptions {
  url: string;
  /** Database name per grid key: `db_name`, else `<cache>_<EPSGnnnn>` (MapProxy's default). */
  dbNames: Record<string, string>;
  tileId?: string;
  metadata: Record<string, unknown>;
}

export const couchdbBackend: CacheBackend<CouchDBBackendOptions> = {
  type: 'couchdb',
  readOptions(r, ctx) {
    const url = r.str('url') || 'http://127.0.0.1:5984';
    try {
      const parsed = new URL(splitUrlCredentials(url).url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`unsupported scheme ${parsed.protocol}`);
    } catch (err) {
      throw r.error('url', `expected an http(s) URL, got '${url}' (${(err as Error).message})`);
    }
    const dbName = r.str('db_name');
    const dbNames: Record<string, string> = {};
    for (const g of ctx.grids) dbNames[g.key] = dbName || `${ctx.cacheName}_${g.srs.replace(/:/g, '')}`;
    const tileId = r.str('tile_id') || undefined;
    if (tileId !== undefined) {
      try {
        const template = parsePercentTemplate(tileId);
        percentFormat(template, { x: 0, y: 0, z: 0, grid_name: 'g', couch_url: url });
      } catch (err) {
        throw r.error('tile_id', (err as Error).message);
      }
    }
    const md = r.mapOrEmpty('tile_metadata');
    const metadata: Record<string, unknown> = {};
    for (const key of md.keys()) metadata[key] = md.get(key);
    try {
      new CouchDBMetadataTemplate(metadata);
    } catch (err) {
      throw r.error('tile_metadata', (err as Error).message);
    }
    const out: CouchDBBackendOptions = { url, dbNames, metadata };
    if (tileId !== undefined) out.tileId = tileId;
    return out;
  },
  open(options, target) {
    const dbName = options.dbNames[target.gridKey];
    if (dbName === undefined) throw new Error(`caches.${target.cacheName}: no CouchDB database for grid '${target.gridKey}'`);
    return new CouchDBCache({
      url: options.url, dbName, tileId: options.tileId, metadata: options.metadata, fileExt: target.fileExt, grid: target.grid,
    });
  },
};
