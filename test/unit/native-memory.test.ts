import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tileMosaic } from '../../src/core/image/compose.js';
import { imageFormat } from '../../src/core/image/format.js';
import { ImageResult } from '../../src/core/image/image.js';
import { resampledMosaic } from '../../src/core/image/mosaic-map.js';
import type { TilePixels } from '../../src/core/image/tile-pixels.js';
import { IdleMemoryRelease, mallocStats, releaseFreeMemory, releaseIdleScratch, type MallocStats } from '../../src/core/native/memory.js';
import { paint } from './image-helpers.js';

const MB = 1024 * 1024;

test('the allocator figures follow a big allocation, and free memory goes back to the system', async (t) => {
  const before = mallocStats();
  if (!before) return t.skip('this C library has no mallinfo2');
  // Many mid-sized blocks from the arenas (below glibc's mmap threshold), then freed.
  let blocks: Buffer[] | null = Array.from({ length: 400 }, () => Buffer.alloc(100 * 1024, 1));
  const during = mallocStats()!;
  assert.ok(during.inUseBytes >= before.inUseBytes + 30 * MB, `in use ${during.inUseBytes} after ${before.inUseBytes}`);
  assert.equal(blocks.length, 400);
  blocks = null;
  assert.equal(typeof (await releaseFreeMemory()), 'boolean');
  const after = mallocStats()!;
  for (const k of ['arenaBytes', 'mmappedBytes', 'inUseBytes', 'freeBytes'] as const) assert.ok(after[k] >= 0 && Number.isFinite(after[k]), k);
});

/** A scripted allocator: the figures each look returns, the resident set, and the releases asked for. */
function scripted(figures: MallocStats[], rssMB: (look: number, releases: number) => number = () => 200) {
  let i = 0;
  const released: number[] = [];
  const policy = new IdleMemoryRelease({
    windowSamples: 4,
    slackBytes: 20 * MB,
    stats: () => figures[Math.min(i++, figures.length - 1)],
    release: async () => (released.push(i), true),
    rss: () => rssMB(i, released.length) * MB,
  });
  return { policy, released };
}

const look = (arenaMB: number, inUseMB: number): MallocStats => ({
  arenaBytes: arenaMB * MB, mmappedBytes: 0, inUseBytes: inUseMB * MB, freeBytes: (arenaMB - inUseMB) * MB,
});

test('arenas still used by the work in flight are kept', () => {
  // Maps in flight: the use swings between 30 and 90 MB of a 100 MB arena.
  const { policy, released } = scripted([look(100, 30), look(100, 90), look(100, 40), look(100, 85), look(100, 35), look(100, 88), look(100, 30), look(100, 90)]);
  for (let k = 0; k < 8; k++) policy.sample();
  assert.deepEqual(released, []);
});

test('arenas far above what recent work used are released once', async () => {
  // A burst of maps, then small requests only.
  const { policy, released } = scripted([look(100, 90), look(100, 20), look(100, 20), look(100, 20), look(100, 20), look(100, 20), look(100, 20), look(100, 21)]);
  const results = [];
  for (let k = 0; k < 8; k++) results.push(policy.sample());
  await new Promise((r) => setImmediate(r));
  // Not while the burst's peak is in the window; then once (the figures after it start a new window).
  assert.deepEqual(results, [false, false, false, false, true, false, false, false]);
  assert.equal(released.length, 1);
  assert.equal(policy.releases, 1);
});

test('a trimmed arena, which keeps its size, is not trimmed again until the resident set grows back', async () => {
  // After a burst: released once; the arena keeps its 100 MB (its free pages are no longer resident, 150 -> 90 MB).
  const idle = Array.from({ length: 12 }, () => look(100, 20));
  // Then another burst that makes 40 MB resident again (85 MB in use), and small requests again.
  const burst = [look(100, 85), ...Array.from({ length: 6 }, () => look(100, 20))];
  const burstAt = 1 + idle.length;
  const rss = (n: number, releases: number) => (releases === 0 ? 150 : n <= burstAt ? 90 : 130);
  const { policy, released } = scripted([look(100, 90), ...idle, ...burst], rss);
  const results = [];
  for (let k = 0; k < burstAt + burst.length; k++) {
    results.push(policy.sample());
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(released.length, 2, `releases at looks ${results.map((r, k) => (r ? k : -1)).filter((k) => k >= 0)}`);
  assert.equal(results[4], true);
  assert.equal(results.indexOf(true, 5), burstAt + 4);
});

test('a release made under load is followed by one more once that load has stopped', async () => {
  // Big maps keep 70-80 MB of a 160 MB arena in use (released once, little goes back), then only small requests.
  const load = Array.from({ length: 6 }, (_, k) => look(160, k % 2 ? 80 : 70));
  const idle = Array.from({ length: 6 }, () => look(160, 20));
  const { policy, released } = scripted([...load, ...idle], () => 150);
  const results = [];
  for (let k = 0; k < load.length + idle.length; k++) {
    results.push(policy.sample());
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(results.map((r, k) => (r ? k : -1)).filter((k) => k >= 0), [3, load.length + 3]);
  assert.equal(released.length, 2);
});

test('little free memory is never worth a release', () => {
  const { policy, released } = scripted([look(40, 25), look(40, 25), look(40, 25), look(40, 25), look(40, 25)]);
  for (let k = 0; k < 5; k++) policy.sample();
  assert.deepEqual(released, []);
});

test('the kernel threads\' work memory is freed once idle, and the kernels take it again afterwards', async () => {
  const size = 300;
  const tile: TilePixels = { kind: 'rgba', raw: paint(size, size, (x, y) => [x & 255, y & 255, (x ^ y) & 255, 255]) };
  const map = (pixels: number) => ImageResult.fromDeferred(
    resampledMosaic(tileMosaic([tile], [1, 1], [size, size], { x: 0, y: 0, width: size, height: size }), [0, 0, size, size], [10, 10, 290, 290], [pixels, pixels], 'bilinear'),
  ).encode(imageFormat('image/png'));
  releaseIdleScratch(0);
  // 700² with its window is over POOL_PIXELS: drawn on a pool thread; 100² inline, on this thread.
  const [bigMap, smallMap] = [await map(700), await map(100)];
  assert.equal(releaseIdleScratch(60_000), 0, 'used just now: kept');
  const freed = releaseIdleScratch(0);
  // Each area holds its map and the 300² window (bilinear draws the window whole), with a quarter to spare
  // (thread_scratch.h); one thread alone would hold only the bigger one, 1.25 × (700² × 4 + window).
  const window = size * size * 4;
  const big = 1.25 * (700 * 700 * 4 + window);
  assert.ok(freed >= big + 100 * 100 * 4 + window, `both threads' areas freed: ${freed} bytes`);
  assert.equal(releaseIdleScratch(0), 0, 'nothing left to free');
  assert.ok((await map(700)).equals(bigMap), 'the same map from fresh memory');
  assert.ok((await map(100)).equals(smallMap));
});
