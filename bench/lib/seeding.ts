// The seeding scenario: the same seed.yaml run by mapproxy-seed and by `mapproxy-ts seed`, and the same
// meta tile requests sent straight to the upstream, which no seeder can beat.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import type { MetaTile } from '../../src/core/geo/meta-grid.js';
import type { Workspace } from './configs.js';
import { processTreeCpuSeconds, runCountingCpu } from './cpu-time.js';
import { run } from './procs.js';
import type { Runtime } from './runtime.js';
import { listTiles } from './scenarios.js';

export interface SeedResult {
  seconds: number;
  /** The same command with --dry-run: start-up and walking the tiles, no upstream or image work. */
  dryRunSeconds?: number;
  tiles: number;
  metaTiles: number;
  tilesPerSec: number;
  /** CPU seconds (user + system) of the seeder with its worker processes. */
  cpuSeconds?: number;
  /** CPU seconds of the upstream (lighttpd and MapServer) during the run. */
  upstreamCpuSeconds?: number;
}

function countTiles(dir: string): number {
  return existsSync(dir) ? listTiles(dir).length : 0;
}

/**
 * Empties the tile directory for the next seeder by renaming the last seeder's tiles aside (they go with the
 * workspace) instead of deleting them. On an ext4 without a journal (this machine's), creating a file skips, one by
 * one, every inode of its block group deleted in the last 60 s (360 s while the inode table is not yet written
 * back): deleting the 18k tiles of one seeder right before the next cost that one ~5 s more kernel CPU (perf:
 * ext4 find_inode_bit → recently_deleted), so whichever seeder ran second was charged for the first one's tiles.
 */
function setAside(ws: Workspace): void {
  if (existsSync(ws.tileDir)) renameSync(ws.tileDir, join(ws.dir, `tiles-set-aside-${Date.now()}`));
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/** Runs `fn`: its wall time, the upstream's CPU meanwhile, and what `fn` resolved with. */
async function withUpstreamCpu<T>(upstreamPid: number, fn: () => Promise<T>): Promise<{ seconds: number; upstreamCpuSeconds: number; value: T }> {
  const before = processTreeCpuSeconds(upstreamPid);
  let value!: T;
  const seconds = await timed(async () => { value = await fn(); });
  return { seconds, upstreamCpuSeconds: processTreeCpuSeconds(upstreamPid) - before, value };
}

export async function seedWithMapProxy(ws: Workspace, upstreamPid: number, concurrency: number, metaTiles: number): Promise<SeedResult> {
  setAside(ws);
  const args = (extra: string[]) => ['-f', ws.mapproxyYaml, '-s', ws.seedYaml, '-c', String(concurrency), '-q', '-q', '--seed', 'ALL', ...extra];
  const dryRunSeconds = await timed(() => run('/usr/bin/mapproxy-seed', args(['-n']), { cwd: ws.dir }));
  const { value: cpuSeconds, ...m } = await withUpstreamCpu(upstreamPid, () => runCountingCpu('/usr/bin/mapproxy-seed', args([]), { cwd: ws.dir }));
  const tiles = countTiles(ws.tileDir);
  return { ...m, cpuSeconds, dryRunSeconds, tiles, metaTiles, tilesPerSec: tiles / m.seconds };
}

export async function seedWithOurs(rt: Runtime, ws: Workspace, upstreamPid: number, concurrency: number, metaTiles: number): Promise<SeedResult> {
  setAside(ws);
  const progress = join(ws.dir, 'seed-progress.json');
  rmSync(progress, { force: true });
  const args = (extra: string[]) => [
    ...rt.nodeArgs, rt.cli, 'seed', '-f', ws.mapproxyYaml, '-s', ws.seedYaml,
    '-c', String(concurrency), '-q', '-q', '--seed', 'ALL', '--progress-file', progress, ...extra,
  ];
  const opts = { cwd: ws.dir, env: { ...process.env, NODE_ENV: 'production' } };
  const dryRunSeconds = await timed(() => run(process.execPath, args(['-n']), opts));
  rmSync(progress, { force: true });
  const { value: cpuSeconds, ...m } = await withUpstreamCpu(upstreamPid, () => runCountingCpu(process.execPath, args([]), opts));
  const tiles = countTiles(ws.tileDir);
  return { ...m, cpuSeconds, dryRunSeconds, tiles, metaTiles, tilesPerSec: tiles / m.seconds };
}

/** Requests every meta tile image from the upstream with `concurrency` requests at a time, as the seeders would. */
export async function upstreamAlone(upstreamUrl: string, upstreamPid: number, metas: readonly MetaTile[], concurrency: number): Promise<SeedResult> {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 30_000 });
  const urls = metas.map((m) => `${upstreamUrl}SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=world&STYLES=&SRS=EPSG%3A3857` +
    `&BBOX=${m.bbox.join(',')}&WIDTH=${m.size[0]}&HEIGHT=${m.size[1]}&FORMAT=image%2Fpng&TRANSPARENT=false`);
  let next = 0;
  const tiles = metas.reduce((n, m) => n + m.tiles.length, 0);
  const { seconds, upstreamCpuSeconds } = await withUpstreamCpu(upstreamPid, () => Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < urls.length) {
      const url = urls[next++]!;
      const res = await request(url, { dispatcher: agent });
      const body = Buffer.from(await res.body.arrayBuffer());
      if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('image/png')) {
        throw new Error(`upstream answered ${res.statusCode} ${res.headers['content-type']} for ${url}: ${body.subarray(0, 300).toString()}`);
      }
    }
  })));
  await agent.close();
  return { seconds, upstreamCpuSeconds, tiles, metaTiles: metas.length, tilesPerSec: tiles / seconds };
}
