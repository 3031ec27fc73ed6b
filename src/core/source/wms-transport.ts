import type { HttpClient } from '../client/http-client.js';
import type { UpstreamRequest } from './wms-request.js';

export interface UpstreamResponse {
  /** Lower-case header names. */
  headers: Readonly<Record<string, string>>;
  body: Buffer;
  /** What to name in messages: the request URL without credentials. */
  url: string;
}

/**
 * How a WMS-like request reaches its server: over HTTP, or by running a CGI binary (mapserver).
 * Failures reject with HTTPClientError so `on_error` applies to both.
 */
export interface WmsTransport {
  retrieve(request: UpstreamRequest, method: 'GET' | 'POST'): Promise<UpstreamResponse>;
}

export class HttpWmsTransport implements WmsTransport {
  constructor(private readonly http: HttpClient) {}

  async retrieve(request: UpstreamRequest, method: 'GET' | 'POST'): Promise<UpstreamResponse> {
    const res = method === 'POST'
      ? await this.http.request(request.baseUrl, { method: 'POST', body: request.queryString })
      : await this.http.request(request.url);
    return { headers: res.headers, body: res.body, url: res.url };
  }
}
