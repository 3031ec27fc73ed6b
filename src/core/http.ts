import type { RequestHooks } from './auth/request-hooks.js';

/**
 * The core's view of HTTP: a plain request in, a plain response out. Adapters (uWS, node:http,
 * FastCGI, tests) translate to and from these; nothing in the core sees a socket.
 */
export interface CoreRequest {
  method: string;
  /** Path below the mount point, starting with '/', without the query string. */
  path: string;
  /** The raw query string, without '?'. */
  query: string;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string>>;
  remoteAddr?: string;
  body?: Buffer;
  /** The mount point (WSGI SCRIPT_NAME), e.g. '/proxy'; X-Script-Name overrides it. */
  scriptName?: string;
  /** Authorization and image hooks (MapProxy's environ keys); createApp fills in its own. */
  hooks?: RequestHooks;
}

export interface CoreResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** Query parameters with case-insensitive names (MapProxy's NoCaseMultiDict); values keep their case. */
export class RequestParams {
  private readonly map = new Map<string, string[]>();

  constructor(query: string | URLSearchParams) {
    const search = typeof query === 'string' ? new URLSearchParams(query) : query;
    for (const [key, value] of search) {
      const k = key.toLowerCase();
      const list = this.map.get(k);
      if (list) list.push(value);
      else this.map.set(k, [value]);
    }
  }

  get(name: string): string | undefined {
    return this.map.get(name.toLowerCase())?.[0];
  }

  getAll(name: string): string[] {
    return this.map.get(name.toLowerCase()) ?? [];
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }

  /** Lower-cased names, in first-seen order. */
  keys(): string[] {
    return [...this.map.keys()];
  }

  /** Parameters as the client wrote them would be lost; these are lower-cased names with first values. */
  entries(): [string, string][] {
    return [...this.map].map(([k, v]) => [k, v[0]]);
  }
}

/**
 * The URL under which the client reached us, for capabilities documents: X-Forwarded-Proto,
 * first X-Forwarded-Host else Host, and X-Script-Name (else the mount point) as prefix.
 */
export function baseUrl(req: CoreRequest): string {
  const h = req.headers;
  const proto = (h['x-forwarded-proto'] ?? 'http').split(',')[0].trim();
  const fwdHost = h['x-forwarded-host']?.split(',')[0].trim();
  const host = fwdHost || h['host'] || 'localhost';
  const script = (h['x-script-name'] ?? req.scriptName ?? '').replace(/\/+$/, '');
  return `${proto}://${host}${script}`;
}

export function textResponse(status: number, text: string, contentType = 'text/plain'): CoreResponse {
  return { status, headers: { 'Content-Type': contentType }, body: text };
}

/** Headers MapProxy puts on every error and on uncacheable results. */
export const NO_CACHE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-cache, no-store',
  Pragma: 'no-cache',
  Expires: '-1',
};
