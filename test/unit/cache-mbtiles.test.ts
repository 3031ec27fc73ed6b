// The mbtiles cache: MapProxy's file layout, batch store and load, foreign and read-only files, damaged files,
// concurrent writers, seeding and cleanup.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CacheWriteError } from '../../src/core/cache/cache-write-error.js';
import { MBTilesCache } from '../../src/core/cache/mbtiles-cache.js';
import { SqliteReadError } from '../../src/core/cache/sqlite-errors.js';
import { runCleanup } from '../../src/core/seed/cleanup.js';
import { loadConfig } from '../../src/core/config/load-config.js';
import { runSeed } from '../../src/core/seed/seeder.js';
import { NO_METRICS } from '../../src/core/metrics.js';
import { get } from '../support/our-app.js';
import { cacheSetup, runWriters } from '../support/sqlite-caches.js';
import { Tmpfs } from '../support/tmpfs.js';

const tmp = fs.mkdtempSync(join(tmpdir(), 'mbtiles-test-'));
const mounts: Tmpfs[] = [];
after(() => {
  mounts.forEach((m) => m.unmount());
  fs.rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
const fresh = (name = 'c.mbtiles'): string => join(tmp, String(n++), name);
const open = (path: string, extra: Partial<ConstructorParameters<typeof MBTilesCache>[0]> = {}) =>
  new MBTilesCache({ path, timeoutSeconds: 5, wal: false, ...extra });
const tile = (i: number): Buffer => Buffer.from(`tile-${i}`.repeat(20));
const quiet = { error: () => {} };

describe('mbtiles store', () => {
  test('tables, index and rows as MapProxy writes them; coordinates are not flipped', async () => {
    const path = fresh('sub/dir/c.mbtiles');
    const cache = open(path);
    assert.equal(await cache.load([0, 0, 1]), null);
    assert.equal(fs.existsSync(path), false, 'a read does not create the file');
    await cache.store([1, 0, 2], tile(1));
    const loaded = await cache.load([1, 0, 2]);
    assert.deepEqual(loaded, { data: tile(1), timestamp: null, size: tile(1).length });
    assert.equal(await cache.timestamp([1, 0, 2]), -1, 'no times: older than any limit');
    assert.equal(await cache.timestamp([0, 0, 2]), null);
    assert.equal(await cache.isCached([1, 0, 2]), true);
    assert.equal(cache.supportsTimestamps, false);
    assert.equal(cache.lockId, `mbtiles-${createHash('md5').update(path).digest('hex')}`);
    await cache.close();

    const db = new Database(path, { readonly: true });
    const schema = db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
    assert.deepEqual(schema, [
      { type: 'index', name: 'idx_tile', sql: 'CREATE UNIQUE INDEX idx_tile on tiles (zoom_level, tile_column, tile_row)' },
      { type: 'table', name: 'metadata', sql: 'CREATE TABLE metadata (name text, value text)' },
      { type: 'table', name: 'tiles', sql: 'CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob)' },
    ]);
    // the grid's own row (origin nw here), as MapProxy stores it: no TMS flip
    assert.deepEqual(db.prepare('SELECT zoom_level, tile_column, tile_row FROM tiles').all(), [{ zoom_level: 2, tile_column: 1, tile_row: 0 }]);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'delete');
    db.close();
    await assert.rejects(cache.load([1, 0, 2]), /closed/);
  });

  test('storeMany is one transaction, loadMany one query in the order asked; remove and removeLevel', async () => {
    const path = fresh();
    const cache = open(path, { wal: true });
    const tiles = [0, 1, 2, 3].map((i) => ({ coord: [i % 2, i >> 1, 3] as const, data: tile(i) }));
    await cache.storeMany(tiles);
    const asked = [[1, 1, 3], [5, 5, 3], [0, 0, 3], [0, 1, 3]] as const;
    assert.deepEqual((await cache.loadMany(asked)).map((t) => t?.data.toString() ?? null), [tile(3), null, tile(0), tile(2)].map((b) => b?.toString() ?? null));
    // a batch with one tile that cannot be bound stores none of them
    const broken = [{ coord: [7, 0, 3] as const, data: tile(7) }, { coord: [8, 0, 3] as const, data: { not: 'a buffer' } as unknown as Buffer }];
    await assert.rejects(cache.storeMany(broken), CacheWriteError);
    assert.equal(await cache.load([7, 0, 3]), null, 'the whole batch was rolled back');

    await cache.remove([0, 0, 3]);
    assert.equal(await cache.load([0, 0, 3]), null);
    await cache.store([0, 0, 2], tile(9));
    const names: string[] = [];
    assert.equal(await cache.removeLevel(3, 0, { dryRun: true, onRemove: (f) => names.push(f) }), 3);
    assert.deepEqual(names.sort(), [`${path}:3/0/1`, `${path}:3/1/0`, `${path}:3/1/1`]);
    assert.equal(await cache.removeLevel(3, Date.now() / 1000), 3, 'tiles without times are older than any limit');
    assert.deepEqual((await cache.loadMany([[1, 1, 3], [0, 0, 2]])).map((t) => t !== null), [false, true]);
    await cache.close();
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal', 'sqlite_wal puts a new file into WAL mode');
    db.close();
  });

  test('file_permissions and directory_permissions apply to what the cache creates', async () => {
    const path = fresh('a/b/c.mbtiles');
    const cache = open(path, { filePermissions: '640', directoryPermissions: '750' });
    await cache.store([0, 0, 0], tile(0));
    await cache.close();
    assert.equal(fs.statSync(path).mode & 0o777, 0o640);
    assert.equal(fs.statSync(join(path, '..')).mode & 0o777, 0o750);
    assert.equal(fs.statSync(join(path, '../..')).mode & 0o777, 0o750);
  });

  test('an existing MBTiles file of another tool (metadata, tiles as a view) is served; storing fails cleanly', async () => {
    const path = fresh('foreign.mbtiles');
    fs.mkdirSync(join(path, '..'), { recursive: true });
    const db = new Database(path);
    db.exec(`CREATE TABLE map (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_id TEXT);
      CREATE TABLE images (tile_data BLOB, tile_id TEXT);
      CREATE VIEW tiles AS SELECT map.zoom_level, map.tile_column, map.tile_row, images.tile_data FROM map JOIN images ON images.tile_id = map.tile_id;
      CREATE TABLE metadata (name TEXT, value TEXT);
      INSERT INTO metadata VALUES ('name', 'foreign'), ('format', 'png'), ('minzoom', '0'), ('maxzoom', '1');
      INSERT INTO map VALUES (1, 0, 1, 'a'), (1, 1, 1, 'a');`);
    db.prepare(`INSERT INTO images VALUES (?, 'a')`).run(tile(42));
    db.close();
    const cache = open(path, { log: quiet });
    assert.deepEqual((await cache.loadMany([[0, 1, 1], [1, 1, 1], [0, 0, 1]])).map((t) => t?.data.equals(tile(42)) ?? null), [true, true, null]);
    const err = await cache.store([0, 0, 1], tile(1)).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof CacheWriteError, `a view takes no rows: ${err}`);
    assert.match(err.message, /foreign\.mbtiles: cannot store tile .*: cannot modify tiles because it is a view/);
    await cache.close();
    const check = new Database(path, { readonly: true });
    assert.deepEqual(check.prepare('SELECT name FROM metadata ORDER BY name').pluck().all(), ['format', 'maxzoom', 'minzoom', 'name'], 'metadata untouched');
    check.close();
  });

  test('on a read-only mount tiles are served and stores fail with EROFS; a missing file fails the same way', async () => {
    const fsys = Tmpfs.mount(1024);
    mounts.push(fsys);
    const path = join(fsys.dir, 'ro.mbtiles');
    const writer = open(path);
    await writer.store([0, 0, 1], tile(5));
    await writer.close();
    fsys.readOnly();
    try {
      const cache = open(path);
      assert.deepEqual((await cache.load([0, 0, 1]))?.data, tile(5));
      const err = await cache.store([1, 0, 1], tile(6)).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof CacheWriteError);
      assert.equal(err.code, 'EROFS');
      assert.deepEqual((await cache.load([0, 0, 1]))?.data, tile(5), 'reading still works after the failed write');
      const missing = open(join(fsys.dir, 'new/x.mbtiles'));
      assert.equal(await missing.load([0, 0, 0]), null);
      const err2 = await missing.store([0, 0, 0], tile(0)).then(() => null, (e: unknown) => e);
      assert.ok(err2 instanceof CacheWriteError);
      assert.equal(err2.code, 'EROFS');
      await cache.close();
      await missing.close();
    } finally {
      fsys.readWrite();
    }
  });

  test('a file of another user in a directory this user cannot write is served; stores fail cleanly', async () => {
    // the tests run as root, who may write anything: the reader runs as nobody
    const dir = fs.mkdtempSync(join(tmpdir(), 'mbtiles-ro-'));
    try {
      const path = join(dir, 'theirs.mbtiles');
      const writer = open(path);
      await writer.store([0, 0, 1], tile(5));
      await writer.close();
      fs.chmodSync(dir, 0o755);
      fs.chmodSync(path, 0o444);
      const script = join(dir, 'reader.mts');
      fs.writeFileSync(script, `
        const { MBTilesCache } = await import(${JSON.stringify(join(import.meta.dirname, '../../src/core/cache/mbtiles-cache.ts'))});
        const cache = new MBTilesCache({ path: ${JSON.stringify(path)}, timeoutSeconds: 1, wal: false });
        const loaded = await cache.load([0, 0, 1]);
        const stored = await cache.store([1, 0, 1], Buffer.from('x')).then(() => 'stored', (e) => e.name + ' ' + e.code + ' ' + e.message);
        const again = await cache.loadMany([[0, 0, 1], [1, 0, 1]]);
        console.log(JSON.stringify({ loaded: loaded?.data.toString(), stored, again: again.map((t) => t?.data.toString() ?? null) }));`);
      fs.chmodSync(script, 0o644);
      const out = execFileSync(process.execPath, ['--import', 'tsx', script], { uid: 65534, gid: 65534, cwd: join(import.meta.dirname, '../..'), encoding: 'utf8' });
      const r = JSON.parse(out) as { loaded: string; stored: string; again: (string | null)[] };
      assert.equal(r.loaded, tile(5).toString());
      assert.match(r.stored, /^SqliteWriteError EROFS .*theirs\.mbtiles: cannot store tile 1\/1\/0: attempt to write a readonly database \(SQLITE_READONLY\)$/);
      assert.deepEqual(r.again, [tile(5).toString(), null]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a lock held longer than sqlite_timeout fails the store with EBUSY after that time, not before', async () => {
    const path = fresh();
    const cache = open(path, { timeoutSeconds: 0.3 });
    await cache.store([0, 0, 0], tile(0));
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const started = Date.now();
      const err = await cache.store([0, 0, 0], tile(1)).then(() => null, (e: unknown) => e);
      const waited = Date.now() - started;
      assert.ok(err instanceof CacheWriteError, `got ${err}`);
      assert.equal(err.code, 'EBUSY');
      assert.match(err.message, /database is locked \(SQLITE_BUSY\)/);
      assert.ok(waited >= 250 && waited < 3000, `waited ${waited} ms`);
      assert.deepEqual((await cache.load([0, 0, 0]))?.data, tile(0), 'the old tile is still served (no WAL: a reserved lock lets readers in)');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await cache.store([0, 0, 0], tile(2));
    assert.deepEqual((await cache.load([0, 0, 0]))?.data, tile(2));
    await cache.close();
  });

  test('a damaged file: reads fail with SqliteReadError (logged once), stores with CacheWriteError; a replaced file is picked up', async () => {
    const path = fresh('bad.mbtiles');
    fs.mkdirSync(join(path, '..'), { recursive: true });
    fs.writeFileSync(path, Buffer.alloc(8192, 0x41));
    const logged: string[] = [];
    const cache = open(path, { log: { error: (m: string) => logged.push(m) } });
    for (let i = 0; i < 3; i++) {
      const err = await cache.load([0, 0, 1]).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof SqliteReadError, `got ${err}`);
      assert.match(err.message, /^mbtiles cache .*bad\.mbtiles: cannot load tile .*: file is not a database \(SQLITE_NOTADB\)$/);
    }
    assert.equal(logged.length, 1, 'a damaged file is not logged on every request');
    assert.match(logged[0]!, /file is not a database/);
    await assert.rejects(cache.store([0, 0, 1], tile(1)), (e: unknown) => e instanceof CacheWriteError && /file is not a database/.test(e.message));
    await assert.rejects(cache.loadMany([[0, 0, 1], [1, 0, 1]]), SqliteReadError);

    // the operator puts a good file in place (a new inode): the cache uses it without a restart
    const good = open(`${path}.new`);
    await good.store([0, 0, 1], tile(3));
    await good.close();
    fs.renameSync(`${path}.new`, path);
    assert.deepEqual((await cache.load([0, 0, 1]))?.data, tile(3));
    await cache.close();
  });

  test('a truncated file (damaged pages) fails reads with a clear error, not a crash', async () => {
    const path = fresh();
    const cache = open(path);
    await cache.storeMany(Array.from({ length: 200 }, (_, i) => ({ coord: [i % 16, i >> 4, 4] as const, data: Buffer.alloc(3000, i) })));
    await cache.close();
    const size = fs.statSync(path).size;
    const fd = fs.openSync(path, 'r+');
    fs.writeSync(fd, Buffer.alloc(4096, 0xff), 0, 4096, Math.floor(size / 2 / 4096) * 4096);
    fs.closeSync(fd);
    const damaged = open(path, { log: quiet });
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => damaged.load([i % 16, i >> 4, 4])));
    const failed = results.filter((r) => r.status === 'rejected');
    assert.ok(failed.length > 0, 'some tiles sit on the overwritten page');
    for (const r of failed) assert.ok((r as PromiseRejectedResult).reason instanceof SqliteReadError);
    await damaged.close();
  });
});

describe('mbtiles with several writers', () => {
  for (const wal of [true, false]) {
    test(`three processes store meta tiles into one file at once (${wal ? 'WAL' : 'rollback journal'})`, async () => {
      const path = fresh();
      const module = join(import.meta.dirname, '../../src/core/cache/mbtiles-cache.ts');
      await runWriters(3, module, `new m.MBTilesCache({ path: ${JSON.stringify(path)}, timeoutSeconds: 20, wal: ${wal} })`, `
        for (let i = 0; i < 30; i++) {
          const tiles = [];
          for (let k = 0; k < 4; k++) tiles.push({ coord: [worker * 100 + i, k, 7], data: Buffer.alloc(2000, worker * 7 + k) });
          await cache.storeMany(tiles);
          if ((await cache.loadMany(tiles.map((t) => t.coord))).some((t) => t === null)) throw new Error('own tiles not visible');
        }`);
      const db = new Database(path, { readonly: true });
      assert.equal(db.prepare('SELECT count(*) FROM tiles').pluck().get(), 3 * 30 * 4);
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      db.close();
    });
  }
});

describe('mbtiles in the app', () => {
  test('options: filename in the cache directory or ./relative to the configuration, sqlite_wal from globals, one grid', async () => {
    const s = await cacheSetup(`{type: mbtiles, filename: ./tiles/x.mbtiles}`, { globals: 'globals: {cache: {sqlite_wal: true}}' });
    try {
      const r = await get(s.app, '/tms/1.0.0/l/EPSG4326/1/0/0.png');
      assert.equal(r.status, 200);
      assert.equal(r.headers['last-modified'] !== undefined, true, 'a created tile has a time');
      const again = await get(s.app, '/tms/1.0.0/l/EPSG4326/1/0/0.png');
      assert.deepEqual(again.body, r.body);
      assert.equal(again.headers['last-modified'], undefined, 'MBTiles keep no times');
      assert.equal(again.headers['etag'], createHash('md5').update(`None${r.body.length}`).digest('hex'));
      const db = new Database(join(s.dir, 'tiles/x.mbtiles'), { readonly: true });
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      // the debug source takes no part in meta tiling: one tile was created
      assert.equal(db.prepare('SELECT count(*) FROM tiles').pluck().get(), 1);
      db.close();
    } finally {
      await s.close();
    }
    const d = await cacheSetup(`{type: mbtiles}`, { extra: 'cache_dir: ./cd' });
    try {
      assert.equal((await get(d.app, '/tms/1.0.0/l/EPSG4326/0/0/0.png')).status, 200);
      assert.ok(fs.existsSync(join(d.dir, 'cd/c.mbtiles')));
    } finally {
      await d.close();
    }
  });

  test('a cache of several grids in one MBTiles file is a configuration error naming the key', () => {
    const dir = fs.mkdtempSync(join(tmp, 'grids-'));
    fs.writeFileSync(join(dir, 'mapproxy.yaml'), `
services: {tms: }
layers: [{name: l, title: l, sources: [c]}]
caches:
  c: {grids: [GLOBAL_WEBMERCATOR, GLOBAL_GEODETIC], sources: [], cache: {type: mbtiles}}
`);
    assert.throws(() => loadConfig(join(dir, 'mapproxy.yaml')), /caches\.c\.cache\.type.*one MBTiles file cannot hold several grids \(GLOBAL_WEBMERCATOR, GLOBAL_GEODETIC\)/);
  });

  test('a damaged file answers the TMS error (500) and logs', async (t) => {
    const errors: string[] = [];
    t.mock.method(console, 'error', (...a: unknown[]) => errors.push(a.map(String).join(' ')));
    const s = await cacheSetup(`{type: mbtiles, filename: bad.mbtiles}`, { extra: 'cache_dir: ./cd' });
    try {
      fs.mkdirSync(join(s.dir, 'cd'));
      fs.writeFileSync(join(s.dir, 'cd/bad.mbtiles'), Buffer.alloc(4096, 0x42));
      const r = await get(s.app, '/tms/1.0.0/l/EPSG4326/1/0/0.png');
      assert.equal(r.status, 500);
      assert.match(r.body.toString(), /<TileMapServerError>[\s\S]*file is not a database/);
      assert.ok(errors.some((e) => /bad\.mbtiles: cannot load .*file is not a database \(SQLITE_NOTADB\)/.test(e)), errors.join('\n'));
    } finally {
      await s.close();
    }
  });

  test('on a read-only mount the file serves its tiles; missing tiles are created and served, each failed store counted', async (t) => {
    t.mock.method(console, 'error', () => {});
    const fsys = Tmpfs.mount(1024);
    mounts.push(fsys);
    const writeErrors: string[] = [];
    const metrics = { ...NO_METRICS, cacheWriteError: (cache: string, code: string) => writeErrors.push(`${cache} ${code}`) };
    // a file another process filled (the 1/0/0 tile is grid tile 0,1 on level 2), on a mount made read-only since
    const filler = open(join(fsys.dir, 'ro.mbtiles'));
    await filler.store([0, 1, 2], tile(8));
    await filler.close();
    fsys.readOnly();
    const s = await cacheSetup(`{type: mbtiles, filename: ${join(fsys.dir, 'ro.mbtiles')}}`, { metrics });
    try {
      const served = await get(s.app, '/tms/1.0.0/l/EPSG4326/1/0/0.png');
      assert.equal(served.status, 200);
      assert.deepEqual(served.body, tile(8));
      assert.deepEqual(writeErrors, []);
      const created = await get(s.app, '/tms/1.0.0/l/EPSG4326/1/1/0.png');
      assert.equal(created.status, 200);
      assert.equal(created.headers['content-type'], 'image/png');
      assert.deepEqual(writeErrors, ['c EROFS']);
    } finally {
      await s.close();
      fsys.readWrite();
    }
  });

  test('seeding fills the file, cleanup removes by level and by coverage', async () => {
    const s = await cacheSetup(`{type: mbtiles, filename: seeded.mbtiles}`, { extra: 'cache_dir: ./cd' });
    try {
      const path = join(s.dir, 'cd/seeded.mbtiles');
      const count = (where = '1') => {
        const db = new Database(path, { readonly: true });
        const v = db.prepare(`SELECT count(*) FROM tiles WHERE ${where}`).pluck().get();
        db.close();
        return v;
      };
      const seeded = await runSeed(s.seeds(['all']), { executor: s.executor });
      assert.equal(seeded.tilesCreated, 1 + 2 + 8 + 32);
      assert.equal(count(), 43);
      const second = await runSeed(s.seeds(['all']), { executor: s.executor });
      assert.equal(second.tilesCreated, 0, 'a second run finds every tile');
      // level 3 (8x4) west half by walking tiles; then levels 2 and 3 whole, each with one DELETE
      assert.equal((await runCleanup(s.cleanups(['west']))).tilesRemoved, 16);
      assert.equal(count('zoom_level = 3'), 16);
      assert.equal((await runCleanup(s.cleanups(['all']))).tilesRemoved, 8 + 16);
      assert.equal(count(), 1 + 2);
      // remove_before cannot apply to tiles without times: refused as MapProxy 7's seeder refuses it
      assert.throws(() => s.cleanups(['old']), /cleanups\.old\.remove_before: cleanup does not support remove_before for 'old' because cache 'c' does not support timestamps/);
      assert.equal(count(), 1 + 2);
    } finally {
      await s.close();
    }
  });
});

// gdalinfo opens what we write (GDAL's MBTiles driver)
test('gdalinfo opens our MBTiles file', async () => {
  const path = fresh();
  const png = execFileSync('/usr/bin/python3', ['-c', `
import io, sys
from PIL import Image
b = io.BytesIO(); Image.new('RGB', (256, 256), (200, 10, 10)).save(b, 'PNG'); sys.stdout.buffer.write(b.getvalue())`]);
  const cache = open(path);
  await cache.storeMany([{ coord: [0, 0, 1], data: png }, { coord: [1, 1, 1], data: png }]);
  await cache.close();
  const info = execFileSync('gdalinfo', [path], { encoding: 'utf8' });
  assert.match(info, /Driver: MBTiles\/MBTiles/);
  assert.match(info, /Size is 512, 512/);
});
