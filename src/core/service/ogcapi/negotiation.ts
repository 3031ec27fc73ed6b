import type { CoreRequest, RequestParams } from '../../http.js';
import { OgcApiError } from './errors.js';

export type DocFormat = 'json' | 'html';
export type MapFormat = 'png' | 'jpeg';

export const MIME = {
  json: 'application/json',
  html: 'text/html',
  png: 'image/png',
  jpeg: 'image/jpeg',
  openapi: 'application/vnd.oai.openapi+json;version=3.0',
} as const;

/** Refuses a parameter the endpoint does not know (400), as the standard asks of servers. */
export function checkParams(params: RequestParams, allowed: readonly string[]): void {
  for (const name of params.keys()) if (!allowed.includes(name)) throw OgcApiError.unknownParameter(name);
}

/** Documents: only `f=json` or `f=html`. */
export function checkDocFormat(params: RequestParams): void {
  const f = params.get('f');
  if (f !== undefined && f !== 'json' && f !== 'html') throw OgcApiError.invalidParameter('Invalid value for f query parameter');
}

/** HTML when `f=html`, or when the Accept header asks for text/html and `f` does not say json (MapProxy 7's is_html_req). */
export function wantsHtml(req: CoreRequest, params: RequestParams): boolean {
  const f = params.get('f');
  if (f === 'html') return true;
  return (req.headers['accept'] ?? '').includes(MIME.html) && f !== 'json';
}

/**
 * The image format of a map or tile: the path's extension (`.png`, `.jpg`, `.jpeg`), else `f`, else the Accept
 * header; 406 for anything else, PNG when nothing is asked.
 */
export function imageFormat(req: CoreRequest, params: RequestParams, filename: string): MapFormat {
  const dot = filename.indexOf('.');
  if (dot >= 0) {
    const ext = filename.slice(dot + 1);
    if (ext === 'png') return 'png';
    if (ext === 'jpg' || ext === 'jpeg') return 'jpeg';
    throw OgcApiError.notAcceptable(`Unsupported image format ${ext}`);
  }
  const f = params.get('f');
  if (f === 'png' || f === 'jpeg') return f;
  if (f) throw OgcApiError.notAcceptable(`Unsupported image format ${f}`);
  const accept = req.headers['accept'] ?? '';
  if (accept.includes(MIME.png)) return 'png';
  if (accept.includes(MIME.jpeg)) return 'jpeg';
  if (accept && !accept.includes('*/*') && !accept.includes('image/*')) throw OgcApiError.notAcceptable(`Unsupported image format ${accept}`);
  return 'png';
}
