// What the integration tests of network caches (Redis, CouchDB) share: a mapproxy.yaml with one cache of a
// counting fake WMS, written for us and for MapProxy 1.15 (each with its own upstream, so a tile shows whose
// source drew it), our app on it, and seeding and cleanup runs on it.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import type { TileCache } from '../../src/core/cache/cache.js';
import { cacheBackend } from '../../src/core/cache/registry.js';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config/load-config.js';
import { DEFAULT_GRIDS, tileGrid } from '../../src/core/geo/grid.js';
import { loadSeedConfig } from '../../src/core/config/seed-config.js';
import { NO_METRICS, type CoreMetrics } from '../../src/core/metrics.js';
import { buildRuntime } from '../../src/core/runtime/runtime.js';
import { runCleanup } from '../../src/core/seed/cleanup.js';
import { InProcessExecutor } from '../../src/core/seed/executor.js';
import { runSeed } from '../../src/core/seed/seeder.js';
import { planCleanupTasks, planSeedTasks } from '../../src/core/seed/tasks.js';
import { tempDir, writeConfig } from './configs.js';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream.js';
import type { ReferenceMapProxy } from './mapproxy-reference.js';
import { createApp, get, type OurApp } from './our-app.js';

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
  async function seedAndClean(seedYaml: string, seeds: string[], cleanups: string[]): Promise<{ created: number; removed: number[] }> {
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
  }

  return {
    dir, ours, theirs, ourConfig, theirConfig,
    async app(opts = {}) {
      const app = await createApp(ourConfig, { metrics: opts.metrics ?? NO_METRICS, log: opts.log });
      apps.push(app);
      return app;
    },
    seedAndClean,
    seedThenClean() {
      return seedAndClean(`
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

/** A configuration's caches as their backends read them: options, warnings, and stores opened from them. */
export interface ConfiguredCaches {
  readonly warnings: readonly string[];
  /** The backend options of cache `name` (plain data). */
  options(name: string): unknown;
  /** The store of cache `name` for GLOBAL_WEBMERCATOR, opened from `options` (default: as configured). */
  open(name: string, options?: unknown): TileCache;
  /** The temporary directory of the configuration file (for reference scripts). */
  readonly dir: string;
  close(): void;
}

/** Loads a mapproxy.yaml whose `caches:` section is `cachesYaml` (their sources empty) through the registry. */
export function configuredCaches(cachesYaml: string): ConfiguredCaches {
  const dir = tempDir('cache-options-');
  const loaded = loadConfig(writeConfig(dir, `
services: {tms: }
layers: [{name: l, title: l, sources: []}]
caches:
${cachesYaml}
`));
  const backendOf = (name: string) => loaded.config.caches[name]!.backend as { type: string; options: unknown };
  const grid = tileGrid({ ...DEFAULT_GRIDS.GLOBAL_WEBMERCATOR, name: 'GLOBAL_WEBMERCATOR' });
  return {
    warnings: loaded.warnings,
    dir,
    options: (name) => backendOf(name).options,
    open(name, options) {
      const b = backendOf(name);
      return cacheBackend(b.type)!.open(options ?? b.options, { cacheName: name, gridKey: 'GLOBAL_WEBMERCATOR', grid, fileExt: 'png', mimeType: 'image/png' });
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * MapProxy 1.15 (`ref`, on theirConfig) and our `app` on one store: MapProxy creates TMS tile 3/0/0 (red, from its
 * upstream) and we serve it byte for byte without asking our source; we create 3/7/7 (blue) and MapProxy serves
 * ours without asking its source. `stored` looks at what MapProxy stored before we read it.
 */
export async function exchangeTilesWithMapProxy(
  s: NetworkCacheSetup, ref: ReferenceMapProxy, app: OurApp, stored: (theirTile: Buffer) => Promise<void>,
): Promise<{ theirTile: Buffer; ourTile: Buffer; served: Response }> {
  const theirs = await fetch(`${ref.url}/tms/1.0.0/l/EPSG3857/3/0/0.png`);
  assert.equal(theirs.status, 200, ref.log());
  const theirTile = Buffer.from(await theirs.arrayBuffer());
  await stored(theirTile);
  const ourRequests = s.ours.requests.length;
  const ours = await get(app, '/tms/1.0.0/l/EPSG3857/3/0/0.png');
  assert.equal(ours.status, 200);
  assert.deepEqual(ours.body, theirTile);
  assert.equal(s.ours.requests.length, ourRequests, 'no request to our source');

  const ourTile = await get(app, '/tms/1.0.0/l/EPSG3857/3/7/7.png');
  assert.equal(ourTile.status, 200);
  assert.ok(s.ours.requests.length > ourRequests, 'we created it');
  const theirRequests = s.theirs.requests.length;
  const served = await fetch(`${ref.url}/tms/1.0.0/l/EPSG3857/3/7/7.png`);
  assert.equal(served.status, 200, ref.log());
  const servedTile = Buffer.from(await served.arrayBuffer());
  assert.deepEqual(servedTile, ourTile.body);
  assert.equal(s.theirs.requests.length, theirRequests, 'no request to MapProxy\'s source');
  return { theirTile, ourTile: ourTile.body, served };
}
