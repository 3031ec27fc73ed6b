// The tiered cache (an extension): read through with copies into the faster tiers, written through, every tier
// read by its own backend. File tiers, and an in-memory TileCache that fails on demand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BasicTileCache, type CachedTile, type Dimensions } from '../../src/core/cache/cache.js';
import { FileCache } from '../../src/core/cache/file-cache.js';
import { TieredCache } from '../../src/core/cache/tiered-cache.js';
import { loadConfig } from '../../src/core/config/load-config.js';
import type { TileCoord } from '../../src/core/geo/grid.js';
import { NO_METRICS } from '../../src/core/metrics.js';
import { createApp, get } from '../support/our-app.js';
import { startFakeUpstream } from '../support/fake-upstream.js';

const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'mpts-tiered-'));
const key = (c: TileCoord) => c.join('/');

/** A store in memory whose loads and stores fail, or are slow, when a test says so. */
class MemoryCache extends BasicTileCache {
  readonly tiles = new Map<string, { data: Buffer; timestamp: number }>();
  failLoads = false;
  failStores = false;
  storeDelayMs = 0;
  levelResult: number | null = null;
  removed: string[] = [];
  closed = false;

  constructor(readonly lockId: string, override readonly supportsTimestamps = true) {
    super();
  }

  async load(coord: TileCoord): Promise<CachedTile | null> {
    if (this.failLoads) throw new Error(`memory ${this.lockId}: load failed`);
    const t = this.tiles.get(key(coord));
    return t ? { data: t.data, timestamp: this.supportsTimestamps ? t.timestamp : null, size: t.data.length } : null;
  }

  async isCached(coord: TileCoord): Promise<boolean> {
    return (await this.load(coord)) !== null;
  }

  async store(coord: TileCoord, data: Buffer): Promise<void> {
    if (this.storeDelayMs) await new Promise((r) => setTimeout(r, this.storeDelayMs));
    if (this.failStores) throw Object.assign(new Error(`memory ${this.lockId}: no space left`), { code: 'ENOSPC' });
    this.tiles.set(key(coord), { data, timestamp: Date.now() / 1000 });
  }

  async remove(coord: TileCoord, _dims?: Dimensions): Promise<void> {
    this.removed.push(key(coord));
    this.tiles.delete(key(coord));
  }

  override async removeLevel(): Promise<number | null> {
    return this.levelResult;
  }

  tileName(coord: TileCoord): string {
    return `${this.lockId}:${key(coord)}`;
  }

  override async close(): Promise<void> {
    this.closed = true;
  }
}

function countingMetrics() {
  const errors: string[] = [];
  return { errors, metrics: { ...NO_METRICS, cacheWriteError: (_cache: string, code: string) => void errors.push(code) } };
}

const quietLog = () => {
  const lines: string[] = [];
  return { lines, log: { error: (s: string) => void lines.push(s), warn: (s: string) => void lines.push(s) } };
};

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), what);
}

test('read through: a tile of a lower tier is answered and copied into the tiers above it', async () => {
  const dir = tmpDir();
  const [a, b, c] = ['a', 'b', 'c'].map((d) => new FileCache({ directory: path.join(dir, d), ext: 'png', layout: 'tms' })) as [FileCache, FileCache, FileCache];
  const tiered = new TieredCache([a, b, c], { cacheName: 't' });
  await c.store([1, 2, 3], Buffer.from('from c'));
  assert.deepEqual((await tiered.load([1, 2, 3]))?.data, Buffer.from('from c'));
  await until(() => fs.existsSync(path.join(dir, 'a/3/1/2.png')) && fs.existsSync(path.join(dir, 'b/3/1/2.png')), 'copied into a and b');
  assert.deepEqual(fs.readFileSync(path.join(dir, 'a/3/1/2.png')), Buffer.from('from c'));

  // loadMany asks each tier only for what the tiers above did not have
  await b.store([0, 0, 1], Buffer.from('from b'));
  const many = await tiered.loadMany([[1, 2, 3], [0, 0, 1], [5, 5, 5]]);
  assert.deepEqual(many.map((t) => t?.data.toString() ?? null), ['from c', 'from b', null]);
  await until(() => fs.existsSync(path.join(dir, 'a/1/0/0.png')), 'copied into a');
  assert.equal(fs.existsSync(path.join(dir, 'c/1/0/0.png')), false, 'never copied down');
  await tiered.close();
});

test('written through: store and storeMany reach every tier; remove, removeMany and close every tier', async () => {
  const [a, b] = [new MemoryCache('a'), new MemoryCache('b')];
  const tiered = new TieredCache([a, b], { cacheName: 't' });
  await tiered.store([0, 0, 0], Buffer.from('x'));
  await tiered.storeMany([{ coord: [0, 0, 1], data: Buffer.from('y') }, { coord: [1, 0, 1], data: Buffer.from('z') }]);
  for (const tier of [a, b]) assert.deepEqual([...tier.tiles.keys()].sort(), ['0/0/0', '0/0/1', '1/0/1']);
  await tiered.remove([0, 0, 0]);
  await tiered.removeMany([[0, 0, 1], [1, 0, 1]]);
  for (const tier of [a, b]) assert.equal(tier.tiles.size, 0);
  assert.equal(tiered.tileName([1, 2, 3]), 'a:1/2/3 + b:1/2/3');
  await tiered.close();
  assert.ok(a.closed && b.closed);
});

test('a tier that cannot store fails the store as any store failure, and the other tiers still get the tile', async () => {
  const [a, b] = [new MemoryCache('a'), new MemoryCache('b')];
  const tiered = new TieredCache([a, b], { cacheName: 't' });
  a.failStores = true;
  await assert.rejects(tiered.store([0, 0, 0], Buffer.from('x')), (err: AggregateError) => {
    assert.ok(err instanceof AggregateError);
    assert.match(err.errors[0].message, /memory a: no space left/);
    return true;
  });
  assert.ok(b.tiles.has('0/0/0'));
  // nothing stored anywhere: one error, as a store that failed whole
  b.failStores = true;
  await assert.rejects(tiered.storeMany([{ coord: [1, 0, 1], data: Buffer.from('y') }, { coord: [0, 0, 1], data: Buffer.from('z') }]), (err: Error) => {
    assert.ok(!(err instanceof AggregateError));
    assert.match(err.message, /memory a: no space left/);
    return true;
  });
});

test('a failed copy into an upper tier is counted and logged, never thrown, and the tile is still answered', async () => {
  const [a, b] = [new MemoryCache('a'), new MemoryCache('b')];
  const { errors, metrics } = countingMetrics();
  const { lines, log } = quietLog();
  const tiered = new TieredCache([a, b], { cacheName: 'overlay', metrics, log });
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => void unhandled.push(err);
  process.on('unhandledRejection', onUnhandled);
  try {
    await b.store([0, 0, 0], Buffer.from('x'));
    a.failStores = true;
    assert.deepEqual((await tiered.load([0, 0, 0]))?.data, Buffer.from('x'));
    await until(() => errors.length === 1, 'one write error counted');
    assert.deepEqual(errors, ['ENOSPC']);
    assert.match(lines.join('\n'), /cache overlay: memory a: no space left; the tile stays in the lower tier only/);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('a tier that cannot be read is skipped while another answers; when all fail, the load fails', async () => {
  const [a, b] = [new MemoryCache('a'), new MemoryCache('b')];
  const { lines, log } = quietLog();
  const tiered = new TieredCache([a, b], { cacheName: 't', log });
  await b.store([0, 0, 0], Buffer.from('x'));
  a.failLoads = true;
  assert.deepEqual((await tiered.load([0, 0, 0]))?.data, Buffer.from('x'));
  assert.equal(await tiered.isCached([0, 0, 0]), true);
  assert.match(lines[0]!, /tier 0: memory a: load failed; asking the next tier/);
  b.failLoads = true;
  await assert.rejects(tiered.load([0, 0, 0]), /memory a: load failed/);
  await assert.rejects(tiered.timestamp([0, 0, 0]), /memory a: load failed/);
});

test('timestamps and isCached come from the first tier that has the tile; lockId from the lowest tier', async () => {
  const [a, b] = [new MemoryCache('a'), new MemoryCache('b', false)];
  const tiered = new TieredCache([a, b], { cacheName: 't' });
  assert.equal(tiered.lockId, 'b');
  assert.equal(tiered.supportsTimestamps, false, 'only when every tier keeps times');
  assert.equal(new TieredCache([a, new MemoryCache('c')], { cacheName: 't' }).supportsTimestamps, true);
  await b.store([0, 0, 0], Buffer.from('x'));
  assert.equal(await tiered.timestamp([0, 0, 0]), -1, 'b keeps no times');
  assert.equal(await tiered.isCached([0, 0, 0]), true);
  await a.store([0, 0, 0], Buffer.from('x'));
  const ts = await tiered.timestamp([0, 0, 0]);
  assert.ok(ts !== null && Math.abs(ts - Date.now() / 1000) < 60);
  assert.equal(await tiered.timestamp([9, 9, 9]), null);
  assert.equal(await tiered.isCached([9, 9, 9]), false);
});

test('removeLevel is quick only when every tier is; the count is of tiles, not of copies', async () => {
  const [a, b] = [new MemoryCache('a'), new MemoryCache('b')];
  const tiered = new TieredCache([a, b], { cacheName: 't' });
  a.levelResult = 4;
  b.levelResult = 6;
  assert.equal(await tiered.removeLevel(3, 0), 6);
  b.levelResult = null;
  assert.equal(await tiered.removeLevel(3, 0), null);
});

test('a tile copied up while it is re-created ends as the re-created tile in every tier', async () => {
  const [a, b] = [new MemoryCache('a'), new MemoryCache('b')];
  const tiered = new TieredCache([a, b], { cacheName: 't' });
  await b.store([0, 0, 0], Buffer.from('old'));
  a.storeDelayMs = 30;
  await tiered.load([0, 0, 0]); // starts the slow copy of 'old' into a
  a.storeDelayMs = 0;
  await tiered.store([0, 0, 0], Buffer.from('new'));
  assert.equal(a.tiles.get('0/0/0')?.data.toString(), 'new');
  assert.equal(b.tiles.get('0/0/0')?.data.toString(), 'new');
});

function writeConfig(dir: string, cache: string, sources = '[]', extra = ''): string {
  const file = path.join(dir, 'mapproxy.yaml');
  fs.writeFileSync(file, `
globals: {cache: {base_dir: ${dir}/base}}
services: {tms: }
layers: [{name: l, title: l, sources: [c]}]
caches:
  c:
    grids: [GLOBAL_WEBMERCATOR]
    sources: ${sources}
    cache: ${cache}
${extra}`);
  return file;
}

test('each tier is read by its own backend with the defaults it has as a cache\'s only backend', () => {
  const dir = tmpDir();
  const file = writeConfig(dir, `{type: tiered, tiers: [{type: file, directory_layout: tms, bogus: 1}, {type: file, directory: ./shared}]}`);
  const { config, warnings } = loadConfig(file);
  const options = (config.caches['c']!.backend as { options: { tiers: { type: string; options: { gridDirectories: Record<string, string>; directoryLayout: string } }[] } }).options;
  assert.deepEqual(options.tiers.map((t) => t.type), ['file', 'file']);
  assert.equal(options.tiers[0]!.options.gridDirectories['GLOBAL_WEBMERCATOR'], `${dir}/base/c_EPSG3857`);
  assert.equal(options.tiers[0]!.options.directoryLayout, 'tms');
  assert.equal(options.tiers[1]!.options.gridDirectories['GLOBAL_WEBMERCATOR'], `${dir}/./shared`);
  assert.ok(warnings.some((w) => w.includes('caches.c.cache.tiers[0].bogus: unknown option')), warnings.join('\n'));
});

test('configuration errors name the tier', () => {
  const dir = tmpDir();
  const cases: [string, RegExp][] = [
    ['{type: tiered, tiers: [{type: file}, {type: tiered, tiers: []}]}', /caches\.c\.cache\.tiers\[1\]\.type.*cannot itself be a tiered cache/],
    ['{type: tiered, tiers: [{type: file}, {type: nope}]}', /caches\.c\.cache\.tiers\[1\]\.type.*unknown cache type 'nope'/],
    ['{type: tiered, tiers: [{type: file, directory_layout: zz}]}', /caches\.c\.cache\.tiers\[0\]\.directory_layout/],
    ['{type: tiered, tiers: [{type: file}, {type: file}]}', /caches\.c\.cache\.tiers\[1\].*the same store as tiers\[0\]/],
    ['{type: tiered}', /caches\.c\.cache\.tiers.*needs a list of tiers/],
    ['{type: tiered, directory: x, tiers: [{type: file}]}', /caches\.c\.cache\.directory.*set directory in its tiers/],
  ];
  for (const [cache, expected] of cases) {
    assert.throws(() => loadConfig(writeConfig(dir, cache)), (err: Error) => expected.test(`${err.message} ${String((err as { keyPath?: string }).keyPath)}`) || assert.fail(`${cache}: ${err.message}`));
  }
});

test('a whole app: tiles are created once, kept in both tiers, and a tile lost from the first tier comes back from the second', async () => {
  const dir = tmpDir();
  const upstream = await startFakeUpstream();
  try {
    const file = writeConfig(dir, '{type: tiered, tiers: [{type: file, directory: ./fast, directory_layout: tms}, {type: file, directory: ./slow, directory_layout: tms}]}',
      '[s]', `sources:\n  s: {type: wms, req: {url: '${upstream.url}', layers: ok}}\n`);
    const app = await createApp(file);
    const first = await get(app, '/tms/1.0.0/l/EPSG3857/1/0/0.png');
    assert.equal(first.status, 200);
    assert.equal(upstream.requests.length, 1);
    // TMS level 1 of GLOBAL_WEBMERCATOR is the grid's level 2 (MapProxy's TMS levels), whose origin is the
    // north-west: TMS row 0 is the grid's row 3
    const fast = path.join(dir, 'fast/2/0/3.png');
    assert.deepEqual(fs.readFileSync(fast), first.body);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'slow/2/0/3.png')), first.body);
    fs.rmSync(fast);
    const again = await get(app, '/tms/1.0.0/l/EPSG3857/1/0/0.png');
    assert.deepEqual(again.body, first.body);
    assert.equal(upstream.requests.length, 1, 'no upstream request for a tile of the second tier');
    await until(() => fs.existsSync(fast), 'copied back into the first tier');
    await app.runtime.close();
  } finally {
    await upstream.stop();
  }
});
