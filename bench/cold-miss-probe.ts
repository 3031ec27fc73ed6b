// Loaded with --import into the workers of a server that bench/cold-miss-stages.ts measures: wraps the methods a
// cold miss goes through and writes how long each took (JSON lines, one file per process) to
// $COLD_MISS_PROBE_DIR. A bench tool only: the daemon itself has no such hooks.
//
// A cold miss is answered once its asked tile is encoded and stored; the same native job then writes the meta
// tile's other tiles, which are stored before the lock is released. The stages follow that flow:
//  - "native: asked tiles encoded" / "native: whole job": from the start of the fused job (decode, quantize, write
//    16 PNGs) until the asked tiles reach the main thread, and until all 16 do;
//  - "store: asked tiles" / "store: the other N": the two stores of a staged meta tile ("store: N at once" for a
//    meta tile that is not staged: another format, a source image already decoded, seeding);
//  - "meta tile: until answered" / "meta tile: until lock released": from the creation's call (flight, queue slot
//    and lock still to take) until its asked tiles are handed out, and until it is done.
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

type Method = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Replaces `proto[name]` by `around(original)`; a method that is not there any more is reported to the driver (the
 * code moved on and the probe with it, or a stage silently disappears).
 */
function replace(proto: object, name: string, stage: string, around: (original: Method) => Method): void {
  const target = proto as Record<string, unknown>;
  const original = target[name];
  if (typeof original !== 'function') {
    lines.push(JSON.stringify({ missing: `${stage} (${name})` }));
    return;
  }
  target[name] = around(original as Method);
}

/** Hands each call's arguments, result and start time to `observe`. */
function observed(proto: object, name: string, stage: string, observe: (args: unknown[], result: unknown, t0: number) => void): void {
  replace(proto, name, stage, (original) =>
    function (this: unknown, ...args: unknown[]) {
      const t0 = performance.now();
      const result = original.apply(this, args);
      observe(args, result, t0);
      return result;
    });
}

/** Calls `then` with the value once `value` settles (undefined when it rejects; at once for a plain value). */
function settled(value: unknown, then: (fulfilled: unknown) => void): void {
  if (value && typeof (value as Promise<unknown>).then === 'function') (value as Promise<unknown>).then(then, () => then(undefined));
  else then(value);
}

/** Records the time until the promise a method returns settles. */
function timed(proto: object, name: string, stage: string): void {
  observed(proto, name, stage, (_args, result, t0) => settled(result, () => record(stage, performance.now() - t0, t0)));
}

type Coord = readonly number[];
const key = (coord: Coord) => coord.join('/');

// The two stores of a staged meta tile told apart: the asked tiles' store is called in the synchronous part of
// stagedCreation (before its first await); the others' comes later, starting with the first tile not asked.
let inStagedCreation = false;
const otherTilesFirst = new Set<string>();

function storeStage(tiles: readonly { coord: Coord }[]): string {
  if (inStagedCreation) return 'store: asked tiles';
  const first = tiles[0];
  if (first && otherTilesFirst.delete(key(first.coord))) return `store: the other ${tiles.length}`;
  return `store: ${tiles.length} at once`;
}

if (out) {
  timed(HttpClient.prototype, 'request', 'upstream request');
  timed(FileLocks.prototype, 'acquire', 'lock acquire');
  // a queue slot is held until its creation is done: every tile stored, the lock released
  timed(CreationQueue.prototype, 'run', 'queue slot held');
  timed(TileManager.prototype, 'loadCached', 'cache check, 1 tile');
  // only where the fused job does not apply
  timed(ImageResult.prototype, 'raw', 'decode (not fused)');
  timed(FileCache.prototype, 'writeAtomic', 'write 1 tile (sync)');
  timed(FileCache.prototype, 'ensureDirectory', 'mkdir -p');

  observed(TileCreator.prototype, 'createMetaTile', 'meta tile', (_args, result, t0) =>
    settled(result, (creation) => {
      const answered = performance.now();
      record('meta tile: until answered', answered - t0, t0);
      const done = (creation as { done?: Promise<unknown> } | undefined)?.done;
      done?.then(() => {
        const end = performance.now();
        record('meta tile: until lock released', end - t0, t0);
        record('  after the answer', end - answered, answered);
      }, () => undefined);
    }));

  observed(TileCreator.prototype, 'palettedTilesFromPng', 'native job', (args, result, t0) => {
    const staged = result as { asked: Promise<unknown>; all: Promise<unknown> } | null;
    if (!staged) return;
    // with nothing asked early (seeding), `asked` settles with `all`
    const early = args[4] as readonly number[] | undefined;
    if (early && early.length > 0) {
      staged.asked.then((t) => t && record('native: asked tiles encoded', performance.now() - t0, t0), () => undefined);
    }
    staged.all.then((t) => t && record('native: whole job', performance.now() - t0, t0), () => undefined);
  });

  replace(TileCreator.prototype, 'stagedCreation', 'staged meta tile', (original) =>
    function (this: unknown, ...args: unknown[]) {
      const meta = args[0] as { tiles: readonly { coord: Coord }[] };
      const early = args[3] as readonly number[];
      const firstOther = meta.tiles.find((_, i) => !early.includes(i));
      if (firstOther) otherTilesFirst.add(key(firstOther.coord));
      inStagedCreation = true;
      try {
        return original.apply(this, args);
      } finally {
        inStagedCreation = false;
      }
    });

  observed(TileCreator.prototype, 'store', 'store', (args, result, t0) => {
    const stage = storeStage(args[0] as readonly { coord: Coord }[]);
    settled(result, () => record(stage, performance.now() - t0, t0));
  });

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
