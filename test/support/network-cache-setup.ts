// What the integration tests of network caches (Redis, CouchDB) share: a mapproxy.yaml with one cache of a
// counting fake WMS, written for us and for MapProxy 1.15 (each with its own upstream, so a tile shows whose
// source drew it), our app on it, and seeding and cleanup runs on it.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config/load-config.js';
import { loadSeedConfig } from '../../src/core/config/seed-config.js';
import { NO_METRICS, type CoreMetrics } from '../../src/core/metrics.js';
import { buildRuntime } from '../../src/core/runtime/runtime.js';
import { runCleanup } from '../../src/core/seed/cleanup.js';
import { InProcessExecutor } from '../../src/core/seed/executor.js';
import { runSeed } from '../../src/core/seed/seeder.js';
import { planCleanupTasks, planSeedTasks } from '../../src/core/seed/tasks.js';
import { tempDir, writeConfig } from './configs.js';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream.js';
import { createApp, type OurApp } from './our-app.js';

/** `cacheYaml` is the `cache:` mapping in flow style, e.g. `{type: redis, port: 1234}`. */
export function networkCacheConfig(dir: string, upstreamUrl: string, cacheYaml: string): string {
  return `
globals:
  cache: {base_dir: ${join(dir, 'cache_data')}, lock_dir: ${join(dir, 'locks')}}
services: {tms: , wmts: }
layers: [{name: l, title: l, sources: [c]}]
caches:
  c:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [up]
    meta_size: [2, 2]
    meta_buffer: 0
    format: image/png
    cache: ${cacheYaml}
sources:
  up: {type: wms, req: {url: '${upstreamUrl}', layers: ok}}
`;
}

export interface NetworkCacheSetup {
  readonly dir: string;
  /** Our configuration's upstream (blue) and MapProxy's (red). */
  readonly ours: FakeUpstream;
  readonly theirs: FakeUpstream;
  readonly ourConfig: string;
  readonly theirConfig: string;
  /** Our app on ourConfig, with `metrics` and `log` as given. */
  app(opts?: { metrics?: CoreMetrics; log?: Pick<Console, 'warn' | 'error'> }): Promise<OurApp>;
  /** Seeds seed.yaml's `seeds` of `names`, then runs its `cleanups` of `cleanups`, on our configuration. */
  seedAndClean(seedYaml: string, seeds: string[], cleanups: string[]): Promise<{ created: number; removed: number[] }>;
  /**
   * The usual scenario: seed levels 0-2 (21 tiles), remove level 2 whole (16, the store's quick way), level 1's
   * western half through a coverage (2, tile by tile), and level 0's tiles older than 10 minutes (none: they are
   * fresh). Expect `{ created: 21, removed: [16, 2, 0] }` and the tiles 0/0/0, 1/1/0 and 1/1/1 left.
   */
  seedThenClean(): Promise<{ created: number; removed: number[] }>;
  close(): Promise<void>;
}

export async function networkCacheSetup(cacheYaml: string): Promise<NetworkCacheSetup> {
  const dir = tempDir('network-cache-');
  const ours = await startFakeUpstream({ color: [0, 0, 255] });
  const theirs = await startFakeUpstream({ color: [255, 0, 0] });
  const ourConfig = writeConfig(join(dir, 'ours'), networkCacheConfig(join(dir, 'ours'), ours.url, cacheYaml));
  const theirConfig = writeConfig(join(dir, 'theirs'), networkCacheConfig(join(dir, 'theirs'), theirs.url, cacheYaml));
  const apps: OurApp[] = [];
  return {
    dir, ours, theirs, ourConfig, theirConfig,
    async app(opts = {}) {
      const app = await createApp(ourConfig, { metrics: opts.metrics ?? NO_METRICS, log: opts.log });
      apps.push(app);
      return app;
    },
    async seedAndClean(seedYaml, seeds, cleanups) {
      const seedFile = join(dir, 'ours', 'seed.yaml');
      writeFileSync(seedFile, seedYaml);
      const loaded = loadConfig(ourConfig);
      const seedConf = loadSeedConfig(seedFile, loaded);
      const runtime = await buildRuntime(loaded, { seeding: true });
      try {
        const seeded = await runSeed(planSeedTasks(seedConf, loaded.config, runtime, seeds), { executor: new InProcessExecutor(runtime, 2) });
        const removed: number[] = [];
        for (const name of cleanups) removed.push((await runCleanup(planCleanupTasks(seedConf, loaded.config, runtime, [name]))).tilesRemoved);
        return { created: seeded.tilesCreated, removed };
      } finally {
        await runtime.close();
      }
    },
    seedThenClean() {
      return this.seedAndClean(`
coverages:
  west: {bbox: [-180, -85, 0, 85], srs: 'EPSG:4326'}
seeds:
  all: {caches: [c], levels: {to: 2}}
cleanups:
  level2: {caches: [c], levels: [2], remove_all: true}
  west1: {caches: [c], levels: [1], coverages: [west], remove_all: true}
  old0: {caches: [c], levels: [0], remove_before: {minutes: 10}}
`, ['all'], ['level2', 'west1', 'old0']);
    },
    async close() {
      await Promise.all(apps.map((a) => a.runtime.close()));
      await ours.stop();
      await theirs.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
