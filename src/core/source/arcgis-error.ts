import { HTTPClientError } from '../client/http-client.js';
import type { UpstreamRequest } from './wms-request.js';
import type { UpstreamResponse, WmsTransport } from './wms-transport.js';

/** What an ArcGIS server says instead of an image or an identify result: `{"error": {code, message, details}}`. */
export interface ArcGisErrorAnswer {
  code?: number;
  message: string;
  details: string[];
}

/**
 * The error an ArcGIS REST answer carries, if it is one. ArcGIS servers answer failures (an unknown service, a bad
 * parameter, a missing token) with HTTP 200 and a JSON body, whatever `f` asked for, so the status alone says nothing.
 */
export function arcGisErrorOf(res: UpstreamResponse): ArcGisErrorAnswer | undefined {
  const type = (res.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('image/')) return undefined;
  const text = res.body.subarray(0, 64 * 1024).toString('utf8').trimStart();
  if (!text.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body.toString('utf8'));
  } catch {
    return undefined;
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; message?: unknown; details?: unknown };
  const out: ArcGisErrorAnswer = {
    message: typeof e.message === 'string' ? e.message : 'error',
    details: Array.isArray(e.details) ? e.details.map(String) : [],
  };
  if (typeof e.code === 'number' && Number.isInteger(e.code)) out.code = e.code;
  return out;
}

/** 'ArcGIS error 400: Unable to complete operation. (Invalid format)'. */
export function describeArcGisError(e: ArcGisErrorAnswer): string {
  const code = e.code !== undefined ? ` ${e.code}` : '';
  const details = e.details.length ? ` (${e.details.join('; ')})` : '';
  return `ArcGIS error${code}: ${e.message}${details}`;
}

/**
 * The transport of an ArcGIS source: an error answer becomes an HTTPClientError with the error's code, so that
 * `on_error` entries match ArcGIS's codes (400, 404, 498 invalid token, 499 token required, 500) as they match
 * HTTP statuses. MapProxy takes such a body for an image and fails to decode it.
 */
export class ArcGisTransport implements WmsTransport {
  constructor(private readonly inner: WmsTransport) {}

  async retrieve(request: UpstreamRequest, method: 'GET' | 'POST'): Promise<UpstreamResponse> {
    const res = await this.inner.retrieve(request, method);
    const error = arcGisErrorOf(res);
    if (error) {
      const message = `${describeArcGisError(error)} from ${res.url}`;
      throw new HTTPClientError(message, error.code, message);
    }
    return res;
  }
}
