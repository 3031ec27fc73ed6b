import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompactCache, type CompactVersion } from '../../src/core/cache/compact-cache.js';
import { CacheWriteError } from '../../src/core/cache/cache-write-error.js';
import { defragCompactCache } from '../../src/core/cache/compact-defrag.js';
import { runDefragCompactCommand } from '../../src/cli/defrag-compact-command.js';
import { loadConfig } from '../../src/core/config/load-config.js';
import { ConfigError } from '../../src/core/config/errors.js';
import { loadSeedConfig } from '../../src/core/config/seed-config.js';
import { buildRuntime } from '../../src/core/runtime/runtime.js';
import { runCleanup } from '../../src/core/seed/cleanup.js';
import { InProcessExecutor } from '../../src/core/seed/executor.js';
import { runSeed } from '../../src/core/seed/seeder.js';
import { planCleanupTasks, planSeedTasks } from '../../src/core/seed/tasks.js';
import { FileLocks } from '../../src/core/tiles/file-locks.js';
import { createApp, get } from '../support/our-app.js';
import { prng } from '../support/prng.js';

const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'mpts-compact-'));
const VERSIONS: readonly CompactVersion[] = [1, 2];
const bytes = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);

/** Collects what the cache logs. */
function recordingLog(): { error: (msg: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { lines, error: (msg: string) => lines.push(msg) };
}

const allFiles = (dir: string): string[] =>
  fs.existsSync(dir)
    ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort()
    : [];

/** The files of these bundles (`L00/R0000C0000`, …) in a cache of `version`. */
const bundleFilesOf = (version: CompactVersion, names: string[]): string[] =>
  names.flatMap((n) => (version === 1 ? [`${n}.bundle`, `${n}.bundlx`] : [`${n}.bundle`])).sort();

for (const version of VERSIONS) {
  const files = (...names: string[]): string[] => bundleFilesOf(version, names);

  test(`v${version}: tiles go to Lzz/RrrrrCcccc bundles of 128×128 tiles`, async () => {
    const dir = tmpDir();
    const cache = new CompactCache({ directory: dir, version });
    await cache.store([0, 0, 0], bytes(10, 1));
    await cache.store([127, 127, 12], bytes(20, 2));
    await cache.store([128, 256, 12], bytes(30, 3));
    assert.deepEqual(allFiles(dir), files('L00/R0000C0000', 'L12/R0000C0000', 'L12/R0100C0080'), 'no lock files are left');
    assert.deepEqual((await cache.load([127, 127, 12]))?.data, bytes(20, 2));
    assert.deepEqual((await cache.load([128, 256, 12]))?.data, bytes(30, 3));
    assert.equal(cache.tileName([130, 257, 12]), path.join(dir, 'L12/R0100C0080.bundle[2,1]'));
  });

  test(`v${version}: asking for tiles creates no files; the other tiles of a bundle are missing`, async () => {
    const dir = tmpDir();
    const cache = new CompactCache({ directory: dir, version });
    assert.equal(await cache.isCached([0, 0, 0]), false);
    assert.equal(await cache.load([0, 0, 0]), null);
    assert.equal(await cache.timestamp([0, 0, 0]), null);
    assert.deepEqual(allFiles(dir), []);
    await cache.store([130, 200, 8], bytes(70, 7));
    assert.equal(await cache.isCached([130, 200, 8]), true);
    const coords: [number, number, number][] = [];
    for (let x = 128; x < 256; x++) for (let y = 128; y < 256; y++) if (x !== 130 || y !== 200) coords.push([x, y, 8]);
    const loaded = await cache.loadMany(coords);
    assert.equal(loaded.filter((t) => t !== null).length, 0);
    for (const c of coords.filter((_, i) => i % 97 === 0)) assert.equal(await cache.isCached(c), false, String(c));
  });

  test(`v${version}: a tile has no time: no timestamp in loads, -1 as its age, supportsTimestamps false`, async () => {
    const cache = new CompactCache({ directory: tmpDir(), version });
    await cache.store([3, 4, 5], bytes(5, 5));
    const tile = await cache.load([3, 4, 5]);
    assert.deepEqual(tile, { data: bytes(5, 5), timestamp: null, size: 5 });
    assert.equal(await cache.timestamp([3, 4, 5]), -1);
    assert.equal(cache.supportsTimestamps, false);
    assert.match(cache.lockId, /^compactcache-[0-9a-f]{32}$/);
  });

  test(`v${version}: overwriting appends; removing hides the tile; loadMany answers in order across bundles`, async () => {
    const dir = tmpDir();
    const cache = new CompactCache({ directory: dir, version });
    await cache.store([1, 1, 3], bytes(100, 1));
    const sizeBefore = fs.statSync(path.join(dir, 'L03/R0000C0000.bundle')).size;
    await cache.store([1, 1, 3], bytes(50, 2));
    assert.equal(fs.statSync(path.join(dir, 'L03/R0000C0000.bundle')).size, sizeBefore + 54, 'the new tile is appended, the old one stays');
    assert.deepEqual((await cache.load([1, 1, 3]))?.data, bytes(50, 2));
    await cache.store([200, 1, 3], bytes(8, 3));
    const many = await cache.loadMany([[200, 1, 3], [9, 9, 3], [1, 1, 3]]);
    assert.deepEqual(many.map((t) => t?.data ?? null), [bytes(8, 3), null, bytes(50, 2)]);
    await cache.remove([1, 1, 3]);
    assert.equal(await cache.load([1, 1, 3]), null);
    assert.equal(await cache.isCached([1, 1, 3]), false);
    await cache.remove([1, 1, 3]);
    await cache.remove([0, 0, 9]);
    assert.ok(!fs.existsSync(path.join(dir, 'L09')), 'removing from a missing bundle creates nothing');
    await cache.store([1, 1, 3], bytes(7, 4));
    assert.deepEqual((await cache.load([1, 1, 3]))?.data, bytes(7, 4));
  });

  test(`v${version}: storeMany writes a meta tile's tiles with one lock per bundle and one append`, async () => {
    const dir = tmpDir();
    const locks = new FileLocks();
    const acquired: string[] = [];
    const acquire = locks.acquire.bind(locks);
    locks.acquire = (paths, opts) => {
      acquired.push(...paths);
      return acquire(paths, opts);
    };
    const cache = new CompactCache({ directory: dir, version, locks });
    const meta = [];
    for (let x = 126; x < 130; x++) for (let y = 0; y < 4; y++) meta.push({ coord: [x, y, 10] as [number, number, number], data: bytes(10 + x + y, x + y) });
    await cache.storeMany(meta);
    assert.deepEqual(acquired.map((p) => path.relative(dir, p)).sort(), ['L10/R0000C0000.lck', 'L10/R0000C0080.lck']);
    const loaded = await cache.loadMany(meta.map((t) => t.coord));
    assert.deepEqual(loaded.map((t) => t?.data), meta.map((t) => t.data));

    // the same bytes as storing the tiles one by one (MapProxy stores them one by one in one bundle open)
    const one = tmpDir();
    const single = new CompactCache({ directory: one, version });
    for (const t of meta) await single.store(t.coord, t.data);
    for (const f of allFiles(dir)) assert.ok(fs.readFileSync(path.join(dir, f)).equals(fs.readFileSync(path.join(one, f))), f);
  });

  test(`v${version}: file and directory permissions apply to new bundles and level directories`, async () => {
    const dir = tmpDir();
    const cache = new CompactCache({ directory: path.join(dir, 'c'), version, filePermissions: '640', directoryPermissions: '750' });
    await cache.store([0, 0, 0], bytes(3, 3));
    for (const f of files('c/L00/R0000C0000')) assert.equal(fs.statSync(path.join(dir, f)).mode & 0o777, 0o640, f);
    assert.equal(fs.statSync(path.join(dir, 'c/L00')).mode & 0o777, 0o750);
    assert.equal(fs.statSync(path.join(dir, 'c')).mode & 0o777, 0o750);
  });

  test(`v${version}: removeLevel removes the level directory and counts its tiles; a dry run names the bundles`, async () => {
    const dir = tmpDir();
    const cache = new CompactCache({ directory: dir, version });
    await cache.storeMany([{ coord: [0, 0, 12], data: bytes(4, 1) }, { coord: [1, 0, 12], data: bytes(4, 2) }, { coord: [300, 0, 12], data: bytes(4, 3) }]);
    await cache.store([0, 0, 12], bytes(4, 9)); // an overwritten tile counts once
    await cache.store([0, 0, 11], bytes(4, 1));
    const named: string[] = [];
    assert.equal(await cache.removeLevel(12, 0, { dryRun: true, onRemove: (f) => named.push(path.relative(dir, f)) }), 3);
    assert.deepEqual(named.sort(), files('L12/R0000C0000', 'L12/R0000C0100'));
    assert.ok(fs.existsSync(path.join(dir, 'L12')));
    // every tile is older than any limit: a limit removes the whole level as well
    assert.equal(await cache.removeLevel(12, Date.now() / 1000, {}), 3);
    assert.ok(!fs.existsSync(path.join(dir, 'L12')));
    assert.equal(await cache.removeLevel(12, 0, {}), 0);
    assert.deepEqual((await cache.load([0, 0, 11]))?.data, bytes(4, 1));
  });

  test(`v${version}: a bundle with a broken index gives missing tiles and one clear log line, never a crash`, async () => {
    const dir = tmpDir();
    const log = recordingLog();
    const cache = new CompactCache({ directory: dir, version, log, name: 'broken' });
    await cache.storeMany([{ coord: [0, 0, 1], data: bytes(1000, 1) }, { coord: [1, 0, 1], data: bytes(1000, 2) }]);
    const bundle = path.join(dir, 'L01/R0000C0000.bundle');
    const size = fs.statSync(bundle).size;

    // the last tile's bytes are cut off: it is missing, the first one still reads
    fs.truncateSync(bundle, size - 10);
    let tiles = await cache.loadMany([[0, 0, 1], [1, 0, 1]]);
    assert.deepEqual(tiles.map((t) => t?.data ?? null), [bytes(1000, 1), null]);
    assert.equal(log.lines.length, 1);
    assert.match(log.lines[0]!, /^cache broken: compact bundle .*L01\/R0000C0000\.bundle is damaged: .*tile 1,0.*; its unreadable tiles count as missing$/);
    await cache.loadMany([[1, 0, 1]]);
    assert.equal(log.lines.length, 1, 'the same bundle is not reported again at once');

    // a store appends after the cut and points the index at the complete new tile
    await cache.store([1, 0, 1], bytes(500, 3));
    tiles = await cache.loadMany([[0, 0, 1], [1, 0, 1]]);
    assert.deepEqual(tiles.map((t) => t?.data ?? null), [bytes(1000, 1), bytes(500, 3)]);

    // a bundle cut inside its index: every tile is missing, and writing into it is refused
    const other = new CompactCache({ directory: dir, version, log: recordingLog() });
    fs.truncateSync(version === 1 ? path.join(dir, 'L01/R0000C0000.bundlx') : bundle, 3000);
    assert.deepEqual(await other.loadMany([[0, 0, 1], [1, 0, 1]]), [null, null]);
    await assert.rejects(other.store([2, 0, 1], bytes(10, 1)), (err: unknown) => {
      assert.ok(err instanceof CacheWriteError);
      assert.match(err.message, /^cannot store tile in compact bundle .*R0000C0000\.bundle: .*damaged.*3000 bytes/);
      return true;
    });
    assert.ok(!fs.existsSync(path.join(dir, 'L01/R0000C0000.lck')), 'the lock is released after a failed write');
  });

  test(`v${version}: index entries pointing beyond the end or into the header give missing tiles`, async () => {
    const dir = tmpDir();
    const log = recordingLog();
    const cache = new CompactCache({ directory: dir, version, log });
    await cache.storeMany([{ coord: [5, 6, 2], data: bytes(40, 1) }, { coord: [6, 6, 2], data: bytes(40, 2) }]);
    const index = path.join(dir, version === 1 ? 'L02/R0000C0000.bundlx' : 'L02/R0000C0000.bundle');
    const entry = (col: number, row: number): number => (version === 1 ? 16 + (col * 128 + row) * 5 : 64 + (col + 128 * row) * 8);
    const fd = fs.openSync(index, 'r+');
    const far = Buffer.alloc(version === 1 ? 5 : 8, 0);
    far.writeUIntLE(2 ** 39, 0, 5); // an offset far beyond the end
    if (version === 2) far.writeUInt8(40, 5); // with a size of 40
    fs.writeSync(fd, far, 0, far.length, entry(5, 6));
    const low = Buffer.alloc(far.length, 0);
    low.writeUIntLE(7, 0, 5); // into the header
    if (version === 2) low.writeUInt8(40, 5);
    fs.writeSync(fd, low, 0, low.length, entry(6, 6));
    fs.closeSync(fd);
    assert.deepEqual(await cache.loadMany([[5, 6, 2], [6, 6, 2]]), [null, null]);
    assert.equal(log.lines.length, 1);
    assert.match(log.lines[0]!, /tile 5,6/);
    assert.equal(await cache.isCached([6, 6, 2]), false, 'a seeder creates such a tile again');
    assert.equal(await cache.timestamp([6, 6, 2]), null);
  });

  test(`v${version}: random damage to a bundle never crashes a load nor reads past the end`, async () => {
    const dir = tmpDir();
    const cache = new CompactCache({ directory: dir, version, log: recordingLog() });
    const coords: [number, number, number][] = [];
    for (let x = 0; x < 6; x++) for (let y = 0; y < 6; y++) coords.push([x, y, 4]);
    const stored = coords.map((c, i) => ({ coord: c, data: bytes(200 + i * 13, i) }));
    await cache.storeMany(stored);
    const target = path.join(dir, version === 1 ? 'L04/R0000C0000.bundlx' : 'L04/R0000C0000.bundle');
    const pristine = fs.readFileSync(target);
    const dataFile = path.join(dir, 'L04/R0000C0000.bundle');
    const rand = prng(version * 7919);
    for (let round = 0; round < 60; round++) {
      const mutated = Buffer.from(pristine);
      const kind = round % 3;
      if (kind === 0) {
        // garbage over index entries of stored tiles
        for (let k = 0; k < 8; k++) {
          const c = coords[Math.floor(rand() * coords.length)]!;
          const at = version === 1 ? 16 + (c[0] * 128 + c[1]) * 5 : 64 + (c[0] + 128 * c[1]) * 8;
          for (let b = 0; b < (version === 1 ? 5 : 8); b++) mutated[at + b] = Math.floor(rand() * 256);
        }
      } else if (kind === 1) {
        for (let k = 0; k < 64; k++) mutated[Math.floor(rand() * mutated.length)] = Math.floor(rand() * 256);
      }
      const cut = kind === 2 ? Math.floor(rand() * mutated.length) : mutated.length;
      fs.writeFileSync(target, mutated.subarray(0, cut));
      const fileSize = fs.statSync(dataFile).size;
      const tiles = await cache.loadMany(coords);
      for (const t of tiles) if (t) assert.ok(t.size > 0 && t.size <= fileSize);
      for (const c of coords.slice(0, 4)) await cache.isCached(c);
    }
  });
}

test('reads while another process appends see whole tiles and report no damage (v1 and v2)', async () => {
  const dir = tmpDir();
  const worker = path.join(dir, 'writer.mts');
  const moduleUrl = new URL('../../src/core/cache/compact-cache.ts', import.meta.url).href;
  // round r writes every tile as 1000 + r bytes of the value r: a torn or misplaced tile cannot pass for one
  fs.writeFileSync(worker, `
import { CompactCache } from ${JSON.stringify(moduleUrl)};
const caches = [1, 2].map((version) => new CompactCache({ directory: process.argv[2] + '/v' + version, version }));
const coords = Array.from({ length: 16 }, (_, i) => [i % 4, Math.floor(i / 4), 6]);
for (let round = 0; round < 80; round++) {
  for (const cache of caches) await cache.storeMany(coords.map((coord) => ({ coord, data: Buffer.alloc(1000 + round, round) })));
}
`);
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const child = spawn(process.execPath, ['--import', 'tsx', worker, dir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let running = true;
  void exited.then(() => (running = false));
  const logs = VERSIONS.map(() => recordingLog());
  const readers = VERSIONS.map((version, i) => new CompactCache({ directory: path.join(dir, `v${version}`), version, log: logs[i] }));
  const coords: [number, number, number][] = Array.from({ length: 16 }, (_, i) => [i % 4, Math.floor(i / 4), 6]);
  let seen = 0;
  while (running) {
    for (const reader of readers) {
      for (const t of await reader.loadMany(coords)) if (t) {
        assert.ok(t.data.length === 1000 + t.data[0]! && t.data.every((b) => b === t.data[0]), `a whole tile (${t.data.length} bytes of ${t.data[0]})`);
        seen++;
      }
    }
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(await exited, 0);
  assert.ok(seen > 100, `${seen} tiles read while the writer ran`);
  assert.deepEqual(logs.flatMap((l) => l.lines), []);
});

test('several processes appending to one bundle at once lose and tear nothing (v1 and v2)', async () => {
  const dir = tmpDir();
  const worker = path.join(dir, 'writer.mts');
  const moduleUrl = new URL('../../src/core/cache/compact-cache.ts', import.meta.url).href;
  // each writer stores its own column of tiles and, with the others, the same tile 0,0 over and over
  fs.writeFileSync(worker, `
import { CompactCache } from ${JSON.stringify(moduleUrl)};
const [dir, id] = process.argv.slice(2);
const caches = [1, 2].map((version) => new CompactCache({ directory: dir + '/v' + version, version }));
for (let i = 0; i < 40; i++) {
  const own = { coord: [Number(id) + 1, i, 7], data: Buffer.alloc(100 + i, Number(id) * 50 + i) };
  const shared = { coord: [0, 0, 7], data: Buffer.alloc(3000 + Number(id), Number(id)) };
  await Promise.all(caches.map((cache) => (i % 2 ? cache.storeMany([own, shared]) : cache.store(own.coord, own.data))));
}
`);
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const writers = [0, 1, 2, 3].map((id) => new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, dir, String(id)], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => resolve(code));
  }));
  assert.deepEqual(await Promise.all(writers), [0, 0, 0, 0]);
  for (const version of VERSIONS) {
    const cache = new CompactCache({ directory: path.join(dir, `v${version}`), version });
    for (let id = 0; id < 4; id++) {
      const tiles = await cache.loadMany(Array.from({ length: 40 }, (_, i) => [id + 1, i, 7] as [number, number, number]));
      tiles.forEach((t, i) => assert.deepEqual(t?.data, Buffer.alloc(100 + i, id * 50 + i), `v${version} writer ${id} tile ${i}`));
    }
    const shared = (await cache.load([0, 0, 7]))!.data;
    assert.ok([0, 1, 2, 3].some((id) => shared.equals(Buffer.alloc(3000 + id, id))), 'the shared tile is one writer\'s whole tile');
    const bundle = fs.readFileSync(path.join(dir, `v${version}/L07/R0000C0000.bundle`));
    // 4 writers × 40 own tiles of 100..139 bytes, 4 × 20 shared tiles of 3000 + id bytes, each after its size
    const appended = 4 * (40 * 4 + (100 * 40 + 780)) + 4 * 20 * 4 + (3000 * 80 + 20 * 6);
    if (version === 2) {
      assert.equal(bundle.readUInt32LE(24), bundle.length, 'the header holds the file size');
      assert.equal(bundle.length, 64 + 128 * 128 * 8 + appended);
    } else {
      assert.equal(bundle.readUInt32LE(24), bundle.length, 'the header holds the bytes written');
      assert.equal(bundle.readUInt32LE(16), (4 * 40 + 1) * 4, 'the header counts each tile once');
      assert.equal(bundle.length, 60 + 128 * 128 * 4 + appended);
    }
  }
});

test('the bundle headers count as MapProxy counts (its test_bundle_header)', async () => {
  for (const version of VERSIONS) {
    const dir = tmpDir();
    const cache = new CompactCache({ directory: dir, version });
    const header = (): Buffer => fs.readFileSync(path.join(dir, 'L12/R0380C1380.bundle')).subarray(0, 64);
    const check = (written: number[], max: number) => {
      const h = header();
      if (version === 1) {
        const longs = Array.from({ length: 15 }, (_, i) => h.readInt32LE(i * 4));
        assert.deepEqual(longs.slice(11), [896, 1023, 4992, 5119]);
        assert.equal(longs[6], 60 + 128 * 128 * 4 + written.reduce((a, b) => a + b, 0));
        assert.equal(longs[2], max);
        assert.equal(longs[4], written.length * 4);
      } else {
        assert.equal(h.readUInt32LE(0), 3);
        assert.equal(h.readUInt32LE(4), 128 * 128);
        assert.equal(h.readUInt32LE(8), max);
        assert.equal(h.readUInt32LE(24), 64 + 128 * 128 * 8 + written.reduce((a, b) => a + b, 0));
      }
    };
    await cache.store([5000, 1000, 12], bytes(4000, 97));
    check([4004], 4000);
    await cache.store([5000, 1001, 12], bytes(6000, 97));
    check([4004, 6004], 6000);
    await cache.store([4992, 999, 12], bytes(1000, 97));
    check([4004, 6004, 1004], 6000);
    await cache.store([5000, 1001, 12], bytes(3000, 97));
    check([4004, 6004 + 3004, 1004], 6000);
  }
});

test('v2: a tile larger than a version 2 index can hold is refused, the bundle stays usable', async () => {
  const cache = new CompactCache({ directory: tmpDir(), version: 2 });
  await assert.rejects(cache.store([0, 0, 0], Buffer.alloc(2 ** 24)), /larger than a version 2 bundle can index/);
  await cache.store([0, 0, 0], bytes(10, 1));
  assert.deepEqual((await cache.load([0, 0, 0]))?.data, bytes(10, 1));
});

test('v1: an index whose bundle is gone starts afresh with the new bundle', async () => {
  const dir = tmpDir();
  const cache = new CompactCache({ directory: dir, version: 1 });
  await cache.storeMany([{ coord: [0, 0, 0], data: bytes(5000, 1) }, { coord: [0, 1, 0], data: bytes(10, 2) }]);
  fs.unlinkSync(path.join(dir, 'L00/R0000C0000.bundle'));
  assert.equal(await cache.load([0, 0, 0]), null);
  await cache.store([0, 1, 0], bytes(6000, 3));
  assert.equal(await cache.load([0, 0, 0]), null, 'the old entry no longer points into the new bundle');
  assert.deepEqual((await cache.load([0, 1, 0]))?.data, bytes(6000, 3));
});

function configDir(cache: string, grids = '[g]'): string {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'mapproxy.yaml'), `
services: {tms: }
layers: [{name: l, title: l, sources: [c]}]
caches:
  c:
    grids: ${grids}
    sources: [dbg]
    cache: ${cache}
grids:
  g: {srs: 'EPSG:4326', bbox: [-180, -90, 180, 90], origin: nw, tile_size: [64, 64], name: gridname}
  h: {base: GLOBAL_WEBMERCATOR}
sources:
  dbg: {type: debug}
`);
  return dir;
}

const load = (dir: string) => loadConfig(path.join(dir, 'mapproxy.yaml'), { env: {} });

test('configuration: version is required and must be 1 or 2; one directory holds one grid', () => {
  const expectError = (cache: string, pattern: RegExp, grids?: string) =>
    assert.throws(() => load(configDir(cache, grids)), (e: unknown) => e instanceof ConfigError && pattern.test(e.message));
  expectError('{type: compact}', /caches\.c\.cache\.version: missing required value/);
  expectError('{type: compact, version: 3}', /caches\.c\.cache\.version: compact cache only supports version 1 or 2, got 3/);
  expectError("{type: compact, version: '2'}", /caches\.c\.cache\.version: .*got "2"/);
  expectError('{type: compact, version: 1, directory: /tmp/x}', /caches\.c\.cache\.directory: a single directory cannot hold several grids \(g, h\)/, '[g, h]');
  expectError("{type: compact, version: 1, file_permissions: 'rw'}", /caches\.c\.cache\.file_permissions: expected octal/);
});

test('configuration: bundles go to <cache_dir>/<cache>/<grid name> or to cache.directory', () => {
  const dir = configDir("{type: compact, version: 2, directory_permissions: '750'}", '[g, h]');
  const { config } = load(dir);
  const backend = config.caches.c!.backend as { type: string; options: { gridDirectories: Record<string, string> } };
  assert.equal(backend.type, 'compact');
  const { gridDirectories, ...rest } = backend.options;
  assert.deepEqual(rest, { version: 2, directoryPermissions: '750' });
  assert.deepEqual(Object.fromEntries(Object.entries(gridDirectories).map(([k, v]) => [k, path.normalize(v)])), {
    g: path.join(dir, 'cache_data/c/gridname'),
    h: path.join(dir, 'cache_data/c/h'),
  });
  const single = configDir('{type: compact, version: 1, directory: ./bundles}');
  const options = (load(single).config.caches.c!.backend as { options: { version: number; gridDirectories: Record<string, string> } }).options;
  assert.equal(options.version, 1);
  assert.deepEqual(Object.keys(options.gridDirectories), ['g']);
  assert.equal(path.normalize(options.gridDirectories.g!), path.join(single, 'bundles'));
});

test('seeding fills bundles; a cleanup with a coverage clears tiles, one without removes the levels', async () => {
  const dir = configDir('{type: compact, version: 2}');
  fs.writeFileSync(path.join(dir, 'seed.yaml'), `
coverages:
  corner: {bbox: [-180, -90, -135, 90], srs: 'EPSG:4326'}
seeds:
  all: {caches: [c], levels: {to: 3}}
cleanups:
  corner: {caches: [c], levels: [3], coverages: [corner]}
  all: {caches: [c], levels: [2, 3]}
`);
  const loaded = load(dir);
  const seedConf = loadSeedConfig(path.join(dir, 'seed.yaml'), loaded);
  const runtime = await buildRuntime(loaded, { seeding: true });
  try {
    const bundles = path.join(dir, 'cache_data/c/gridname');
    await runSeed(planSeedTasks(seedConf, loaded.config, runtime, ['all']), { executor: new InProcessExecutor(runtime, 2) });
    assert.deepEqual(allFiles(bundles), ['L00/R0000C0000.bundle', 'L01/R0000C0000.bundle', 'L02/R0000C0000.bundle', 'L03/R0000C0000.bundle']);
    const cache = new CompactCache({ directory: bundles, version: 2 });
    const level3: [number, number, number][] = [];
    for (let x = 0; x < 8; x++) for (let y = 0; y < 4; y++) level3.push([x, y, 3]);
    assert.equal((await cache.loadMany(level3)).filter((t) => t !== null).length, 32);

    const corner = await runCleanup(planCleanupTasks(seedConf, loaded.config, runtime, ['corner']));
    assert.equal(corner.tilesRemoved, 4, 'the first column of level 3');
    const after = await cache.loadMany(level3);
    assert.deepEqual(level3.filter((_, i) => after[i] === null).map(([x]) => x), [0, 0, 0, 0]);

    const all = await runCleanup(planCleanupTasks(seedConf, loaded.config, runtime, ['all']));
    assert.equal(all.tilesRemoved, 8 + 28, "the tiles left on levels 2 and 3");
    assert.deepEqual(allFiles(bundles), ['L00/R0000C0000.bundle', 'L01/R0000C0000.bundle']);
  } finally {
    await runtime.close();
  }
});

for (const version of VERSIONS) {
  test(`v${version} defrag: a bundle without live tiles is removed (MapProxy's test_defragmentation_empty_bundle)`, async () => {
    const dir = tmpDir();
    const cache = new CompactCache({ directory: dir, version });
    await cache.store([5000, 1000, 12], bytes(60 * 1024, 97));
    await cache.remove([5000, 1000, 12]);
    assert.ok(fs.existsSync(path.join(dir, 'L12/R0380C1380.bundle')));
    const reports = await defragCompactCache(cache, { minBytes: 50_000 });
    assert.equal(reports.length, 1);
    assert.deepEqual(allFiles(dir), []);
  });

  test(`v${version} defrag: the byte limit (MapProxy's test_defragmentation_min_bytes)`, async () => {
    const dir = tmpDir();
    const cache = new CompactCache({ directory: dir, version });
    for (let i = 0; i < 2; i++) await cache.store([5000, 1000, 12], bytes(60 * 1024, 97 + i));
    const file = path.join(dir, 'L12/R0380C1380.bundle');
    const size = fs.statSync(file).size;
    let reports = await defragCompactCache(cache);
    assert.deepEqual(reports.map((r) => [r.file, r.defrag, r.fragmentationBytes]), [[file, false, 60 * 1024 + 4]]);
    assert.equal(fs.statSync(file).size, size);
    reports = await defragCompactCache(cache, { minBytes: 50_000 });
    assert.equal(reports[0]!.defrag, true);
    assert.equal(fs.statSync(file).size, size - 60 * 1024 - 4);
    assert.deepEqual((await cache.load([5000, 1000, 12]))?.data, bytes(60 * 1024, 98));
    assert.deepEqual(allFiles(dir), bundleFilesOf(version, ['L12/R0380C1380']), 'no temporary or lock files are left');
  });

  test(`v${version} defrag: the percentage limit (MapProxy's test_defragmentation_min_percent); a dry run changes nothing`, async () => {
    const dir = tmpDir();
    const cache = new CompactCache({ directory: dir, version });
    await cache.store([10000, 2000, 13], bytes(120 * 1024, 1));
    for (let x = 0; x < 100; x++) for (let i = 0; i < (x < 10 ? 2 : 1); i++) await cache.store([5000 + x, 1000, 12], bytes(120 * 1024, (x + i) % 256));
    const file = path.join(dir, 'L12/R0380C1380.bundle');
    const size = fs.statSync(file).size;
    let reports = await defragCompactCache(cache);
    assert.deepEqual(reports.map((r) => r.defrag), [false, false]);
    reports = await defragCompactCache(cache, { minPercent: 0.08, dryRun: true });
    assert.deepEqual(reports.map((r) => r.defrag), [true, false]);
    assert.equal(fs.statSync(file).size, size);
    reports = await defragCompactCache(cache, { minPercent: 0.08 });
    assert.deepEqual(reports.map((r) => [path.relative(dir, r.file), r.defrag, r.num, r.total]), [['L12/R0380C1380.bundle', true, 1, 2], ['L13/R0780C2700.bundle', false, 2, 2]]);
    assert.equal(fs.statSync(file).size, size - 10 * (120 * 1024 + 4));
    const tiles = await cache.loadMany(Array.from({ length: 100 }, (_, x) => [5000 + x, 1000, 12] as [number, number, number]));
    tiles.forEach((t, x) => assert.deepEqual(t?.data, bytes(120 * 1024, (x + (x < 10 ? 1 : 0)) % 256), `tile ${x}`));
  });

  test(`v${version} defrag: readers during a defragmentation see every tile whole; writers wait for it`, async () => {
    const dir = tmpDir();
    const cache = new CompactCache({ directory: dir, version });
    const coords: [number, number, number][] = [];
    for (let x = 0; x < 20; x++) for (let y = 0; y < 20; y++) coords.push([x, y, 9]);
    const payload = (c: [number, number, number], round: number) => bytes(2000 + c[0] * 20 + c[1], (c[0] * 20 + c[1] + round) % 256);
    for (let round = 0; round < 3; round++) await cache.storeMany(coords.map((c) => ({ coord: c, data: payload(c, round) })));
    const reader = new CompactCache({ directory: dir, version });
    let reads = 0;
    let stop = false;
    const readLoop = (async () => {
      while (!stop) {
        const some = coords.filter((_, i) => i % 20 === reads % 20);
        const tiles = await reader.loadMany(some);
        tiles.forEach((t, i) => {
          // a tile is either missing for a moment (v1: the index is emptied before the new bundle comes in) or whole
          if (t) assert.ok(t.data.equals(payload(some[i]!, 2)), `tile ${some[i]}`);
        });
        reads++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const write = cache.store([100, 100, 9], bytes(10, 1));
    await defragCompactCache(cache, { minPercent: 0.5, minBytes: 0 });
    await write;
    stop = true;
    await readLoop;
    assert.ok(reads > 0);
    const tiles = await cache.loadMany(coords);
    tiles.forEach((t, i) => assert.ok(t?.data.equals(payload(coords[i]!, 2))));
    assert.deepEqual((await cache.load([100, 100, 9]))?.data, bytes(10, 1));
  });
}

test('defrag-compact-cache: the compact caches of a configuration, --caches, MapProxy\'s progress lines', async () => {
  const dir = configDir('{type: compact, version: 1}');
  const file = path.join(dir, 'mapproxy.yaml');
  const cache = new CompactCache({ directory: path.join(dir, 'cache_data/c/gridname'), version: 1 });
  for (let i = 0; i < 3; i++) await cache.store([0, 0, 2], bytes(400_000, i));
  const out: string[] = [];
  const err: string[] = [];
  const run = (opts: Partial<Parameters<typeof runDefragCompactCommand>[0]>) =>
    runDefragCompactCommand({ mapproxyConf: file, minPercent: 10, minMb: 1, ...opts }, (s) => out.push(s), (s) => err.push(s));
  assert.equal(await run({ caches: 'c,nope' }), 1);
  assert.deepEqual(err, ['unknown caches: nope', 'available compact caches: c']);
  assert.equal(await run({}), 0);
  assert.equal(out.length, 1);
  assert.match(out[0]!, /^c:   1\/1 \(.*L02\/R0000C0000\.bundle\) fragmentation is 63\.2% \(781kb\) - skipping$/);
  assert.equal(await run({ minMb: 0.5, dryRun: true }), 0);
  assert.match(out[1]!, / - defragmenting$/);
  const before = fs.statSync(path.join(dir, 'cache_data/c/gridname/L02/R0000C0000.bundle')).size;
  assert.equal(await run({ minMb: 0.5, caches: 'c' }), 0);
  assert.equal(fs.statSync(path.join(dir, 'cache_data/c/gridname/L02/R0000C0000.bundle')).size, before - 2 * 400_004);
  assert.deepEqual((await cache.load([0, 0, 2]))?.data, bytes(400_000, 2));
});

test('served through the app: a damaged bundle logs, the tile is created again and appended, the answer is the tile', async (t) => {
  const dir = configDir('{type: compact, version: 2}');
  const errors: string[] = [];
  t.mock.method(console, 'error', (msg: string) => errors.push(msg));
  const app = await createApp(path.join(dir, 'mapproxy.yaml'), { env: {}, log: { warn: () => {}, error: (m: string) => errors.push(m) } });
  try {
    const first = await get(app, '/tms/1.0.0/l/EPSG4326/0/0/0.png');
    assert.equal(first.status, 200);
    const bundle = path.join(dir, 'cache_data/c/gridname/L01/R0000C0000.bundle');
    const size = fs.statSync(bundle).size;
    assert.ok(size > 64 + 128 * 128 * 8);
    assert.deepEqual((await get(app, '/tms/1.0.0/l/EPSG4326/0/0/0.png')).body, first.body, 'a hit');
    assert.equal(fs.statSync(bundle).size, size, 'a hit appends nothing');
    fs.truncateSync(bundle, size - 5);
    const again = await get(app, '/tms/1.0.0/l/EPSG4326/0/0/0.png');
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first.body);
    assert.equal(fs.statSync(bundle).size, size - 5 + first.body.length + 4, 'the tile was created again and appended');
    assert.equal(errors.filter((e) => /compact bundle .*L01\/R0000C0000\.bundle is damaged/.test(e)).length, 1, errors.join('\n'));
  } finally {
    await app.runtime.close();
  }
});
