/**
 * CGI variables (what a web server sends as FastCGI PARAMS) to the core's request, and the
 * core's response to a CGI response (`Status:` line, headers, body) as FastCGI STDOUT carries it.
 */
import { STATUS_CODES } from 'node:http';
import type { CoreRequest, CoreResponse } from '../../core/http.js';

/** CGI variables by name. Values are latin1 strings, i.e. one char per byte as sent. */
export type CgiParams = ReadonlyMap<string, string>;

/** A latin1 (byte-per-char) string re-read as UTF-8: paths are UTF-8 bytes on the wire. */
function utf8(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function stripTrailingSlashes(s: string): string {
  return s.replace(/\/+$/, '');
}

/**
 * The path below the mount point. PATH_INFO when the web server split it off (nginx with
 * fastcgi_split_path_info, lighttpd with a prefix); otherwise REQUEST_URI (or DOCUMENT_URI)
 * minus the mount prefix, which is what Apache's mod_proxy_fcgi leaves us.
 */
function requestPath(params: CgiParams, prefix: string): string {
  const pathInfo = params.get('PATH_INFO');
  if (pathInfo) return utf8(pathInfo);
  const uri = params.get('REQUEST_URI') ?? params.get('DOCUMENT_URI');
  if (uri === undefined) return '/';
  const q = uri.indexOf('?');
  // Raw bytes as UTF-8 first, then %XX escapes (which decodeURIComponent reads as UTF-8).
  let path = percentDecode(utf8(q >= 0 ? uri.slice(0, q) : uri));
  if (prefix && (path === prefix || path.startsWith(prefix + '/'))) path = path.slice(prefix.length);
  return path.startsWith('/') ? path : '/' + path;
}

function defaultPort(scheme: string): string {
  return scheme === 'https' ? '443' : '80';
}

/**
 * The core request for one FastCGI request.
 * - `scriptName` is SCRIPT_NAME, or the `X-Script-Name` header when the web server sets one
 *   (as MapProxy, it then wins; Apache's mod_proxy_fcgi sends the whole path as SCRIPT_NAME).
 * - HTTP_* variables become lower-case headers with '-' for '_'; CONTENT_TYPE/LENGTH too.
 * - HTTPS=on (or REQUEST_SCHEME=https) becomes `x-forwarded-proto: https` unless already set,
 *   so capabilities documents carry https URLs.
 * - Without a Host header, SERVER_NAME and SERVER_PORT stand in (CGI's own fallback).
 */
export function coreRequestFromCgi(params: CgiParams, body?: Buffer): CoreRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of params) {
    if (name.startsWith('HTTP_') && name.length > 5) {
      headers[name.slice(5).toLowerCase().replace(/_/g, '-')] = value;
    }
  }
  const contentType = params.get('CONTENT_TYPE');
  if (contentType) headers['content-type'] = contentType;
  const contentLength = params.get('CONTENT_LENGTH');
  if (contentLength) headers['content-length'] = contentLength;

  const https = (params.get('HTTPS') ?? '').toLowerCase();
  const scheme = https === 'on' || https === '1' || params.get('REQUEST_SCHEME') === 'https' ? 'https' : 'http';
  if (scheme === 'https' && headers['x-forwarded-proto'] === undefined) headers['x-forwarded-proto'] = 'https';

  if (headers['host'] === undefined && params.get('SERVER_NAME')) {
    const port = params.get('SERVER_PORT');
    headers['host'] = params.get('SERVER_NAME') + (port && port !== defaultPort(scheme) ? `:${port}` : '');
  }

  const xScriptName = headers['x-script-name'];
  const scriptName = stripTrailingSlashes(utf8(xScriptName ?? params.get('SCRIPT_NAME') ?? ''));
  const method = (params.get('REQUEST_METHOD') ?? 'GET').toUpperCase();

  return {
    method,
    path: requestPath(params, scriptName),
    query: params.get('QUERY_STRING') ?? '',
    headers,
    remoteAddr: params.get('REMOTE_ADDR'),
    body: body && body.length > 0 ? body : undefined,
    scriptName,
  };
}

/** Header values must not smuggle in further header lines. */
function headerSafe(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

/**
 * The CGI response bytes: `Status: 200 OK`, the headers, a Content-Length when the core did
 * not give one, a blank line, then the body (none for HEAD).
 */
export function cgiResponse(res: CoreResponse, method: string): Buffer {
  const body = typeof res.body === 'string' ? Buffer.from(res.body) : res.body;
  const lines = [`Status: ${res.status} ${STATUS_CODES[res.status] ?? 'Unknown'}`];
  let hasLength = false;
  for (const [name, value] of Object.entries(res.headers)) {
    if (name.toLowerCase() === 'content-length') hasLength = true;
    lines.push(`${headerSafe(name)}: ${headerSafe(String(value))}`);
  }
  if (!hasLength) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  return method === 'HEAD' ? head : Buffer.concat([head, body]);
}
