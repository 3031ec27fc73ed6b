import { access, constants } from 'node:fs/promises';
import type { LoadedConfig } from '../../core/config/types.js';
import type { Runtime } from '../../core/runtime/runtime.js';
import {
  cacheDirectories,
  describe,
  directoryWritable,
  storeChecks,
  tcpReachable,
  upstreamServers,
  type CheckResult,
} from './readiness-checks.js';

/** What readiness looks at: the configuration a worker serves now, or a directory of them (MultiMapProxy). */
export type ReadinessTarget =
  | { kind: 'app'; config: LoadedConfig; runtime: Runtime }
  /** Apps of a directory are built on their first request; only the directory itself can be checked up front. */
  | { kind: 'directory'; dir: string };

export interface ReadinessReport {
  ready: boolean;
  /** When the checks ran (ms since the epoch): answers within the cache time repeat the same report. */
  checkedAt: number;
  checks: CheckResult[];
}

/** Seconds a report is reused: load balancers probe every worker every few seconds, upstreams need not see each. */
export const READINESS_CACHE_MS = 5_000;

/**
 * /readyz: configuration loaded, every cache directory writable, every store answering, every upstream server
 * accepting connections, each within a short timeout. One run at a time; its report is reused for a few seconds.
 */
export class Readiness {
  private last?: ReadinessReport;
  private running?: Promise<ReadinessReport>;

  constructor(
    private readonly target: () => ReadinessTarget | null,
    private readonly cacheMs = READINESS_CACHE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  report(): Promise<ReadinessReport> {
    if (this.last && this.now() - this.last.checkedAt < this.cacheMs) return Promise.resolve(this.last);
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<ReadinessReport> {
    const checkedAt = this.now();
    const checks = await runChecks(this.target());
    this.last = { ready: checks.every((c) => c.ok), checkedAt, checks };
    return this.last;
  }
}

async function runChecks(target: ReadinessTarget | null): Promise<CheckResult[]> {
  if (!target) return [{ check: 'configuration loaded', ok: false, error: 'no configuration is being served' }];
  if (target.kind === 'directory') {
    try {
      await access(target.dir, constants.R_OK | constants.X_OK);
      return [{ check: `configuration directory ${target.dir}`, ok: true }];
    } catch (err) {
      return [{ check: `configuration directory ${target.dir}`, ok: false, error: describe(err) }];
    }
  }
  const results: CheckResult[] = [{ check: `configuration loaded: ${target.config.configFile}`, ok: true }];
  const directories = [...cacheDirectories(target.config)].map(async ([dir, caches]) => {
    const check = `cache directory writable: ${dir} (${caches.join(', ')})`;
    try {
      await directoryWritable(dir);
      return { check, ok: true };
    } catch (err) {
      return { check, ok: false, error: describe(err) };
    }
  });
  const upstreams = [...upstreamServers(target.config)].map(async ([key, s]) => {
    const check = `upstream reachable: ${key} (${s.sources.join(', ')})`;
    try {
      await tcpReachable(s.host, s.port);
      return { check, ok: true };
    } catch (err) {
      return { check, ok: false, error: describe(err) };
    }
  });
  const [dirs, stores, ups] = await Promise.all([Promise.all(directories), storeChecks(target.config, target.runtime), Promise.all(upstreams)]);
  return [...results, ...dirs, ...stores.sort((a, b) => a.check.localeCompare(b.check)), ...ups];
}
