import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import type { MapReader } from '../config/config-reader.js';
import { pyJoin } from '../config/paths.js';
import { mapConcurrent } from '../tiles/concurrency.js';
import type { CacheBackend, CacheReadContext } from './backend.js';
import { cacheOrGlobal } from './global-setting.js';
import { type ListedObject, ObjectStoreCache, type ObjectStoreLayout, type StoreFailure, type StoredObject, networkFailure, readBody, wholeSeconds } from './object-store-cache.js';
import { DIRECTORY_LAYOUTS, type DirectoryLayout } from './paths.js';

type AzureSdk = typeof import('@azure/storage-blob');
/** The Azure SDK is loaded on the first request of the first Azure Blob cache. */
let azureSdk: Promise<AzureSdk> | undefined;
const loadAzureSdk = (): Promise<AzureSdk> => (azureSdk ??= import('@azure/storage-blob'));

/** Seconds one Azure Blob operation may take in all (connecting, retries, the last byte), unless `timeout` says otherwise. */
export const DEFAULT_AZUREBLOB_TIMEOUT = 10;
/** Requests of one batch in flight at once (MapProxy: 4 readers and 4 writers). */
const AZUREBLOB_CONCURRENCY = 8;

/** `cache.type: azureblob` as configured (MapProxy 7's config/configuration/cache.py). */
export interface AzureBlobBackendOptions {
  /** AZURE_STORAGE_CONNECTION_STRING when set when the configuration was read, else the configured one. */
  connectionString: string;
  containerName: string;
  directoryLayout: DirectoryLayout;
  /** MapProxy's base_path per grid key. */
  basePaths: Record<string, string>;
  /** Seconds (extension: MapProxy relies on the Azure SDK's defaults). */
  timeout: number;
}

export interface AzureBlobCacheOptions extends ObjectStoreLayout {
  connectionString: string;
  containerName: string;
  timeout?: number;
}

/**
 * Tiles as block blobs in an Azure Storage container, one upload per tile, named as MapProxy 7's
 * cache/azureblob.py names them, with its content type `image/<ext>`. The container must exist (MapProxy does not
 * create it either).
 */
export class AzureBlobCache extends ObjectStoreCache {
  protected readonly kind = 'azureblob';
  readonly lockId: string;
  private readonly timeoutMs: number;
  private container: Promise<ContainerClient> | undefined;
  private closed = false;

  constructor(private readonly opts: AzureBlobCacheOptions) {
    super(opts);
    this.timeoutMs = (opts.timeout ?? DEFAULT_AZUREBLOB_TIMEOUT) * 1000;
    this.lockId = 'azureblob-' + createHash('md5').update(opts.basePath + opts.containerName, 'utf8').digest('hex');
  }

  protected objectName(key: string): string {
    return `azureblob://${this.opts.containerName}/${key}`;
  }

  protected async getObject(key: string): Promise<StoredObject | null> {
    const container = await this.connect();
    const abortSignal = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await container.getBlobClient(key).download(0, undefined, { abortSignal });
      const data = await readBody(res.readableStreamBody, abortSignal);
      return { data, lastModified: wholeSeconds(res.lastModified) };
    } catch (err) {
      if (isBlobNotFound(err)) return null;
      throw err;
    }
  }

  protected async headObject(key: string): Promise<number | null | undefined> {
    const container = await this.connect();
    try {
      const props = await container.getBlobClient(key).getProperties({ abortSignal: AbortSignal.timeout(this.timeoutMs) });
      return wholeSeconds(props.lastModified);
    } catch (err) {
      if (isBlobNotFound(err)) return undefined;
      throw err;
    }
  }

  /** One Put Blob request: the blob appears whole or not at all. */
  protected async putObject(key: string, data: Buffer): Promise<void> {
    const container = await this.connect();
    await container.getBlockBlobClient(key).upload(data, data.length, {
      blobHTTPHeaders: { blobContentType: `image/${this.opts.ext}` },
      abortSignal: AbortSignal.timeout(this.timeoutMs),
    });
  }

  protected async deleteObjects(keys: readonly string[]): Promise<void> {
    const container = await this.connect();
    await mapConcurrent(keys, this.where.concurrency, async (key) => {
      try {
        await container.getBlobClient(key).delete({ abortSignal: AbortSignal.timeout(this.timeoutMs) });
      } catch (err) {
        if (!isBlobNotFound(err)) throw err;
      }
    });
  }

  protected async *listObjects(prefix: string): AsyncIterable<ListedObject> {
    const container = await this.connect();
    const pages = container.listBlobsFlat({ prefix }).byPage({ maxPageSize: 1000 });
    for (;;) {
      // the deadline is per page: a listing of a big level takes as many requests as it needs
      const page = await withDeadline(pages.next(), this.timeoutMs);
      if (page.done) return;
      for (const b of page.value.segment.blobItems) yield { key: b.name, lastModified: wholeSeconds(b.properties.lastModified) };
    }
  }

  protected describeFailure(err: unknown): StoreFailure {
    const e = err as { name?: string; code?: string; statusCode?: number; message?: string } | null;
    if (e?.code === 'ContainerNotFound') return { code: 'ENOENT', reason: `container '${this.opts.containerName}' does not exist` };
    if (e?.statusCode === 403) {
      return { code: 'EACCES', reason: `access denied${e.code ? ` (${e.code})` : ''}: check the connection string's account key or SAS` };
    }
    const network = networkFailure(err, this.endpointName(), this.timeoutMs);
    if (network) return network;
    return { code: 'EUNKNOWN', reason: `${e?.code ?? e?.name ?? 'error'}: ${(e?.message ?? String(err)).split('\n')[0]}` };
  }

  override async close(): Promise<void> {
    this.closed = true;
    this.container = undefined;
  }

  /** The blob endpoint of the connection string, for messages (never the key). */
  private endpointName(): string {
    const m = /(?:^|;)\s*BlobEndpoint=([^;]+)/i.exec(this.opts.connectionString);
    if (m) return m[1]!;
    const account = /(?:^|;)\s*AccountName=([^;]+)/i.exec(this.opts.connectionString);
    return account ? `account ${account[1]}` : 'Azure Blob storage';
  }

  private connect(): Promise<ContainerClient> {
    if (this.closed) return Promise.reject(new Error('the cache is closed'));
    this.container ??= loadAzureSdk().then((sdk) => sdk.BlobServiceClient
      .fromConnectionString(this.opts.connectionString, {
        // few, quick retries: a request must finish within the deadline, a dead server should fail fast
        retryOptions: { maxTries: 3, tryTimeoutInMs: this.timeoutMs, retryDelayInMs: 100, maxRetryDelayInMs: 1000 },
      })
      .getContainerClient(this.opts.containerName))
      .catch((err: unknown) => {
        // a failed start (a malformed connection string, the SDK not loading) is not kept
        this.container = undefined;
        throw err;
      });
    return this.container;
  }
}

/** A missing blob (404), but not a missing container: that is a failure to report. */
function isBlobNotFound(err: unknown): boolean {
  const e = err as { statusCode?: number; code?: string } | null;
  return e?.statusCode === 404 && e.code !== 'ContainerNotFound';
}

/** Rejects when `promise` has not settled within `ms` (for SDK calls that take no abort signal). */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { name: 'TimeoutError' })), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A string of the cache's options, else of `globals.cache.azureblob`. */
function azureSetting(r: MapReader, ctx: CacheReadContext, key: string): string | undefined {
  return cacheOrGlobal(r, ctx, 'azureblob', (m) => m.str(key));
}

/**
 * What is wrong with a connection string the SDK would refuse on the first request, for the configuration error:
 * it is an account string (AccountName and AccountKey), a SAS string (BlobEndpoint and SharedAccessSignature) or
 * the development storage shortcut. Null when it has one of these shapes.
 */
function connectionStringProblem(cs: string): string | null {
  const parts = new Map<string, string>();
  for (const pair of cs.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0) parts.set(pair.slice(0, eq).trim().toLowerCase(), pair.slice(eq + 1).trim());
  }
  if (parts.get('usedevelopmentstorage')?.toLowerCase() === 'true') return null;
  if (parts.get('accountname') && parts.get('accountkey')) return null;
  if (parts.get('blobendpoint') && parts.get('sharedaccesssignature')) return null;
  return 'has neither AccountName and AccountKey nor BlobEndpoint and SharedAccessSignature';
}

export const azureblobBackend: CacheBackend<AzureBlobBackendOptions> = {
  type: 'azureblob',
  readOptions(r, ctx) {
    const containerName = azureSetting(r, ctx, 'container_name');
    if (!containerName) {
      throw r.error('container_name', `no container_name configured for Azure Blob cache ${ctx.cacheName} (set it here or in globals.cache.azureblob.container_name)`);
    }
    // as MapProxy: the environment variable wins over the configuration
    const configured = azureSetting(r, ctx, 'connection_string');
    const connectionString = process.env.AZURE_STORAGE_CONNECTION_STRING ?? configured;
    if (!connectionString) {
      throw r.error('connection_string', `no connection_string configured for Azure Blob cache ${ctx.cacheName} (set it here, in globals.cache.azureblob.connection_string or in AZURE_STORAGE_CONNECTION_STRING)`);
    }
    const problem = connectionStringProblem(connectionString);
    if (problem) {
      const from = process.env.AZURE_STORAGE_CONNECTION_STRING !== undefined ? ' (from AZURE_STORAGE_CONNECTION_STRING)' : '';
      throw r.error('connection_string', `the connection string${from} ${problem}`);
    }
    const directory = r.str('directory');
    const basePaths: Record<string, string> = {};
    for (const g of ctx.grids) basePaths[g.key] = directory ?? pyJoin(ctx.cacheName, g.name);
    if (directory !== undefined && ctx.grids.length > 1) {
      r.ctx.warn(r.keyPath('directory'), `the grids ${ctx.grids.map((g) => g.key).join(', ')} share one directory and overwrite each other's tiles`);
    }
    const timeout = r.num('timeout') ?? DEFAULT_AZUREBLOB_TIMEOUT;
    if (!(timeout > 0)) throw r.error('timeout', `expected a positive number of seconds, got ${timeout}`);
    return {
      connectionString,
      containerName,
      directoryLayout: r.oneOf('directory_layout', DIRECTORY_LAYOUTS) ?? 'tms',
      basePaths,
      timeout,
    };
  },
  open(options, target) {
    const basePath = options.basePaths[target.gridKey];
    if (basePath === undefined) throw new Error(`caches.${target.cacheName}: no Azure Blob directory for grid '${target.gridKey}'`);
    return new AzureBlobCache({
      connectionString: options.connectionString,
      containerName: options.containerName,
      basePath,
      layout: options.directoryLayout,
      ext: target.fileExt,
      concurrency: AZUREBLOB_CONCURRENCY,
      timeout: options.timeout,
    });
  },
};
