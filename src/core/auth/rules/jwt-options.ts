import { isAbsolute, resolve } from 'node:path';
import { type Env, mapping, onlyKeys, secret, strings, type Raw } from './rule-values.js';

/** Where a rule's token verification key comes from. */
export type JwtKeySource =
  | { kind: 'secret'; secret: Uint8Array }
  /** A PEM public key or certificate, a JWK or a JWK set (JSON). */
  | { kind: 'file'; file: string }
  /** Fetched when first needed and kept `cacheMaxAgeMs`; an unknown `kid` refetches at most once per cooldown. */
  | { kind: 'jwks'; url: URL; cacheMaxAgeMs: number; timeoutMs: number };

/** A rule's bearer JWT condition, read from its `jwt:` mapping (our extension). */
export interface JwtOptions {
  /** Lower-case header carrying the token; `authorization` expects the `Bearer` scheme. */
  readonly header: string;
  /** A query parameter carrying the token, for clients that cannot send headers. */
  readonly query?: string;
  readonly key: JwtKeySource;
  readonly algorithms: readonly string[];
  readonly issuer?: readonly string[];
  readonly audience?: readonly string[];
  /** Clock skew allowed on `exp` and `nbf`, seconds. */
  readonly leewaySec: number;
  /** A claim listing the layers the token permits (an array of names, or names separated by spaces). */
  readonly layersClaim?: string;
  /** Claims that must be present with this value (or, for an array or space-separated claim, contain it). */
  readonly claims: Readonly<Record<string, string>>;
}

const HMAC = ['HS256', 'HS384', 'HS512'];
const PUBLIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
const KEYS = ['header', 'query', 'secret', 'key_file', 'jwks_url', 'jwks_cache', 'algorithms', 'issuer', 'audience', 'leeway', 'layers_claim', 'claims'];
/** More than a few minutes of skew is a broken clock, not a leeway: refused rather than silently honoured. */
const MAX_LEEWAY_SEC = 300;
/** RFC 7518 3.2: an HMAC key at least as long as the hash output. */
const MIN_SECRET_BYTES = 32;

/** Reads `jwt:`; relative key files are relative to the rules file's folder. */
export function readJwtOptions(value: unknown, where: string, env: Env, baseDir: string): JwtOptions {
  const raw = mapping(value, where);
  onlyKeys(raw, KEYS, where);
  const sources = ['secret', 'key_file', 'jwks_url'].filter((k) => raw[k] !== undefined);
  if (sources.length !== 1) throw new Error(`${where}: needs exactly one of secret, key_file or jwks_url`);
  const key = keySource(raw, where, env, baseDir);
  const family = key.kind === 'secret' ? HMAC : PUBLIC;
  const algorithms = raw.algorithms !== undefined ? strings(raw.algorithms, `${where}.algorithms`) : key.kind === 'secret' ? ['HS256'] : ['RS256', 'ES256'];
  for (const alg of algorithms) {
    // a public key must never serve as an HMAC secret (the algorithm confusion attack), nor may 'none' pass
    if (!family.includes(alg)) throw new Error(`${where}.algorithms: '${alg}' cannot be used with ${key.kind === 'secret' ? 'a secret' : 'a public key'} (expected ${family.join(', ')})`);
  }
  const leewaySec = raw.leeway === undefined ? 30 : Number(raw.leeway);
  if (typeof raw.leeway === 'boolean' || !Number.isFinite(leewaySec) || leewaySec < 0 || leewaySec > MAX_LEEWAY_SEC) {
    throw new Error(`${where}.leeway: expected seconds between 0 and ${MAX_LEEWAY_SEC}`);
  }
  const claims: Record<string, string> = {};
  if (raw.claims !== undefined) {
    for (const [name, v] of Object.entries(mapping(raw.claims, `${where}.claims`))) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new Error(`${where}.claims.${name}: expected a string`);
      claims[name] = String(v);
    }
  }
  const one = (k: string) => (raw[k] !== undefined ? strings(raw[k], `${where}.${k}`)[0] : undefined);
  return {
    header: (one('header') ?? 'Authorization').toLowerCase(),
    ...(raw.query !== undefined ? { query: one('query')! } : {}),
    key,
    algorithms,
    ...(raw.issuer !== undefined ? { issuer: strings(raw.issuer, `${where}.issuer`) } : {}),
    ...(raw.audience !== undefined ? { audience: strings(raw.audience, `${where}.audience`) } : {}),
    leewaySec,
    ...(raw.layers_claim !== undefined ? { layersClaim: one('layers_claim')! } : {}),
    claims,
  };
}

function keySource(raw: Raw, where: string, env: Env, baseDir: string): JwtKeySource {
  if (raw.secret !== undefined) {
    const bytes = new TextEncoder().encode(secret(raw.secret, `${where}.secret`, env));
    if (bytes.length < MIN_SECRET_BYTES) throw new Error(`${where}.secret: an HMAC secret needs at least ${MIN_SECRET_BYTES} bytes`);
    return { kind: 'secret', secret: bytes };
  }
  if (raw.key_file !== undefined) {
    const file = secret(raw.key_file, `${where}.key_file`, env);
    return { kind: 'file', file: isAbsolute(file) ? file : resolve(baseDir, file) };
  }
  const text = secret(raw.jwks_url, `${where}.jwks_url`, env);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${where}.jwks_url: '${text}' is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${where}.jwks_url: expected an http(s) URL`);
  const cacheSec = raw.jwks_cache === undefined ? 600 : Number(raw.jwks_cache);
  if (!Number.isFinite(cacheSec) || cacheSec < 0) throw new Error(`${where}.jwks_cache: expected seconds`);
  return { kind: 'jwks', url, cacheMaxAgeMs: cacheSec * 1000, timeoutMs: 5000 };
}
