/** A URL with its `user:password@` part taken out, as MapProxy's auth_data_from_url. */
export interface UrlCredentials {
  url: string;
  username?: string;
  password?: string;
}

/**
 * Splits `scheme://user:pass@host/path` into the URL without credentials and the credentials.
 * Like MapProxy, the last '@' of the host part separates them (passwords may contain '@'), and
 * the user name ends at the first ':'. An '@' in the path (`tile@2x.png`) is not userinfo.
 */
export function splitUrlCredentials(url: string): UrlCredentials {
  const schemeEnd = url.indexOf('://');
  if (!url || schemeEnd < 0) return { url };
  const scheme = url.slice(0, schemeEnd);
  const rest = url.slice(schemeEnd + 3);
  const slash = rest.indexOf('/');
  let host = slash >= 0 ? rest.slice(0, slash) : rest;
  const request = slash >= 0 ? rest.slice(slash + 1) : '';
  const at = host.lastIndexOf('@');
  if (at < 0) return { url };
  const auth = host.slice(0, at);
  host = host.slice(at + 1);
  const colon = auth.indexOf(':');
  const stripped = `${scheme}://${host}/${request}`;
  return colon >= 0
    ? { url: stripped, username: auth.slice(0, colon), password: auth.slice(colon + 1) }
    : { url: stripped, username: auth };
}

/** The Basic Authorization header value for the credentials (password may be absent). */
export function basicAuthorization(username: string, password = ''): string {
  return 'Basic ' + Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}
