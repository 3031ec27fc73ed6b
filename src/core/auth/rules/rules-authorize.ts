import type { CoreRequest } from '../../http.js';
import type { AuthorizeFn, AuthResult, LayerPermissions } from '../authorize.js';
import type { AccessRule, AccessRules } from './access-rules.js';
import { clientAddress } from './client-address.js';

function queryParam(query: string, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of new URLSearchParams(query)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function presentedKey(rule: AccessRule, req: CoreRequest): string | undefined {
  const a = rule.apiKey!;
  return (a.header ? req.headers[a.header] : undefined) ?? (a.query ? queryParam(req.query, a.query) : undefined);
}

/** A rule admits a request when every condition it has holds. */
function admits(rule: AccessRule, req: CoreRequest, client: string | null): boolean {
  if (rule.apiKey) {
    const key = presentedKey(rule, req);
    if (key === undefined || !rule.apiKey.keys.matches(key)) return false;
  }
  if (rule.networks && (client === null || !rule.networks.has(client))) return false;
  if (rule.referrers) {
    const referer = req.headers['referer'] ?? '';
    if (!rule.referrers.some((r) => referer.startsWith(r))) return false;
  }
  return true;
}

/**
 * The authorize hook of an access rules file: the union of what the admitting rules grant (all permissions of
 * their layers; a layer limited by every rule granting it takes the first rule's `limited_to`). No rule
 * admitting: 401 when a rule asks for a key (none given, or a wrong one), else 403.
 */
export function rulesAuthorize(rules: AccessRules): AuthorizeFn {
  const wantsKey = rules.rules.some((r) => r.apiKey);
  return (_service, layers, { request }) => {
    const client = clientAddress(request.remoteAddr, request.headers['x-forwarded-for'], rules.trustedProxies);
    const admitting = rules.rules.filter((r) => admits(r, request, client));
    if (admitting.length === 0) return { authorized: wantsKey ? 'unauthenticated' : 'forbidden' };
    if (admitting.some((r) => r.layers === 'all' && !r.limitedTo)) return { authorized: 'full' };
    const granted: Record<string, LayerPermissions> = {};
    for (const rule of admitting) {
      for (const name of rule.layers === 'all' ? layers : rule.layers) {
        const before = granted[name];
        if (before && !before.limited_to) continue;
        if (before && rule.limitedTo) continue;
        granted[name] = { map: true, featureinfo: true, legendgraphic: true, tile: true, ...(rule.limitedTo ? { limited_to: rule.limitedTo } : {}) };
      }
    }
    const result: AuthResult = { authorized: 'partial', layers: granted };
    return result;
  };
}
