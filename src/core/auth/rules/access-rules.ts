import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse } from 'yaml';
import type { LimitedTo } from '../authorize.js';
import { ApiKeys } from './api-keys.js';
import { Networks } from './client-address.js';
import { readJwtOptions, type JwtOptions } from './jwt-options.js';
import { RULE_SERVICES, type RuleService } from './rule-service.js';
import { type Env, mapping, onlyKeys, type Raw, secret, strings } from './rule-values.js';

/**
 * One rule of an access rules file (our extension; MapProxy has none): who it admits — all of its credential
 * conditions must hold — through which services, and what they may see.
 */
export interface AccessRule {
  readonly name: string;
  /** Header and/or query parameter carrying the key, and the keys admitted. */
  readonly apiKey?: { header?: string; query?: string; keys: ApiKeys };
  /** A bearer JWT, checked by the verifier built for this rule. */
  readonly jwt?: JwtOptions;
  readonly networks?: Networks;
  /** Referer prefixes (scheme, host and path start). */
  readonly referrers?: readonly string[];
  /** The protocols the rule admits to; absent: all. */
  readonly services?: readonly RuleService[];
  /** Layer names, or all layers (with a JWT layers claim: the most the claim may grant). */
  readonly layers: readonly string[] | 'all';
  readonly limitedTo?: LimitedTo;
}

export interface AccessRules {
  readonly rules: readonly AccessRule[];
  /** Proxies whose X-Forwarded-For is believed. */
  readonly trustedProxies: Networks | null;
}

const RULE_KEYS = ['name', 'api_key', 'jwt', 'cidr', 'referrer', 'services', 'layers', 'limited_to'];

/** Reads an access rules file (see docs/authorization.md); every error names the rule and key. */
export function readAccessRules(file: string, env: Env = process.env): AccessRules {
  const doc = parse(readFileSync(file, 'utf8')) as Raw | null;
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.rules)) throw new Error(`${file}: expected a 'rules:' list`);
  const trustedProxies = doc.trusted_proxies !== undefined ? new Networks(strings(doc.trusted_proxies, `${file}: trusted_proxies`), `${file}: trusted_proxies`) : null;
  const rules = (doc.rules as unknown[]).map((r, i): AccessRule => {
    const raw = mapping(r, `${file}: rules[${i}]`);
    const where = `${file}: rules[${i}]${typeof raw.name === 'string' ? ` (${raw.name})` : ''}`;
    onlyKeys(raw, RULE_KEYS, where);
    let apiKey: AccessRule['apiKey'];
    if (raw.api_key !== undefined) {
      const a = mapping(raw.api_key, `${where}.api_key`);
      const header = a.header !== undefined ? strings(a.header, `${where}.api_key.header`)[0]!.toLowerCase() : undefined;
      const query = a.query !== undefined ? strings(a.query, `${where}.api_key.query`)[0] : undefined;
      if (!header && !query) throw new Error(`${where}.api_key: needs 'header' or 'query'`);
      const keys = (Array.isArray(a.keys) ? a.keys : [a.keys]).map((k, j) => secret(k, `${where}.api_key.keys[${j}]`, env));
      apiKey = { ...(header ? { header } : {}), ...(query ? { query } : {}), keys: new ApiKeys(keys) };
    }
    const jwt = raw.jwt !== undefined ? readJwtOptions(raw.jwt, `${where}.jwt`, env, dirname(file)) : undefined;
    const networks = raw.cidr !== undefined ? new Networks(strings(raw.cidr, `${where}.cidr`), `${where}.cidr`) : undefined;
    const referrers = raw.referrer !== undefined ? strings(raw.referrer, `${where}.referrer`) : undefined;
    if (!apiKey && !jwt && !networks && !referrers) throw new Error(`${where}: needs api_key, jwt, cidr or referrer (a rule admitting everyone is not a rule)`);
    let services: RuleService[] | undefined;
    if (raw.services !== undefined) {
      services = strings(raw.services, `${where}.services`).map((s) => s.toLowerCase()) as RuleService[];
      const unknown = services.find((s) => !(RULE_SERVICES as readonly string[]).includes(s));
      if (unknown) throw new Error(`${where}.services: unknown service '${unknown}' (expected ${RULE_SERVICES.join(', ')})`);
    }
    const layers = raw.layers === '*' ? 'all' : strings(raw.layers, `${where}.layers`);
    let limitedTo: LimitedTo | undefined;
    if (raw.limited_to !== undefined) {
      const l = mapping(raw.limited_to, `${where}.limited_to`);
      if (typeof l.srs !== 'string' || l.geometry === undefined) throw new Error(`${where}.limited_to: needs srs and geometry`);
      limitedTo = { srs: l.srs, geometry: l.geometry as LimitedTo['geometry'] };
    }
    return {
      name: typeof raw.name === 'string' ? raw.name : `rules[${i}]`,
      ...(apiKey ? { apiKey } : {}),
      ...(jwt ? { jwt } : {}),
      ...(networks ? { networks } : {}),
      ...(referrers ? { referrers } : {}),
      ...(services ? { services } : {}),
      layers,
      ...(limitedTo ? { limitedTo } : {}),
    };
  });
  return { rules, trustedProxies };
}
