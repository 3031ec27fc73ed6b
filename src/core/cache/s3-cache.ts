import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { HTTPClientError, HttpClient } from '../client/http-client.js';
import type { MapReader } from '../config/config-reader.js';
import { pyJoin } from '../config/paths.js';
import type { CacheBackend, CacheReadContext } from './backend.js';
import { cacheOrGlobal } from './global-setting.js';
import { type ListedObject, ObjectStoreCache, type ObjectStoreLayout, type StoreFailure, type StoredObject, networkFailure, readBody, wholeSeconds } from './object-store-cache.js';
import { DIRECTORY_LAYOUTS, type DirectoryLayout } from './paths.js';

type S3Sdk = typeof import('@aws-sdk/client-s3');
/** The AWS SDK is big: loaded on the first request of the first S3 cache, never for configurations without one. */
let s3Sdk: Promise<S3Sdk> | undefined;
/**
 * The SDK warns on Node 20 that its releases after January 2027 will need Node 22. package.json pins a release
 * that supports Node 20, so the warning says nothing about what runs; unless the operator set the variable, it
 * is turned off before the SDK loads rather than printed by every worker.
 */
const loadS3Sdk = (): Promise<S3Sdk> => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return (s3Sdk ??= import('@aws-sdk/client-s3'));
};

/** S3's canned ACLs: anything else is refused by S3 on every PUT, so it is refused when the configuration is read. */
const CANNED_ACLS = [
  'private', 'public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read', 'bucket-owner-read', 'bucket-owner-full-control',
] as const;
type CannedAcl = (typeof CANNED_ACLS)[number];

/** Seconds one S3 operation may take in all (connecting, retries, the last byte), unless `timeout` says otherwise. */
export const DEFAULT_S3_TIMEOUT = 10;
/** Requests of one batch in flight at once (MapProxy: 4 writers per meta tile). */
const S3_CONCURRENCY = 8;

/** `cache.type: s3` as configured (MapProxy 7's config/configuration/cache.py). */
export interface S3BackendOptions {
  bucketName: string;
  directoryLayout: DirectoryLayout;
  /** MapProxy's base_path per grid key. */
  basePaths: Record<string, string>;
  profileName?: string;
  regionName?: string;
  endpointUrl?: string;
  accessControlList?: CannedAcl;
  useHttpGet: boolean;
  /** Seconds (extension: MapProxy relies on boto3's 60 s socket timeouts). */
  timeout: number;
}

export interface S3CacheOptions extends ObjectStoreLayout {
  bucketName: string;
  profileName?: string;
  regionName?: string;
  endpointUrl?: string;
  accessControlList?: string;
  useHttpGet?: boolean;
  timeout?: number;
}

/** The client of one store, made on first use: the SDK is loaded and the region resolved then. */
interface S3Connection {
  sdk: S3Sdk;
  client: S3Client;
  region: string;
}

/**
 * Tiles as objects in an S3 bucket, one PUT per tile, under the keys MapProxy's cache/s3.py uses, so a bucket is
 * shared with MapProxy. Credentials and the region come from the AWS SDK's usual chain (environment, shared
 * config and credentials files, `profile_name`), as boto3 finds them.
 */
export class S3Cache extends ObjectStoreCache {
  protected readonly kind = 's3';
  readonly lockId: string;
  private readonly timeoutMs: number;
  private connection: Promise<S3Connection> | undefined;
  private httpClient: HttpClient | undefined;
  private closed = false;

  constructor(private readonly opts: S3CacheOptions) {
    super(opts);
    this.timeoutMs = (opts.timeout ?? DEFAULT_S3_TIMEOUT) * 1000;
    this.lockId = createHash('md5').update(opts.basePath + opts.bucketName, 'utf8').digest('hex');
  }

  protected objectName(key: string): string {
    return `s3://${this.opts.bucketName}/${key}`;
  }

  protected async getObject(key: string): Promise<StoredObject | null> {
    if (this.opts.useHttpGet) return this.httpGet(key);
    const { sdk, client } = await this.connect();
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await client.send(new sdk.GetObjectCommand({ Bucket: this.opts.bucketName, Key: key }), { abortSignal: signal });
      const data = await readBody(res.Body as Readable, signal);
      return { data, lastModified: wholeSeconds(res.LastModified) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  protected async headObject(key: string): Promise<number | null | undefined> {
    if (this.opts.useHttpGet) {
      const found = await this.httpGet(key);
      return found === null ? undefined : found.lastModified;
    }
    const { sdk, client } = await this.connect();
    try {
      const res = await client.send(new sdk.HeadObjectCommand({ Bucket: this.opts.bucketName, Key: key }), { abortSignal: AbortSignal.timeout(this.timeoutMs) });
      return wholeSeconds(res.LastModified);
    } catch (err) {
      // a HEAD answer has no body: a missing bucket is a 404 just like a missing key
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** MapProxy sets a content type for PNG and JPEG tiles only, and the ACL when one is configured. */
  protected async putObject(key: string, data: Buffer): Promise<void> {
    const { sdk, client } = await this.connect();
    const ext = this.opts.ext;
    await client.send(new sdk.PutObjectCommand({
      Bucket: this.opts.bucketName,
      Key: key,
      Body: data,
      ContentLength: data.length,
      ...(ext === 'png' || ext === 'jpeg' ? { ContentType: `image/${ext}` } : {}),
      ...(this.opts.accessControlList ? { ACL: this.opts.accessControlList as CannedAcl } : {}),
    }), { abortSignal: AbortSignal.timeout(this.timeoutMs) });
  }

  /** One DeleteObjects request per thousand keys (S3's limit). */
  protected async deleteObjects(keys: readonly string[]): Promise<void> {
    const { sdk, client } = await this.connect();
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      const res = await client.send(new sdk.DeleteObjectsCommand({
        Bucket: this.opts.bucketName,
        Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
      }), { abortSignal: AbortSignal.timeout(this.timeoutMs) });
      const failed = res.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0]!;
        throw Object.assign(new Error(`${failed.length} objects not deleted, first ${first.Key}: ${first.Code} ${first.Message ?? ''}`.trim()), { name: first.Code ?? 'DeleteError' });
      }
    }
  }

  protected async *listObjects(prefix: string): AsyncIterable<ListedObject> {
    const { sdk, client } = await this.connect();
    let token: string | undefined;
    do {
      const res = await client.send(new sdk.ListObjectsV2Command({ Bucket: this.opts.bucketName, Prefix: prefix, ContinuationToken: token }), {
        abortSignal: AbortSignal.timeout(this.timeoutMs),
      });
      for (const o of res.Contents ?? []) if (o.Key !== undefined) yield { key: o.Key, lastModified: wholeSeconds(o.LastModified) };
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  protected describeFailure(err: unknown): StoreFailure {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | null;
    const name = e?.name ?? '';
    const where = this.opts.endpointUrl ?? 'S3';
    if (err instanceof HTTPClientError) {
      return { code: /timed out/.test(err.fullMessage) ? 'ETIMEDOUT' : 'EUNKNOWN', reason: err.fullMessage };
    }
    if (name === 'NoSuchBucket') return { code: 'ENOENT', reason: `bucket '${this.opts.bucketName}' does not exist` };
    if (name === 'CredentialsProviderError') return { code: 'EACCES', reason: `no AWS credentials found (${e?.message})` };
    if (e?.$metadata?.httpStatusCode === 403 || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'AccessDenied') {
      return { code: 'EACCES', reason: `access denied${name && name !== 'Unknown' ? ` (${name})` : ''}: check the credentials and the bucket's permissions` };
    }
    return networkFailure(err, where, this.timeoutMs) ?? { code: 'EUNKNOWN', reason: `${name || 'error'}: ${e?.message ?? String(err)}` };
  }

  override async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await connection.then((c) => c.client.destroy(), () => {});
    await this.httpClient?.close();
  }

  private connect(): Promise<S3Connection> {
    if (this.closed) return Promise.reject(new Error('the cache is closed'));
    // a failed start (the SDK could not load) is not kept: the next request tries again
    this.connection ??= this.makeConnection().catch((err: unknown) => {
      this.connection = undefined;
      throw err;
    });
    return this.connection;
  }

  private async makeConnection(): Promise<S3Connection> {
    const sdk = await loadS3Sdk();
    const make = (region: string | undefined) => new sdk.S3Client({
      region,
      ...(this.opts.profileName ? { profile: this.opts.profileName } : {}),
      ...(this.opts.endpointUrl ? {
        endpoint: this.opts.endpointUrl,
        // S3-compatible servers (MinIO, Ceph, s3rver) are addressed by path, as boto3 does for an endpoint_url;
        // and they often reject the checksum headers the SDK now adds to every request
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED' as const,
        responseChecksumValidation: 'WHEN_REQUIRED' as const,
      } : {}),
      maxAttempts: 3,
      requestHandler: { connectionTimeout: this.timeoutMs, requestTimeout: this.timeoutMs, throwOnRequestTimeout: true },
    });
    // region_name, else the SDK's chain (AWS_REGION, the profile's region), else boto3's AWS_DEFAULT_REGION,
    // else us-east-1 (where boto3's S3 client goes without a region)
    const configured = this.opts.regionName ?? (process.env.AWS_REGION ? undefined : process.env.AWS_DEFAULT_REGION);
    let client = make(configured);
    let region: string;
    try {
      region = await client.config.region();
    } catch {
      client.destroy();
      region = 'us-east-1';
      client = make(region);
    }
    return { sdk, client, region };
  }

  /**
   * use_http_get: an anonymous GET of the object's public URL (MapProxy 7), through the project's HTTP client.
   * MapProxy takes 403 (what S3 answers for a missing object without list permission) as a miss; 404 is one too.
   */
  private async httpGet(key: string): Promise<StoredObject | null> {
    const { region } = await this.connect();
    this.httpClient ??= new HttpClient({ timeout: this.timeoutMs / 1000, hideErrorDetails: false });
    const path = key.split('/').map(encodeURIComponent).join('/');
    // MapProxy always builds the AWS URL; with an endpoint_url the object is read from that server instead
    const url = this.opts.endpointUrl
      ? `${this.opts.endpointUrl.replace(/\/+$/, '')}/${encodeURIComponent(this.opts.bucketName)}/${path}`
      : `https://${this.opts.bucketName}.s3.${region}.amazonaws.com/${path}`;
    try {
      const res = await this.httpClient.request(url);
      const modified = res.headers['last-modified'] ? Date.parse(res.headers['last-modified']) : NaN;
      return { data: res.body, lastModified: Number.isNaN(modified) ? null : Math.floor(modified / 1000) };
    } catch (err) {
      if (err instanceof HTTPClientError && (err.responseCode === 403 || err.responseCode === 404)) return null;
      throw err;
    }
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || (e?.$metadata?.httpStatusCode === 404 && e?.name !== 'NoSuchBucket');
}

/** A value of the cache's options, else of `globals.cache.s3`. */
function s3Setting<T>(r: MapReader, ctx: CacheReadContext, read: (m: MapReader) => T | undefined): T | undefined {
  return cacheOrGlobal(r, ctx, 's3', read);
}

export const s3Backend: CacheBackend<S3BackendOptions> = {
  type: 's3',
  readOptions(r, ctx) {
    const bucketName = s3Setting(r, ctx, (m) => m.str('bucket_name'));
    if (!bucketName) throw r.error('bucket_name', `no bucket_name configured for s3 cache ${ctx.cacheName} (set it here or in globals.cache.s3.bucket_name)`);
    if (r.has('region')) {
      r.accept('region');
      r.ctx.warn(r.keyPath('region'), 'the S3 region is set with region_name (as in MapProxy); region is ignored');
    }
    const directory = r.str('directory');
    const includeGridName = s3Setting(r, ctx, (m) => m.bool('include_grid_name')) ?? false;
    const basePaths: Record<string, string> = {};
    for (const g of ctx.grids) {
      // as MapProxy: directory (with the grid name appended when include_grid_name), else <cache name>/<grid name>
      if (directory === undefined) basePaths[g.key] = pyJoin(ctx.cacheName, g.name);
      else basePaths[g.key] = includeGridName && directory ? pyJoin(directory, g.name) : directory;
    }
    if (directory !== undefined && !includeGridName && ctx.grids.length > 1) {
      r.ctx.warn(r.keyPath('directory'), `the grids ${ctx.grids.map((g) => g.key).join(', ')} share one directory and overwrite each other's tiles; set include_grid_name: true`);
    }
    const timeout = r.num('timeout') ?? DEFAULT_S3_TIMEOUT;
    if (!(timeout > 0)) throw r.error('timeout', `expected a positive number of seconds, got ${timeout}`);
    const out: S3BackendOptions = {
      bucketName,
      directoryLayout: r.oneOf('directory_layout', DIRECTORY_LAYOUTS) ?? 'tms',
      basePaths,
      useHttpGet: s3Setting(r, ctx, (m) => m.bool('use_http_get')) ?? false,
      timeout,
    };
    const profileName = s3Setting(r, ctx, (m) => m.str('profile_name'));
    const regionName = s3Setting(r, ctx, (m) => m.str('region_name'));
    const endpointUrl = s3Setting(r, ctx, (m) => m.str('endpoint_url'));
    const acl = s3Setting(r, ctx, (m) => m.oneOf('access_control_list', CANNED_ACLS));
    if (profileName) out.profileName = profileName;
    if (regionName) out.regionName = regionName;
    if (endpointUrl) out.endpointUrl = endpointUrl;
    if (acl) out.accessControlList = acl;
    return out;
  },
  open(options, target) {
    const basePath = options.basePaths[target.gridKey];
    if (basePath === undefined) throw new Error(`caches.${target.cacheName}: no S3 directory for grid '${target.gridKey}'`);
    return new S3Cache({
      bucketName: options.bucketName,
      basePath,
      layout: options.directoryLayout,
      ext: target.fileExt,
      concurrency: S3_CONCURRENCY,
      profileName: options.profileName,
      regionName: options.regionName,
      endpointUrl: options.endpointUrl,
      accessControlList: options.accessControlList,
      useHttpGet: options.useHttpGet,
      timeout: options.timeout,
    });
  },
};
