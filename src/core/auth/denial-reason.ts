/**
 * Why a request was refused, as counted in `/metrics` and written in the denial log line. A small fixed set, so
 * a metric label can never carry a key, a token or a subject: a hook's own `reason` outside the set is counted
 * as the plain answer (`unauthenticated` or `forbidden`).
 */
export const DENIAL_REASONS = [
  /** The hook answered `unauthenticated` without saying why. */
  'unauthenticated',
  /** The hook answered `forbidden` or `none` without saying why. */
  'forbidden',
  /** A partial answer that does not permit a layer (or the permission) the request needs. */
  'layer',
  /** Access rules: no key or token where a rule asks for one. */
  'no_credentials',
  /** Access rules: a key that is not one of the rule's. */
  'bad_key',
  /** Access rules: a token that is malformed, unsigned (`alg: none`), signed with another key or algorithm. */
  'token_invalid',
  'token_expired',
  'token_not_yet_valid',
  'token_issuer',
  'token_audience',
  /** A required claim is missing or has another value, or the layers claim is not a list of names. */
  'token_claims',
  /** The JWKS could not be fetched, so no token can be checked. */
  'jwks_unavailable',
  /** Access rules: the client address is in none of the rule's networks. */
  'network',
  'referrer',
  /** Access rules: credentials valid, but no admitting rule covers this service. */
  'service',
] as const;

export type DenialReason = (typeof DENIAL_REASONS)[number];

export function isDenialReason(value: unknown): value is DenialReason {
  return typeof value === 'string' && (DENIAL_REASONS as readonly string[]).includes(value);
}
