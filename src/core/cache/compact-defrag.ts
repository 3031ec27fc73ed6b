import fs from 'node:fs';
import { BUNDLE_GRID, type Bundle, type BundleSlot } from './compact-bundle.js';
import type { CompactCache } from './compact-cache.js';

/**
 * Defragmenting compact bundles (MapProxy's `mapproxy-util defrag-compact-cache`): a bundle only ever grows,
 * overwritten and removed tiles keep their bytes. A bundle whose dead bytes pass both limits is written anew
 * with its live tiles, row by row as MapProxy copies them, and put in place of the old one.
 *
 * Unlike MapProxy's, the copy is made under the bundle's lock, so a writer (ours or MapProxy's) waits instead of
 * appending to the bundle being replaced, and readers see the old bundle or the new one (see replaceBy).
 */

export interface DefragOptions {
  /** Only bundles with at least this fraction of dead bytes (MapProxy's default 0.1). */
  minPercent?: number;
  /** Only bundles with at least this many dead bytes (MapProxy's default 1 MiB). */
  minBytes?: number;
  /** Report, change nothing. */
  dryRun?: boolean;
  /** Called for each bundle before it is defragmented or skipped. */
  onBundle?: (report: DefragReport) => void;
}

export interface DefragReport {
  readonly file: string;
  /** Dead bytes as a fraction of the file. */
  readonly fragmentation: number;
  readonly fragmentationBytes: number;
  /** Position of the bundle among all bundles of the cache (1-based) and their number. */
  readonly num: number;
  readonly total: number;
  /** True when the bundle is (or, in a dry run, would be) rewritten. */
  readonly defrag: boolean;
}

/** Every bundle of the cache, level by level. */
async function cacheBundles(cache: CompactCache): Promise<Bundle[]> {
  let levels: number[];
  try {
    levels = (await fs.promises.readdir(cache.directory)).flatMap((name) => (/^L\d\d$/.test(name) ? [Number(name.slice(1))] : [])).sort((a, b) => a - b);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: Bundle[] = [];
  for (const level of levels) out.push(...(await cache.levelBundles(level)));
  return out;
}

/** Copies the live tiles of `bundle` into a new bundle next to it and puts that in its place (under its lock). */
async function rewrite(cache: CompactCache, bundle: Bundle): Promise<void> {
  await cache.withBundleLock(bundle, async () => {
    const fresh = cache.bundleAt(`${bundle.base}-defrag`, bundle.col0, bundle.row0);
    await fresh.delete(); // left over by an interrupted run
    let stored = false;
    try {
      for (let row = 0; row < BUNDLE_GRID; row++) {
        const slots: BundleSlot[] = Array.from({ length: BUNDLE_GRID }, (_, col) => ({ col, row }));
        const { tiles } = bundle.read(slots);
        const records = slots.flatMap((slot, i) => (tiles[i] ? [{ slot, data: tiles[i]! }] : []));
        if (records.length === 0) continue;
        await fresh.append(records);
        stored = true;
      }
      if (stored) await bundle.replaceBy(fresh);
      else await bundle.delete();
    } finally {
      await fresh.delete();
    }
  });
}

/** Defragments the bundles of one compact cache (one grid); returns what was found for each bundle. */
export async function defragCompactCache(cache: CompactCache, opts: DefragOptions = {}): Promise<DefragReport[]> {
  const minPercent = opts.minPercent ?? 0.1;
  const minBytes = opts.minBytes ?? 1024 * 1024;
  const bundles = await cacheBundles(cache);
  const reports: DefragReport[] = [];
  for (const [i, bundle] of bundles.entries()) {
    const usage = bundle.usage();
    const deadBytes = usage.fileBytes - usage.usedBytes;
    const fragmentation = usage.fileBytes > 0 ? deadBytes / usage.fileBytes : 0;
    const defrag = fragmentation >= minPercent && deadBytes >= minBytes;
    const report: DefragReport = { file: `${bundle.base}.bundle`, fragmentation, fragmentationBytes: deadBytes, num: i + 1, total: bundles.length, defrag };
    opts.onBundle?.(report);
    reports.push(report);
    if (defrag && !opts.dryRun) await rewrite(cache, bundle);
  }
  return reports;
}
