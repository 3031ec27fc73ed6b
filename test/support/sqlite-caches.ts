// The SQLite cache tests' common ground: a configuration with one cache of a given `cache:` block over a debug
// source (seed and cleanup tasks included), served in process; and child processes that store tiles at once.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/core/app.js';
import { loadConfig } from '../../src/core/config/load-config.js';
import { loadSeedConfig } from '../../src/core/config/seed-config.js';
import type { CoreMetrics } from '../../src/core/metrics.js';
import { buildRuntime } from '../../src/core/runtime/runtime.js';
import { InProcessExecutor } from '../../src/core/seed/executor.js';
import { planCleanupTasks, planSeedTasks } from '../../src/core/seed/tasks.js';

/** A 4326 grid of 64-pixel tiles, origin nw: levels 0 to 3 of 1, 2x1, 4x2 and 8x4 tiles. */
const GRID = `{srs: 'EPSG:4326', bbox: [-180, -90, 180, 90], origin: nw, tile_size: [64, 64]}`;

const SEED = `
coverages:
  west: {bbox: [-180, -90, 0, 90], srs: 'EPSG:4326'}
seeds:
  all: {caches: [c], levels: {to: 3}}
  west: {caches: [c], levels: [2, 3], coverages: [west]}
cleanups:
  all: {caches: [c], levels: [2, 3], remove_all: true}
  west: {caches: [c], levels: [3], coverages: [west], remove_all: true}
  old: {caches: [c], levels: [1, 2, 3], remove_before: {minutes: 5}}
`;

export interface CacheSetup {
  readonly dir: string;
  readonly app: App;
  seeds(names?: string[]): ReturnType<typeof planSeedTasks>;
  cleanups(names?: string[]): ReturnType<typeof planCleanupTasks>;
  readonly executor: InProcessExecutor;
  close(): Promise<void>;
}

/**
 * mapproxy.yaml with one cache `c` (grid `g`, meta tiles of 2x2 from a debug source) whose `cache:` block is
 * `cacheBlock`, served by TMS as layer `l`; `extra` is appended to the cache (e.g. refresh_before).
 */
export async function cacheSetup(
  cacheBlock: string,
  opts: { extra?: string; globals?: string; log?: Pick<Console, 'warn' | 'error'>; metrics?: CoreMetrics } = {},
): Promise<CacheSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'sqlite-cache-'));
  writeFileSync(join(dir, 'mapproxy.yaml'), `
services: {tms: }
layers: [{name: l, title: l, sources: [c]}]
${opts.globals ?? ''}
caches:
  c:
    grids: [g]
    sources: [dbg]
    meta_size: [2, 2]
    meta_buffer: 0
    cache: ${cacheBlock}
    ${opts.extra ?? ''}
grids:
  g: ${GRID}
sources:
  dbg: {type: debug}
`);
  writeFileSync(join(dir, 'seed.yaml'), SEED);
  const loaded = loadConfig(join(dir, 'mapproxy.yaml'));
  const seedConf = loadSeedConfig(join(dir, 'seed.yaml'), loaded);
  const app = await createApp(loaded, { log: opts.log, metrics: opts.metrics });
  const seeding = await buildRuntime(loaded, { seeding: true });
  return {
    dir,
    app,
    seeds: (names) => planSeedTasks(seedConf, loaded.config, seeding, names),
    cleanups: (names) => planCleanupTasks(seedConf, loaded.config, seeding, names),
    executor: new InProcessExecutor(seeding, 2),
    async close() {
      await app.runtime.close();
      await seeding.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `script` (an ES module body; `cache` is the store `open` made in the child, `worker` its number) in
 * `count` node processes started together, and resolves with their stdout once all exited with 0.
 */
export async function runWriters(count: number, modulePath: string, open: string, script: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sqlite-writers-'));
  const file = join(dir, 'writer.mts');
  writeFileSync(file, `import * as m from ${JSON.stringify(modulePath)};\nconst worker = Number(process.argv[2]);\nconst cache = ${open};\n${script}\nawait cache.close();\n`);
  try {
    return await Promise.all(
      Array.from({ length: count }, (_, worker) =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', file, String(worker)], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          child.stdout.on('data', (b: Buffer) => (out += b.toString()));
          child.stderr.on('data', (b: Buffer) => (err += b.toString()));
          child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`writer ${worker} exited with ${code}: ${err}`))));
        }),
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
