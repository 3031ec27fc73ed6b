import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '../../core/config/errors.js';
import { loadConfig } from '../../core/config/load-config.js';
import { loadSeedConfig } from '../../core/config/seed-config.js';
import { seedSchema } from '../schema/seed-schema.js';
import { checkSchema, formatPath } from '../schema/schema-check.js';
import { locate, parseFile, readerPath, type Finding, type ParsedFile } from './validate-command.js';

/** Keys only a mapproxy.yaml has: a file with any of them is not a seed file, whatever else it holds. */
const PROXY_KEYS = ['services', 'layers', 'caches', 'sources', 'grids', 'globals', 'base', 'server'];
const SEED_KEYS = ['seeds', 'cleanups', 'coverages', 'views'];

/** A seed configuration, told by its top-level keys (seed.yaml has seeds/cleanups/coverages, mapproxy.yaml never). */
export function isSeedFile(file: string): boolean {
  let data: unknown;
  try {
    data = parse(readFileSync(file, 'utf8'));
  } catch {
    return false; // unreadable or broken YAML: reported by the mapproxy.yaml check
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return false;
  const keys = Object.keys(data);
  return keys.some((k) => SEED_KEYS.includes(k)) && !keys.some((k) => PROXY_KEYS.includes(k));
}

/**
 * Every problem of a seed configuration at its file, line and key path: YAML syntax, the seed schema, then, given
 * the mapproxy.yaml it belongs to, what the seed reader rejects (unknown caches, grids or coverages, bad levels).
 */
export function validateSeedConfig(file: string, proxyConf?: string): Finding[] {
  const seedFile = resolve(file);
  const findings: Finding[] = [];
  let p: ParsedFile;
  try {
    p = parseFile(seedFile);
  } catch (e) {
    return [{ severity: 'error', file: seedFile, line: 0, column: 0, keyPath: '', message: (e as Error).message }];
  }
  for (const e of p.doc.errors) {
    const pos = e.linePos?.[0];
    findings.push({ severity: 'error', file: seedFile, line: pos?.line ?? 0, column: pos?.col ?? 0, keyPath: '', message: e.message.split('\n')[0]! });
  }
  if (findings.length) return findings;
  for (const err of checkSchema(seedSchema(), p.doc.toJS({ maxAliasCount: -1 }) ?? {})) {
    const at = locate(p, err.path, err.atKey ?? false);
    findings.push({ severity: 'error', file: seedFile, line: at?.line ?? 0, column: at?.column ?? 0, keyPath: formatPath(err.path), message: err.message });
  }
  if (findings.length || !proxyConf) return findings;

  const at = (keyPath: string, atKey: boolean) => {
    const pos = keyPath ? locate(p, readerPath(keyPath), atKey) : null;
    return { file: seedFile, line: pos?.line ?? 0, column: pos?.column ?? 0 };
  };
  let proxy;
  try {
    proxy = loadConfig(resolve(proxyConf));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return [{ severity: 'error', file: resolve(proxyConf), line: 0, column: 0, keyPath: '', message: `the configuration the seed file refers to is invalid: ${e.message}` }];
  }
  try {
    const seed = loadSeedConfig(seedFile, proxy);
    for (const w of seed.warnings) {
      const rest = w.slice(w.indexOf(': ') + 2);
      const m = /^([\w.[\]-]+): (.*)$/s.exec(rest);
      const keyPath = m ? m[1]! : '';
      findings.push({ severity: 'warning', ...at(keyPath, /unknown/i.test(rest)), keyPath, message: m ? m[2]! : rest });
    }
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const keyPath = e.keyPath ?? '';
    const prefix = [e.file, keyPath].filter(Boolean).join(': ');
    const message = prefix && e.message.startsWith(`${prefix}: `) ? e.message.slice(prefix.length + 2) : e.message;
    findings.push({ severity: 'error', ...at(keyPath, false), keyPath, message });
  }
  return findings;
}
