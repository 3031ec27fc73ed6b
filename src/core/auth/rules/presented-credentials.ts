import type { CoreRequest } from '../../http.js';
import type { JwtOptions } from './jwt-options.js';

/** A query parameter by case-insensitive name (OGC clients vary the case of everything). */
export function queryParam(query: string, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of new URLSearchParams(query)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** The API key a rule reads from its header, else its query parameter. */
export function presentedKey(apiKey: { header?: string; query?: string }, req: CoreRequest): string | undefined {
  return (apiKey.header ? req.headers[apiKey.header] : undefined) ?? (apiKey.query ? queryParam(req.query, apiKey.query) : undefined);
}

/**
 * The bearer token of a `jwt:` condition: `Authorization: Bearer <token>` (the scheme case-insensitive, RFC 6750),
 * another configured header holding the token itself, else the query parameter.
 */
export function presentedToken(jwt: Pick<JwtOptions, 'header' | 'query'>, req: CoreRequest): string | undefined {
  const header = req.headers[jwt.header];
  if (header !== undefined) {
    const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
    if (m) return m[1];
    if (jwt.header !== 'authorization' && header.trim()) return header.trim();
  }
  return jwt.query ? queryParam(req.query, jwt.query) : undefined;
}
