import { createRequire } from 'node:module';
import type { Dispatcher } from 'undici';
import type { CookieJar } from './cookie-jar.js';
import { HttpDispatchers, type TlsOptions } from './dispatchers.js';
import type { RequestLimiter } from './request-limiter.js';
import { StaleConnectionError } from './stale-connection.js';
import { undici } from './undici.js';
import { basicAuthorization, splitUrlCredentials } from './url-credentials.js';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };
/** MapProxy sends `MapProxy-<version>`. */
export const USER_AGENT = `MapProxy-ts/${pkg.version}`;

/** One finished upstream request, for metrics and request logs. The URL carries no credentials. */
export interface RequestInfo {
  url: string;
  method: string;
  status?: number;
  /** Bytes of the answer's body, when one was read. */
  size?: number;
  durationMs: number;
  error?: string;
}

export interface HttpClientOptions extends TlsOptions {
  /** `client_timeout` in seconds: for the connection, the response headers and each body chunk. Default 60. */
  timeout?: number;
  /** Extra request headers (`http.headers`); they may override the User-Agent. */
  headers?: Readonly<Record<string, string>>;
  /** `hide_error_details` (MapProxy's default true): error messages without URL and reason. */
  hideErrorDetails?: boolean;
  /** Shared connection pools; a private set is created when absent. */
  dispatchers?: HttpDispatchers;
  /** `concurrent_requests`: limits parallel requests per upstream host. */
  limiter?: RequestLimiter;
  onRequest?: (info: RequestInfo) => void;
  /** `http.manage_cookies`: cookies of the answers are kept here and sent back. */
  cookies?: CookieJar;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Readonly<Record<string, string>>;
  body: Buffer;
  /** The requested URL, without credentials. */
  url: string;
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: Buffer | string;
  headers?: Readonly<Record<string, string>>;
}

/** Methods whose request may be sent twice without a different effect (RFC 9110, 9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD']);

/**
 * A failed upstream request. `message` is what MapProxy would show (generic when error details
 * are hidden); `fullMessage` always names the (credential free) URL and reason, for the log.
 */
export class HTTPClientError extends Error {
  constructor(
    message: string,
    readonly responseCode?: number,
    readonly fullMessage: string = message,
  ) {
    super(message);
    this.name = 'HTTPClientError';
  }
}

/** The one place that talks to the network. */
export class HttpClient {
  readonly timeoutMs: number;
  private readonly dispatchers: HttpDispatchers;
  private readonly ownDispatchers?: HttpDispatchers;
  private pool?: Dispatcher;

  constructor(private readonly opts: HttpClientOptions = {}) {
    this.timeoutMs = (opts.timeout ?? 60) * 1000;
    let dispatchers = opts.dispatchers;
    if (!dispatchers) dispatchers = this.ownDispatchers = new HttpDispatchers();
    this.dispatchers = dispatchers;
    // A CA file that cannot be read is a configuration error, reported when the configuration is loaded.
    if (opts.sslCaCerts) this.pool = dispatchers.get(opts);
  }

  /**
   * The connection pool, made on the first request: loading undici costs some 200 ms of CPU, which a process that
   * builds sources but never sends a request (the seeder's parent, a dry run, the daemon's master) does not spend.
   */
  private get dispatcher(): Dispatcher {
    return (this.pool ??= this.dispatchers.get(this.opts));
  }

  async request(rawUrl: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const { url, username, password } = splitUrlCredentials(rawUrl);
    const method = options.body !== undefined && options.method !== 'GET' ? 'POST' : (options.method ?? 'GET');
    const headers: Record<string, string> = { 'user-agent': USER_AGENT };
    for (const [k, v] of Object.entries(this.opts.headers ?? {})) headers[k.toLowerCase()] = v;
    for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
    if (username !== undefined) headers['authorization'] = basicAuthorization(username, password);
    if (method === 'POST' && !headers['content-type']) headers['content-type'] = 'application/x-www-form-urlencoded';

    let parsed: URL;
    try {
      parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`unsupported scheme ${parsed.protocol}`);
    } catch (err) {
      throw this.error(url, 'URL not correct', (err as Error).message);
    }

    // urllib's HTTPCookieProcessor leaves a Cookie header given in http.headers alone
    const cookie = this.opts.cookies && !headers['cookie'] ? this.opts.cookies.header(parsed) : undefined;
    if (cookie !== undefined) headers['cookie'] = cookie;

    const release = this.opts.limiter ? await this.acquire(parsed, url) : undefined;
    const start = performance.now();
    let status: number | undefined;
    try {
      const send = () => this.dispatcher.request({
        origin: parsed.origin,
        path: parsed.pathname + parsed.search,
        method,
        headers,
        body: options.body,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      // A pooled connection the server closed while our request was on its way: the request never
      // reached the server's application, so an idempotent one goes once more, on a new connection.
      const res = await send().catch((err: unknown) => {
        if (err instanceof StaleConnectionError && IDEMPOTENT.has(method)) return send();
        throw err;
      });
      status = res.statusCode;
      const setCookie = res.headers['set-cookie'];
      if (this.opts.cookies && setCookie !== undefined) this.opts.cookies.store(parsed, Array.isArray(setCookie) ? setCookie : [setCookie]);
      if (status >= 400) {
        await res.body.dump().catch(() => {});
        throw this.error(url, 'HTTP Error', String(status), status);
      }
      if (status === 204) {
        await res.body.dump().catch(() => {});
        throw new HTTPClientError('HTTP Error "204 No Content"', 204, `HTTP Error "${url}": 204 No Content`);
      }
      const body = Buffer.from(await res.body.arrayBuffer());
      const resHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined) resHeaders[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      }
      this.report(url, method, start, status, undefined, body.length);
      return { status, headers: resHeaders, body, url };
    } catch (err) {
      const clientErr = err instanceof HTTPClientError ? err : this.translate(url, err);
      this.report(url, method, start, status, clientErr.fullMessage);
      throw clientErr;
    } finally {
      release?.();
    }
  }

  /** Closes the connection pools this client created itself (not shared ones). */
  async close(): Promise<void> {
    await this.ownDispatchers?.close();
  }

  private async acquire(parsed: URL, url: string): Promise<() => void> {
    try {
      return await this.opts.limiter!.acquire(parsed.host, this.timeoutMs);
    } catch (err) {
      throw this.error(url, 'No response from URL', (err as Error).message);
    }
  }

  private report(url: string, method: string, start: number, status?: number, error?: string, size?: number): void {
    this.opts.onRequest?.({ url, method, status, size, durationMs: performance.now() - start, error });
  }

  private translate(url: string, err: unknown): HTTPClientError {
    if (err instanceof StaleConnectionError) err = err.cause;
    const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
    const undiciErrors = undici().errors;
    if (e instanceof undiciErrors.HeadersTimeoutError || e instanceof undiciErrors.BodyTimeoutError ||
        e instanceof undiciErrors.ConnectTimeoutError) {
      return this.error(url, 'No response from URL', 'timed out');
    }
    const code = e.code ?? e.cause?.code ?? '';
    if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
      return this.error(url, 'Could not verify connection to URL', e.message);
    }
    if (e instanceof undiciErrors.UndiciError || code) {
      const reason = e.cause?.message ?? e.message;
      return this.error(url, 'No response from URL', reason);
    }
    return this.error(url, 'Internal HTTP error', String(e?.message ?? e));
  }

  private error(url: string, message: string, reason: string, responseCode?: number): HTTPClientError {
    const full = `${message} "${url}": ${reason}`;
    if (this.opts.hideErrorDetails ?? true) {
      return new HTTPClientError(`${message} (see logs for URL and reason).`, responseCode, full);
    }
    return new HTTPClientError(full, responseCode, full);
  }
}
