// Loaded with --import into the workers of a server that bench/cold-miss-stages.ts measures: wraps the methods a
// cold miss goes through and writes how long each took (JSON lines, one file per process) to
// $COLD_MISS_PROBE_DIR. A bench tool only: the daemon itself has no such hooks.
import cluster from 'node:cluster';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { HttpClient } from '../src/core/client/http-client.js';
import { FileLocks } from '../src/core/tiles/file-locks.js';
import { CreationQueue } from '../src/core/tiles/creation-queue.js';
import { TileCreator } from '../src/core/tiles/tile-creator.js';
import { ImageResult } from '../src/core/image/image.js';
import { FileCache } from '../src/core/cache/file-cache.js';
import { TileManager } from '../src/core/tiles/tile-manager.js';

const dir = process.env.COLD_MISS_PROBE_DIR;
// the workers only: the master answers no request
const out = dir && cluster.isWorker ? join(dir, `stages-${process.pid}.jsonl`) : null;
let lines: string[] = [];

function record(stage: string, ms: number, startMs: number): void {
  lines.push(JSON.stringify({ stage, ms, at: startMs }));
}

/** Replaces `proto[name]` by a wrapper that records the time until the returned promise settles. */
function timed(proto: object, name: string, stage: string): void {
  const target = proto as Record<string, unknown>;
  const original = target[name];
  if (typeof original !== 'function') {
    lines.push(JSON.stringify({ missing: `${stage} (${name})` }));
    return;
  }
  target[name] = function (this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    const result = (original as (...a: unknown[]) => unknown).apply(this, args);
    const done = () => record(stage, performance.now() - t0, t0);
    if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(done, done);
    else done();
    return result;
  };
}

if (out) {
  timed(HttpClient.prototype, 'request', 'upstream request');
  timed(FileLocks.prototype, 'acquire', 'lock acquire');
  timed(CreationQueue.prototype, 'run', 'queue+lock+create');
  timed(TileCreator.prototype, 'createMetaTile', 'meta tile total');
  timed(TileCreator.prototype, 'store', 'store 16 tiles');
  timed(ImageResult.prototype, 'raw', 'decode');
  timed(TileCreator.prototype, 'palettedTilesFromPng', 'decode+split+encode');
  timed(TileManager.prototype, 'loadCached', 'cache check, 1 tile');
  timed(FileCache.prototype, 'writeAtomic', 'write 1 tile (sync)');
  timed(FileCache.prototype, 'ensureDirectory', 'mkdir -p');

  // Pauses of the main thread: event-loop delay (sampled every 10 ms) and garbage collections.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      record(e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR ? 'gc major' : 'gc minor/other', e.duration, e.startTime);
    }
  });
  gc.observe({ entryTypes: ['gc'] });

  const flush = () => {
    // one window per flush: the driver reads the windows of its own run only
    if (delay.count > 0) record('loop delay max/500ms', delay.max / 1e6, performance.now());
    delay.reset();
    appendFileSync(out, lines.join('\n') + '\n');
    lines = [];
  };
  // the driver waits a second after its last request before stopping the server
  setInterval(flush, 500).unref();
}
