import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { LimitedTo } from '../authorize.js';
import { ApiKeys } from './api-keys.js';
import { Networks } from './client-address.js';

/**
 * One rule of an access rules file (our extension; MapProxy has none): who it admits — all of its credential
 * conditions must hold — and what they may see.
 */
export interface AccessRule {
  readonly name: string;
  /** Header and/or query parameter carrying the key, and the keys admitted. */
  readonly apiKey?: { header?: string; query?: string; keys: ApiKeys };
  readonly networks?: Networks;
  /** Referer prefixes (scheme, host and path start). */
  readonly referrers?: readonly string[];
  /** Layer names, or all layers. */
  readonly layers: readonly string[] | 'all';
  readonly limitedTo?: LimitedTo;
}

export interface AccessRules {
  readonly rules: readonly AccessRule[];
  /** Proxies whose X-Forwarded-For is believed. */
  readonly trustedProxies: Networks | null;
}

type Raw = Record<string, unknown>;
type Env = Record<string, string | undefined>;

/** `$NAME` or `${NAME}` is the environment variable; an unset one refuses the file (never an empty key). */
function secret(value: unknown, where: string, env: Env): string {
  if (typeof value !== 'string' || !value) throw new Error(`${where}: expected a string`);
  const m = /^\$(?:\{(\w+)\}|(\w+))$/.exec(value);
  if (!m) return value;
  const name = m[1] ?? m[2]!;
  const v = env[name];
  if (!v) throw new Error(`${where}: environment variable ${name} is not set`);
  return v;
}

function strings(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (!list.length || list.some((v) => typeof v !== 'string' || !v)) throw new Error(`${where}: expected a string or a list of strings`);
  return list as string[];
}

const RULE_KEYS = new Set(['name', 'api_key', 'cidr', 'referrer', 'layers', 'limited_to']);

/** Reads an access rules file (see docs/authorization.md); every error names the rule and key. */
export function readAccessRules(file: string, env: Env = process.env): AccessRules {
  const doc = parse(readFileSync(file, 'utf8')) as Raw | null;
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.rules)) throw new Error(`${file}: expected a 'rules:' list`);
  const trustedProxies = doc.trusted_proxies !== undefined ? new Networks(strings(doc.trusted_proxies, `${file}: trusted_proxies`), `${file}: trusted_proxies`) : null;
  const rules = (doc.rules as unknown[]).map((r, i): AccessRule => {
    if (!r || typeof r !== 'object') throw new Error(`${file}: rules[${i}]: expected a mapping`);
    const raw = r as Raw;
    const where = `${file}: rules[${i}]${typeof raw.name === 'string' ? ` (${raw.name})` : ''}`;
    for (const k of Object.keys(raw)) if (!RULE_KEYS.has(k)) throw new Error(`${where}: unknown key '${k}'`);
    let apiKey: AccessRule['apiKey'];
    if (raw.api_key !== undefined) {
      const a = raw.api_key as Raw;
      const header = a.header !== undefined ? strings(a.header, `${where}.api_key.header`)[0]!.toLowerCase() : undefined;
      const query = a.query !== undefined ? strings(a.query, `${where}.api_key.query`)[0] : undefined;
      if (!header && !query) throw new Error(`${where}.api_key: needs 'header' or 'query'`);
      const keys = (Array.isArray(a.keys) ? a.keys : [a.keys]).map((k, j) => secret(k, `${where}.api_key.keys[${j}]`, env));
      apiKey = { ...(header ? { header } : {}), ...(query ? { query } : {}), keys: new ApiKeys(keys) };
    }
    const networks = raw.cidr !== undefined ? new Networks(strings(raw.cidr, `${where}.cidr`), `${where}.cidr`) : undefined;
    const referrers = raw.referrer !== undefined ? strings(raw.referrer, `${where}.referrer`) : undefined;
    if (!apiKey && !networks && !referrers) throw new Error(`${where}: needs api_key, cidr or referrer (a rule admitting everyone is not a rule)`);
    const layers = raw.layers === '*' ? 'all' : strings(raw.layers, `${where}.layers`);
    let limitedTo: LimitedTo | undefined;
    if (raw.limited_to !== undefined) {
      const l = raw.limited_to as Raw;
      if (typeof l.srs !== 'string' || l.geometry === undefined) throw new Error(`${where}.limited_to: needs srs and geometry`);
      limitedTo = { srs: l.srs, geometry: l.geometry as LimitedTo['geometry'] };
    }
    return {
      name: typeof raw.name === 'string' ? raw.name : `rules[${i}]`,
      ...(apiKey ? { apiKey } : {}),
      ...(networks ? { networks } : {}),
      ...(referrers ? { referrers } : {}),
      layers,
      ...(limitedTo ? { limitedTo } : {}),
    };
  });
  return { rules, trustedProxies };
}
