/**
 * `http.manage_cookies`: cookies that upstream answers set are kept and sent back with later requests, as
 * MapProxy's urllib opener does with a `http.cookiejar.CookieJar` under its default policy (Netscape cookies;
 * RFC 2109 ones are treated as Netscape cookies too). Some upstream servers hand out a session cookie on the first
 * request and answer later ones only with it.
 *
 * The rules are Python's, not a browser's, so that MapProxy configurations behave the same: a cookie without
 * `Domain` is also sent to subdomains of its host, the default path is the request path without its last segment,
 * `Max-Age` wins over `Expires`, an expiry in the past deletes the cookie, and cookies without an expiry live as
 * long as the process.
 */

interface StoredCookie {
  readonly name: string;
  /** null: the header had no '=' (the name alone is sent back). */
  readonly value: string | null;
  /** Lower case; starts with '.' when the answer set `Domain`, else the effective host name. */
  readonly domain: string;
  readonly path: string;
  readonly secure: boolean;
  /** Epoch seconds; undefined for a session cookie. */
  readonly expires: number | undefined;
}

export class CookieJar {
  // domain → path → name → cookie, the shape of Python's CookieJar._cookies
  private readonly cookies = new Map<string, Map<string, Map<string, StoredCookie>>>();

  constructor(private readonly now: () => number = () => Date.now() / 1000) {}

  /** The `Cookie` header for a request to `url`, or undefined when no stored cookie applies. */
  header(url: URL): string | undefined {
    const erhn = effectiveHost(url);
    const path = requestPath(url);
    const now = this.now();
    const matching: StoredCookie[] = [];
    for (const [domain, byPath] of this.cookies) {
      const dotted = domain.startsWith('.') ? domain : '.' + domain;
      if (!('.' + erhn).endsWith(dotted)) continue;
      for (const [cookiePath, byName] of byPath) {
        if (!pathMatches(path, cookiePath)) continue;
        for (const c of byName.values()) {
          if (c.secure && url.protocol !== 'https:') continue;
          if (c.expires !== undefined && c.expires <= now) continue;
          matching.push(c);
        }
      }
    }
    if (matching.length === 0) return undefined;
    // the most specific (longest) path first; a stable sort keeps the store order otherwise
    matching.sort((a, b) => b.path.length - a.path.length);
    return matching.map((c) => (c.value === null ? c.name : `${c.name}=${c.value}`)).join('; ');
  }

  /** Takes the `Set-Cookie` headers of an answer to a request for `url` (of any status, as urllib does). */
  store(url: URL, setCookie: readonly string[]): void {
    for (const line of setCookie) {
      const parsed = parseSetCookie(line, this.now());
      if (parsed) this.add(url, parsed);
    }
  }

  private add(url: URL, p: ParsedCookie): void {
    const erhn = effectiveHost(url);
    let path = p.path;
    if (path === undefined) {
      // Netscape's default: the request path up to (not including) its last '/'
      const req = requestPath(url);
      path = req.slice(0, Math.max(req.lastIndexOf('/'), 0));
      if (path === '') path = '/';
    }
    let domain: string;
    if (p.domain === undefined) domain = erhn;
    else {
      domain = p.domain.startsWith('.') ? p.domain : '.' + p.domain;
      if (!domainAccepted(domain, erhn)) return;
    }
    if (p.expires !== undefined && p.expires <= this.now()) {
      // an expiry in the past asks to delete the cookie
      this.cookies.get(domain)?.get(path)?.delete(p.name);
      return;
    }
    let byPath = this.cookies.get(domain);
    if (!byPath) this.cookies.set(domain, (byPath = new Map()));
    let byName = byPath.get(path);
    if (!byName) byPath.set(path, (byName = new Map()));
    byName.set(p.name, { name: p.name, value: p.value, domain, path, secure: p.secure, expires: p.expires });
  }
}

interface ParsedCookie {
  name: string;
  value: string | null;
  domain?: string;
  path?: string;
  secure: boolean;
  expires?: number;
}

/** Python's parse_ns_headers and _normalized_cookie_tuples for one `Set-Cookie` value; null for a bad cookie. */
function parseSetCookie(line: string, now: number): ParsedCookie | null {
  const params = line.split(';');
  const [first, ...attrs] = params.map((s) => s.trim());
  const eq = first!.indexOf('=');
  const name = (eq < 0 ? first! : first!.slice(0, eq)).trim();
  if (!name) return null;
  const out: ParsedCookie = { name, value: eq < 0 ? null : first!.slice(eq + 1).trim(), secure: false };
  const seen = new Set<string>();
  let maxAgeSet = false;
  for (const attr of attrs) {
    const i = attr.indexOf('=');
    const key = (i < 0 ? attr : attr.slice(0, i)).trim().toLowerCase();
    if (!key) continue;
    const value = i < 0 ? null : attr.slice(i + 1).trim();
    // only the first Domain, Path or Expires counts; Max-Age always wins over Expires
    if (seen.has(key)) continue;
    switch (key) {
      case 'secure':
        out.secure = true;
        break;
      case 'domain':
        if (value === null) return null;
        seen.add(key);
        out.domain = value.toLowerCase();
        break;
      case 'path':
        if (value === null) return null;
        seen.add(key);
        if (value !== '') out.path = value;
        break;
      case 'max-age':
        if (value === null || !/^[+-]?\d+$/.test(value)) return null;
        maxAgeSet = true;
        out.expires = now + Number(value);
        break;
      case 'expires': {
        if (maxAgeSet) break;
        const t = value === null ? NaN : Date.parse(stripQuotes(value));
        // an unreadable date makes a session cookie
        if (Number.isFinite(t)) {
          seen.add(key);
          out.expires = t / 1000;
        }
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** DefaultCookiePolicy.set_ok_domain for Netscape cookies: the answering host must lie in the named domain. */
function domainAccepted(domain: string, erhn: string): boolean {
  const undotted = domain.slice(1);
  // '.com' and the like: only a local host may set a domain without an inner dot
  if (!undotted.includes('.') && !erhn.endsWith('.local')) return false;
  return erhn.endsWith(domain) || erhn.endsWith(`${undotted}.local`) || ('.' + erhn).endsWith(domain);
}

/** Python's eff_request_host: the lower-case host; a name without a dot (not an IP) gets '.local'. */
function effectiveHost(url: URL): string {
  const host = url.hostname.toLowerCase();
  return host.includes('.') ? host : `${host}.local`;
}

function requestPath(url: URL): string {
  return url.pathname.startsWith('/') ? url.pathname : '/' + url.pathname;
}

function pathMatches(reqPath: string, cookiePath: string): boolean {
  if (reqPath === cookiePath) return true;
  return reqPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || reqPath[cookiePath.length] === '/');
}

function stripQuotes(s: string): string {
  return s.replace(/^"/, '').replace(/"$/, '');
}

/**
 * The jar of a source with `manage_cookies`: MapProxy keeps one urllib opener, and with it one cookie jar, per
 * (ssl_ca_certs, ssl_no_cert_checks), so sources with the same TLS settings share their cookies.
 */
export function sharedCookieJar(
  jars: Map<string, CookieJar>,
  url: string,
  tls: { readonly sslCaCerts?: string | undefined; readonly sslNoCertChecks: boolean },
): CookieJar {
  let key = 'plain';
  if (url.includes('https')) key = tls.sslNoCertChecks ? 'insecure' : `ca:${tls.sslCaCerts ?? ''}`;
  let jar = jars.get(key);
  if (!jar) jars.set(key, (jar = new CookieJar()));
  return jar;
}
