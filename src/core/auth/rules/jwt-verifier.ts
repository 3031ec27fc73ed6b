import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import type { DenialReason } from '../denial-reason.js';
import { missingClaim } from './jwt-claims.js';
import type { JwtKeySource, JwtOptions } from './jwt-options.js';

export type TokenCheck = { readonly ok: true; readonly payload: JWTPayload } | { readonly ok: false; readonly reason: DenialReason };

/** Checks one rule's bearer tokens: signature, algorithm, issuer, audience, expiry and not-before, required claims. */
export interface JwtVerifier {
  verify(token: string): Promise<TokenCheck>;
}

type Jose = typeof import('jose');
type VerifyKey = KeyObject | Uint8Array | JWTVerifyGetKey;

/** How long an unknown `kid` waits before the JWKS is fetched again: forged tokens must not hammer the IdP. */
const JWKS_COOLDOWN_MS = 30_000;

/**
 * Builds the verifier of a `jwt:` condition. jose is imported here, on first use, so deployments without JWT
 * rules never load it. Key files are read now (a bad file stops the start); a JWKS is fetched on the first token.
 */
export async function createJwtVerifier(opts: JwtOptions, where: string): Promise<JwtVerifier> {
  const jose: Jose = await import('jose');
  const { key, algorithms } = await verificationKey(jose, opts.key, opts.algorithms, where);
  const verifyOptions = {
    algorithms: [...algorithms],
    clockTolerance: opts.leewaySec,
    // a token that never expires is refused: a leaked one would be good forever
    requiredClaims: ['exp'],
    ...(opts.issuer ? { issuer: [...opts.issuer] } : {}),
    ...(opts.audience ? { audience: [...opts.audience] } : {}),
  };
  const remote = opts.key.kind === 'jwks';
  return {
    async verify(token) {
      try {
        // the overloads differ only in the key's type; both take the same options
        const { payload } = typeof key === 'function' ? await jose.jwtVerify(token, key, verifyOptions) : await jose.jwtVerify(token, key, verifyOptions);
        if (missingClaim(payload, opts.claims)) return { ok: false, reason: 'token_claims' };
        return { ok: true, payload };
      } catch (err) {
        return { ok: false, reason: failureReason(err, remote) };
      }
    },
  };
}

/** jose's error codes as our reasons; a JWKS that cannot be fetched or read is the server's trouble, not the token's. */
function failureReason(err: unknown, remote: boolean): DenialReason {
  const e = err as { code?: string; claim?: string };
  switch (e?.code) {
    case 'ERR_JWT_EXPIRED':
      return 'token_expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return e.claim === 'nbf' ? 'token_not_yet_valid' : e.claim === 'iss' ? 'token_issuer' : e.claim === 'aud' ? 'token_audience' : 'token_claims';
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return 'jwks_unavailable';
    case 'ERR_JOSE_GENERIC':
      // jose's answer to a JWKS response other than 200
      return remote ? 'jwks_unavailable' : 'token_invalid';
    case undefined:
      // fetch's own TypeError when the JWKS server cannot be reached
      return remote && err instanceof TypeError && /fetch/i.test(err.message) ? 'jwks_unavailable' : 'token_invalid';
    default:
      return 'token_invalid';
  }
}

async function verificationKey(jose: Jose, source: JwtKeySource, algorithms: readonly string[], where: string): Promise<{ key: VerifyKey; algorithms: readonly string[] }> {
  switch (source.kind) {
    case 'secret':
      return { key: source.secret, algorithms };
    case 'jwks':
      return { key: jose.createRemoteJWKSet(source.url, { cacheMaxAge: source.cacheMaxAgeMs, timeoutDuration: source.timeoutMs, cooldownDuration: JWKS_COOLDOWN_MS }), algorithms };
    case 'file': {
      let text: string;
      try {
        text = await readFile(source.file, 'utf8');
      } catch (err) {
        throw new Error(`${where}.key_file: cannot read ${source.file}: ${(err as Error).message}`);
      }
      if (text.trimStart().startsWith('{')) {
        let json: { keys?: unknown };
        try {
          json = JSON.parse(text) as { keys?: unknown };
        } catch {
          throw new Error(`${where}.key_file: ${source.file} is neither PEM nor JSON`);
        }
        const set = (Array.isArray(json.keys) ? json : { keys: [json] }) as Parameters<Jose['createLocalJWKSet']>[0];
        try {
          return { key: jose.createLocalJWKSet(set), algorithms };
        } catch (err) {
          throw new Error(`${where}.key_file: ${source.file} is not a JWK or JWK set: ${(err as Error).message}`);
        }
      }
      let key: KeyObject;
      try {
        key = /-----BEGIN CERTIFICATE-----/.test(text) ? new X509Certificate(text).publicKey : createPublicKey(text);
      } catch (err) {
        throw new Error(`${where}.key_file: ${source.file} holds no public key: ${(err as Error).message}`);
      }
      const usable = algorithms.filter((alg) => fitsKey(alg, key));
      if (!usable.length) throw new Error(`${where}.algorithms: none of ${algorithms.join(', ')} fits the ${key.asymmetricKeyType} key in ${source.file}`);
      return { key, algorithms: usable };
    }
  }
}

const CURVE_ALG: Record<string, string> = { prime256v1: 'ES256', 'P-256': 'ES256', secp384r1: 'ES384', 'P-384': 'ES384', secp521r1: 'ES512', 'P-521': 'ES512' };

/** Whether a token signed with `alg` could have been made by this key's private half. */
function fitsKey(alg: string, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return alg.startsWith('RS') || alg.startsWith('PS');
  if (type === 'rsa-pss') return alg.startsWith('PS');
  if (type === 'ec') return CURVE_ALG[key.asymmetricKeyDetails?.namedCurve ?? ''] === alg;
  return false;
}
