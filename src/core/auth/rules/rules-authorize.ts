import type { CoreRequest } from '../../http.js';
import type { AuthorizeFn, AuthResult, AuthService, LayerPermissions } from '../authorize.js';
import type { DenialReason } from '../denial-reason.js';
import type { AccessRule, AccessRules } from './access-rules.js';
import { clientAddress } from './client-address.js';
import { createJwtVerifier, type JwtVerifier, type TokenCheck } from './jwt-verifier.js';
import { presentedToken } from './presented-credentials.js';
import { checkRule, type RuleOutcome } from './rule-check.js';
import { requestProtocol } from './rule-service.js';

/**
 * When no rule admits, the reason told is the most useful one: good credentials for another service first, then
 * credentials presented but refused, then none presented, then the network and the referrer. The statuses
 * follow: missing or refused credentials ask for (other) credentials with 401; the rest is 403.
 */
const PRIORITY: readonly DenialReason[] = [
  'service',
  'token_expired',
  'token_not_yet_valid',
  'token_issuer',
  'token_audience',
  'token_claims',
  'token_invalid',
  'bad_key',
  'jwks_unavailable',
  'no_credentials',
  'network',
  'referrer',
];
const FORBIDDEN: ReadonlySet<DenialReason> = new Set(['service', 'network', 'referrer']);

/** Refusals of a presented token: RFC 6750's `invalid_token`. */
const TOKEN_REFUSED: ReadonlySet<DenialReason> = new Set(['token_expired', 'token_not_yet_valid', 'token_issuer', 'token_audience', 'token_claims', 'token_invalid']);

/**
 * The `WWW-Authenticate` of a 401 a JWT rule gave (RFC 6750 §3): `Bearer`, with `error="invalid_token"` when a
 * token was presented and refused. A 401 for a missing or wrong API key has none, as MapProxy's bare 401.
 */
function bearerChallenge(reason: DenialReason, outcomes: readonly [AccessRule, RuleOutcome][]): string | undefined {
  if (TOKEN_REFUSED.has(reason)) return 'Bearer error="invalid_token"';
  const byJwtRule = outcomes.some(([r, o]) => r.jwt && !o.admitted && o.reason === reason);
  return byJwtRule ? 'Bearer' : undefined;
}

/** A header far longer than any real token is refused unparsed. */
const MAX_TOKEN_CHARS = 16_384;

/**
 * The authorize hook of an access rules file: the union of what the admitting rules grant (all permissions of
 * their layers; a layer limited by every rule granting it takes the first rule's `limited_to`). No rule
 * admitting: a refusal with the reason of the most telling rule (see PRIORITY). `verifiers` holds the token
 * verifier of each rule with `jwt:`; without JWT rules the answer is given at once, not as a promise.
 */
export function rulesAuthorize(rules: AccessRules, verifiers: ReadonlyMap<AccessRule, JwtVerifier> = new Map()): AuthorizeFn {
  const jwtRules = rules.rules.filter((r) => r.jwt);
  for (const r of jwtRules) if (!verifiers.has(r)) throw new Error(`access rule ${r.name}: no token verifier was built for its jwt condition`);

  function decide(service: AuthService, layers: string[], request: CoreRequest, tokens: ReadonlyMap<AccessRule, TokenCheck>): AuthResult {
    const client = clientAddress(request.remoteAddr, request.headers['x-forwarded-for'], rules.trustedProxies);
    const protocol = requestProtocol(service);
    const outcomes = rules.rules.map((r): [AccessRule, RuleOutcome] => [r, checkRule(r, request, client, protocol, tokens.get(r))]);
    const admitting = outcomes.flatMap(([r, o]) => (o.admitted ? [{ rule: r, layers: o.layers }] : []));
    if (admitting.length === 0) {
      const reasons = new Set(outcomes.map(([, o]) => (o.admitted ? null : o.reason)));
      const reason = PRIORITY.find((p) => reasons.has(p)) ?? 'forbidden';
      if (FORBIDDEN.has(reason)) return { authorized: 'forbidden', reason };
      const challenge = bearerChallenge(reason, outcomes);
      return { authorized: 'unauthenticated', reason, ...(challenge ? { challenge } : {}) };
    }
    if (admitting.some((a) => a.layers === 'all' && !a.rule.limitedTo)) return { authorized: 'full' };
    const granted: Record<string, LayerPermissions> = {};
    for (const { rule, layers: ruleLayers } of admitting) {
      for (const name of ruleLayers === 'all' ? layers : ruleLayers) {
        const before = granted[name];
        if (before && !before.limited_to) continue;
        if (before && rule.limitedTo) continue;
        granted[name] = { map: true, featureinfo: true, legendgraphic: true, tile: true, ...(rule.limitedTo ? { limited_to: rule.limitedTo } : {}) };
      }
    }
    return { authorized: 'partial', layers: granted };
  }

  async function checkTokens(request: CoreRequest): Promise<Map<AccessRule, TokenCheck>> {
    const checks = await Promise.all(
      jwtRules.map(async (r): Promise<[AccessRule, TokenCheck]> => {
        const token = presentedToken(r.jwt!, request);
        if (token === undefined) return [r, { ok: false, reason: 'no_credentials' }];
        if (token.length > MAX_TOKEN_CHARS) return [r, { ok: false, reason: 'token_invalid' }];
        return [r, await verifiers.get(r)!.verify(token)];
      }),
    );
    return new Map(checks);
  }

  return (service, layers, { request }) => {
    if (jwtRules.length === 0) return decide(service, layers, request, new Map());
    return checkTokens(request).then((tokens) => decide(service, layers, request, tokens));
  };
}

/** Builds the token verifiers of the rules with `jwt:` (importing jose only when there is one). */
export async function jwtVerifiers(rules: AccessRules): Promise<Map<AccessRule, JwtVerifier>> {
  const out = new Map<AccessRule, JwtVerifier>();
  const jwtRules = rules.rules.filter((r) => r.jwt);
  for (const r of jwtRules) out.set(r, await createJwtVerifier(r.jwt!, `access rule ${r.name}.jwt`));
  return out;
}
