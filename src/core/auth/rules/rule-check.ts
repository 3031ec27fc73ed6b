import type { CoreRequest } from '../../http.js';
import type { DenialReason } from '../denial-reason.js';
import type { AccessRule } from './access-rules.js';
import { claimedLayers } from './jwt-claims.js';
import type { TokenCheck } from './jwt-verifier.js';
import { presentedKey } from './presented-credentials.js';
import type { RuleService } from './rule-service.js';

/** What one rule says about a request: admitted with the layers it grants, or why not. */
export type RuleOutcome = { readonly admitted: true; readonly layers: readonly string[] | 'all' } | { readonly admitted: false; readonly reason: DenialReason };

/**
 * A rule admits a request when every condition it has holds. Credentials are checked before the service, so
 * `service` means: the credentials are good, but not for this protocol. `token` is the rule's token check
 * (undefined for a rule without `jwt:`).
 */
export function checkRule(rule: AccessRule, req: CoreRequest, client: string | null, protocol: RuleService, token: TokenCheck | undefined): RuleOutcome {
  if (rule.apiKey) {
    const key = presentedKey(rule.apiKey, req);
    if (key === undefined) return { admitted: false, reason: 'no_credentials' };
    if (!rule.apiKey.keys.matches(key)) return { admitted: false, reason: 'bad_key' };
  }
  let layers = rule.layers;
  if (rule.jwt) {
    if (!token) throw new Error(`access rule ${rule.name}: its token was not checked`);
    if (!token.ok) return { admitted: false, reason: token.reason };
    if (rule.jwt.layersClaim) {
      const claimed = claimedLayers(token.payload, rule.jwt.layersClaim);
      if (!claimed) return { admitted: false, reason: 'token_claims' };
      // the rule's layers are the most a token may claim
      layers = rule.layers === 'all' ? claimed : rule.layers.filter((l) => claimed.includes(l));
    }
  }
  if (rule.networks && (client === null || !rule.networks.has(client))) return { admitted: false, reason: 'network' };
  if (rule.referrers) {
    const referer = req.headers['referer'] ?? '';
    if (!rule.referrers.some((r) => referer.startsWith(r))) return { admitted: false, reason: 'referrer' };
  }
  if (rule.services && !rule.services.includes(protocol)) return { admitted: false, reason: 'service' };
  return { admitted: true, layers };
}
