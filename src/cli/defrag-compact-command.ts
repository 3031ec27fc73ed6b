import type { Command } from 'commander';
import { CompactCache } from '../core/cache/compact-cache.js';
import type { CompactBackendOptions } from '../core/cache/compact-cache.js';
import { defragCompactCache, type DefragReport } from '../core/cache/compact-defrag.js';
import { ConfigError } from '../core/config/errors.js';
import { loadConfig } from '../core/config/load-config.js';

export interface DefragCommandOptions {
  mapproxyConf: string;
  /** Percent of dead bytes a bundle needs to be rewritten (MapProxy's --min-percent, default 10). */
  minPercent: number;
  /** Megabytes of dead bytes a bundle needs to be rewritten (--min-mb, default 1). */
  minMb: number;
  dryRun?: boolean;
  /** Comma-separated cache names; default every compact cache. */
  caches?: string;
}

/** MapProxy's progress line: `osm:   2/14 (…/L05/R0000C0080.bundle) fragmentation is 12.5% (1536kb) - defragmenting`. */
function formatReport(cacheName: string, r: DefragReport): string {
  const num = String(r.num).padStart(3);
  const kb = Math.trunc(r.fragmentationBytes / 1024);
  return `${cacheName}: ${num}/${r.total} (${r.file}) fragmentation is ${(r.fragmentation * 100).toFixed(1)}% (${kb}kb) - ${r.defrag ? 'defragmenting' : 'skipping'}`;
}

/** `defrag-compact-cache` (mapproxy-util defrag-compact-cache): rewrites fragmented bundles. Returns the exit code. */
export async function runDefragCompactCommand(opts: DefragCommandOptions, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let config;
  try {
    config = loadConfig(opts.mapproxyConf).config;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(e.message);
    err('ERROR: invalid configuration (see above)');
    return 2;
  }
  const available = new Map<string, CompactCache[]>();
  for (const [name, cache] of Object.entries(config.caches)) {
    const backend = cache.backend as { type: string; options?: unknown };
    if (backend.type !== 'compact') continue;
    const options = backend.options as CompactBackendOptions;
    available.set(name, cache.grids.flatMap((grid) => {
      const directory = options.gridDirectories[grid];
      return directory === undefined ? [] : [new CompactCache({
        directory, version: options.version, name,
        filePermissions: options.filePermissions, directoryPermissions: options.directoryPermissions,
      })];
    }));
  }
  const wanted = opts.caches ? opts.caches.split(',').map((s) => s.trim()).filter(Boolean) : null;
  if (wanted) {
    const missing = wanted.filter((n) => !available.has(n));
    if (missing.length > 0) {
      err(`unknown caches: ${missing.join(', ')}`);
      err(`available compact caches: ${[...available.keys()].join(', ')}`);
      return 1;
    }
  }
  for (const [name, caches] of available) {
    if (wanted && !wanted.includes(name)) continue;
    for (const cache of caches) {
      await defragCompactCache(cache, {
        minPercent: opts.minPercent / 100,
        minBytes: opts.minMb * 1024 * 1024,
        dryRun: opts.dryRun,
        onBundle: (r) => out(formatReport(name, r)),
      });
    }
  }
  return 0;
}

/** Registers `defrag-compact-cache` on the program. */
export function defragCompactCommand(program: Command): void {
  program
    .command('defrag-compact-cache')
    .alias('defrag-compact')
    .description('rewrite compact cache bundles whose overwritten and removed tiles waste space (mapproxy-util defrag-compact-cache)')
    .requiredOption('-f, --mapproxy-conf <file>', 'MapProxy configuration')
    .option('--min-percent <n>', 'only bundles with at least this percentage of unused bytes', '10')
    .option('--min-mb <n>', 'only bundles with at least this many unused megabytes', '1')
    .option('-n, --dry-run', 'only report, change nothing')
    .option('--caches <names>', 'only these caches (comma-separated)')
    .action(async (opts: Omit<DefragCommandOptions, 'minPercent' | 'minMb'> & { minPercent: string; minMb: string }) => {
      const [minPercent, minMb] = [Number(opts.minPercent), Number(opts.minMb)];
      if (!Number.isFinite(minPercent) || !Number.isFinite(minMb)) {
        process.stderr.write('error: --min-percent and --min-mb must be numbers\n');
        process.exitCode = 1;
        return;
      }
      process.exitCode = await runDefragCompactCommand(
        { ...opts, minPercent, minMb },
        (s) => process.stdout.write(`${s}\n`),
        (s) => process.stderr.write(`${s}\n`),
      );
    });
}
