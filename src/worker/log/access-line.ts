import type { CoreRequest, CoreResponse } from '../../core/http.js';

/**
 * One answered request for the access log: what MapProxy users read in their WSGI server's log (client, request
 * line, status, bytes) plus the time taken and what the cache did (X-Cache: hit, miss, stale; '-' for answers
 * that are not tiles). The message reads like a common log line; the fields carry the same for collectors.
 */
export function accessEntry(req: CoreRequest, res: CoreResponse, ms: number): { message: string; fields: Record<string, unknown> } {
  const url = req.query ? `${req.scriptName ?? ''}${req.path}?${req.query}` : `${req.scriptName ?? ''}${req.path}`;
  const bytes = req.method === 'HEAD' ? 0 : typeof res.body === 'string' ? Buffer.byteLength(res.body) : res.body.length;
  const cache = res.headers['X-Cache'] ?? null;
  const client = req.remoteAddr ?? '-';
  const time = Math.round(ms * 10) / 10;
  const fields: Record<string, unknown> = { client, method: req.method, url, status: res.status, bytes, ms: time, cache };
  if (req.headers['user-agent']) fields.userAgent = req.headers['user-agent'];
  if (req.headers['referer']) fields.referer = req.headers['referer'];
  // behind a reverse proxy the client is the proxy; the header (as the proxy wrote it) names who asked
  if (req.headers['x-forwarded-for']) fields.forwardedFor = req.headers['x-forwarded-for'];
  return { message: `${client} "${req.method} ${url}" ${res.status} ${bytes} ${time}ms ${cache ?? '-'}`, fields };
}
