import type { CoreResponse } from '../http.js';
import { NO_CACHE_HEADERS } from '../http.js';

/**
 * A response built the way MapProxy's Response class builds it: `text/*` mimetypes get
 * '; charset=utf-8', and documents (text/* and application/*) vary on the proxy headers that
 * change the URLs inside them.
 */
export interface ResponseOptions {
  status?: number;
  /** A mimetype; 'text/...' gets '; charset=utf-8' appended. */
  mimetype?: string;
  /** A Content-Type sent exactly as given. */
  contentType?: string;
  noCache?: boolean;
}

export const VARY_PROXY_HEADERS = 'X-Script-Name, X-Forwarded-Host, X-Forwarded-Proto';

export function serviceResponse(body: Buffer | string, opts: ResponseOptions = {}): CoreResponse {
  let contentType = opts.contentType;
  if (opts.mimetype) contentType = opts.mimetype.startsWith('text/') ? `${opts.mimetype}; charset=utf-8` : opts.mimetype;
  contentType ??= 'text/plain';
  const headers: Record<string, string> = { 'Content-Type': contentType };
  if (contentType.startsWith('text/') || contentType.startsWith('application/')) headers['Vary'] = VARY_PROXY_HEADERS;
  if (opts.noCache) Object.assign(headers, NO_CACHE_HEADERS);
  return { status: opts.status ?? 200, headers, body };
}

/** MapProxy's answer to a path no service claims. */
export function notFound(): CoreResponse {
  return serviceResponse('not found', { status: 404, mimetype: 'text/plain' });
}
