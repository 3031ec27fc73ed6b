// A cache that draws from another cache starts the inner cache's creation inside its own queue slot: the builder
// must switch the queue to nesting when it meets such a cache, or one slot deadlocks. Without such a cache the queue
// stays without its AsyncLocalStorage (Node 20's promise hooks stay off).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/core/config/index.js';
import { HttpDispatchers } from '../../src/core/client/dispatchers.js';
import { CacheBuilder } from '../../src/core/runtime/caches.js';
import { imageGlobals } from '../../src/core/runtime/image-formats.js';
import { buildGrids } from '../../src/core/runtime/grids.js';
import { CreationQueue } from '../../src/core/tiles/creation-queue.js';
import { SingleFlight } from '../../src/core/tiles/single-flight.js';
import { NO_METRICS } from '../../src/core/metrics.js';
import { writeConfigDir } from './config-helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function builder(caches: string, queue: CreationQueue): CacheBuilder {
  const dir = writeConfigDir({
    'mapproxy.yaml': `
services:
  tms:
layers:
  - name: top
    title: Top
    sources: [top_cache]
caches:
${caches}
sources:
  dbg:
    type: debug
`,
  });
  dirs.push(dir);
  const config = loadConfig(join(dir, 'mapproxy.yaml')).config;
  return new CacheBuilder({
    config,
    grids: buildGrids(config),
    dispatchers: new HttpDispatchers(),
    limiters: new Map(),
    cookieJars: new Map(),
    seeding: false,
    metrics: NO_METRICS,
    log: { warn() {}, error() {} },
    imageGlobals: imageGlobals(config.globals),
    locks: new SingleFlight(),
    creationQueue: queue,
  });
}

describe('creation queue and caches drawing from caches', () => {
  it('a cache drawing from a cache creates its tiles with a queue of one slot (the inner creation nests)', async () => {
    const queue = new CreationQueue({ maxActive: 1, maxQueued: 4 });
    const caches = builder(`
  top_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [inner_cache]
    disable_storage: true
  inner_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [dbg]
    disable_storage: true
`, queue);
    const manager = caches.get('top_cache').managers[0]!;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('deadlocked: the inner creation waits for the outer one\'s slot')), 5000);
    });
    const tile = await Promise.race([manager.loadTile([1, 1, 2]), timeout]).finally(() => clearTimeout(timer));
    assert.ok((tile as { data?: Buffer }).data, 'the outer cache created its tile from the inner one');
    assert.equal(await queue.idle(1000), true);
    await caches.close();
  });

  it('caches that draw only from sources leave the queue without nesting', async () => {
    const queue = new CreationQueue({ maxActive: 1, maxQueued: 4 });
    const caches = builder(`
  top_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [dbg]
    disable_storage: true
`, queue);
    caches.get('top_cache');
    assert.equal((queue as unknown as { inside?: unknown }).inside, undefined);
    await caches.close();
  });
});
