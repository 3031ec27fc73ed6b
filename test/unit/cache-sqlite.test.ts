// The sqlite cache (MapProxy's MBTilesLevelCache): a file per level with storage times, ttl, quick level
// removal, refresh_before, concurrent writers, damaged files, seeding and cleanup.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteLevelCache } from '../../src/core/cache/sqlite-level-cache.js';
import { SqliteReadError } from '../../src/core/cache/sqlite-errors.js';
import { localDatetimeSeconds } from '../../src/core/cache/sqlite-tile-table.js';
import { runCleanup } from '../../src/core/seed/cleanup.js';
import { runSeed } from '../../src/core/seed/seeder.js';
import { PYTHON } from '../support/mapproxy-reference.js';
import { get } from '../support/our-app.js';
import { cacheSetup, runWriters } from '../support/sqlite-caches.js';

const tmp = fs.mkdtempSync(join(tmpdir(), 'sqlite-cache-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => join(tmp, String(n++), 'GRID');
const open = (directory: string, extra: Partial<ConstructorParameters<typeof SqliteLevelCache>[0]> = {}) =>
  new SqliteLevelCache({ directory, timeoutSeconds: 5, wal: false, ttl: 0, ...extra });
const tile = (i: number): Buffer => Buffer.from(`tile-${i}`.repeat(20));

/** Sets last_modified of every tile of a level file to `secondsAgo` before now (SQLite's local time, as stored). */
function age(file: string, secondsAgo: number): void {
  const db = new Database(file);
  db.prepare(`UPDATE tiles SET last_modified = datetime('now', 'localtime', ?)`).run(`-${secondsAgo} seconds`);
  db.close();
}

describe('sqlite level store', () => {
  test('one MBTiles file per level with last_modified in local time; tiles carry their storage time', async () => {
    const dir = freshDir();
    const cache = open(dir);
    assert.equal(cache.lockId, `sqlite-${createHash('md5').update(dir).digest('hex')}`);
    assert.equal(cache.supportsTimestamps, true);
    const before = Math.floor(Date.now() / 1000);
    await cache.storeMany([{ coord: [0, 0, 2], data: tile(0) }, { coord: [1, 0, 2], data: tile(1) }, { coord: [0, 0, 3], data: tile(2) }]);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['2.mbtiles', '3.mbtiles']);
    const t = await cache.load([1, 0, 2]);
    assert.ok(t && t.timestamp !== null && t.timestamp >= before && t.timestamp <= Date.now() / 1000, `timestamp ${t?.timestamp}`);
    assert.equal(t.timestamp % 1, 0, 'whole seconds, as SQLite datetime() stores them');
    assert.equal(await cache.timestamp([1, 0, 2]), t.timestamp);
    assert.deepEqual((await cache.loadMany([[0, 0, 3], [5, 5, 2], [0, 0, 2]])).map((x) => x?.data.toString() ?? null), [tile(2).toString(), null, tile(0).toString()]);
    await cache.close();

    const db = new Database(join(dir, '2.mbtiles'), { readonly: true });
    assert.equal(
      db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'tiles'`).pluck().get(),
      `CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob, last_modified datetime DEFAULT (datetime('now','localtime')))`,
    );
    const stored = db.prepare('SELECT last_modified FROM tiles WHERE tile_column = 1').pluck().get() as string;
    assert.match(stored, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(localDatetimeSeconds(stored), t.timestamp);
    db.close();
  });

  test('outside UTC the stored local time reads back as the storage time, as MapProxy reads it', async () => {
    const dir = freshDir();
    const script = join(tmp, `tz-${n++}.mts`);
    fs.writeFileSync(script, `
      const { SqliteLevelCache } = await import(${JSON.stringify(join(import.meta.dirname, '../../src/core/cache/sqlite-level-cache.ts'))});
      const cache = new SqliteLevelCache({ directory: ${JSON.stringify(dir)}, timeoutSeconds: 5, wal: false, ttl: 0 });
      await cache.store([0, 0, 1], Buffer.from('x'));
      console.log(JSON.stringify({ ts: await cache.timestamp([0, 0, 1]), now: Date.now() / 1000 }));
      await cache.close();`);
    const env = { ...process.env, TZ: 'America/New_York' };
    const ours = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', script], { env, encoding: 'utf8' })) as { ts: number; now: number };
    assert.ok(Math.abs(ours.ts - ours.now) < 5, `read back ${ours.ts}, stored at ${ours.now}`);
    const theirs = execFileSync(PYTHON, ['-c', `
import sqlite3, sys
from mapproxy.cache.mbtiles import sqlite_datetime_to_timestamp
text = sqlite3.connect(sys.argv[1]).execute('SELECT last_modified FROM tiles').fetchone()[0]
print(sqlite_datetime_to_timestamp(text))`, join(dir, '1.mbtiles')], { env, encoding: 'utf8' });
    assert.equal(Number(theirs), ours.ts);
  });

  test('ttl: tiles stored longer ago are missing, to load and to timestamp()', async () => {
    const dir = freshDir();
    const cache = open(dir, { ttl: 60 });
    await cache.storeMany([{ coord: [0, 0, 1], data: tile(0) }, { coord: [1, 0, 1], data: tile(1) }]);
    assert.notEqual(await cache.load([0, 0, 1]), null);
    age(join(dir, '1.mbtiles'), 120);
    assert.equal(await cache.load([0, 0, 1]), null);
    assert.deepEqual(await cache.loadMany([[0, 0, 1], [1, 0, 1]]), [null, null]);
    assert.equal(await cache.timestamp([0, 0, 1]), null);
    assert.equal(await cache.isCached([0, 0, 1]), false);
    await cache.store([0, 0, 1], tile(5));
    assert.deepEqual((await cache.load([0, 0, 1]))?.data, tile(5), 'stored again, fresh again');
    await cache.close();
  });

  test('removeLevel: everything removes the file, remove_before deletes older tiles only; other connections notice', async () => {
    const dir = freshDir();
    const cache = open(dir, { wal: true });
    const other = open(dir, { wal: true });
    await cache.storeMany([0, 1, 2, 3].map((i) => ({ coord: [i, 0, 2] as const, data: tile(i) })));
    assert.notEqual(await other.load([0, 0, 2]), null, 'the other connection has the file open');
    const file = join(dir, '2.mbtiles');
    assert.ok(fs.existsSync(`${file}-wal`));

    const names: string[] = [];
    assert.equal(await cache.removeLevel(2, 0, { dryRun: true, onRemove: (f) => names.push(f) }), 4);
    assert.equal(names.length, 4);
    assert.ok(fs.existsSync(file), 'a dry run removes nothing');

    age(file, 600);
    await cache.store([3, 0, 2], tile(9));
    assert.equal(await cache.removeLevel(2, Date.now() / 1000 - 300), 3, 'only the tiles older than the limit');
    assert.deepEqual((await other.loadMany([0, 1, 2, 3].map((i) => [i, 0, 2] as const))).map((t) => t !== null), [false, false, false, true]);

    assert.equal(await cache.removeLevel(2, 0), 1);
    assert.deepEqual(fs.readdirSync(dir), [], 'the level file, its WAL and shared memory are gone');
    assert.equal(await other.load([3, 0, 2]), null, 'the other connection sees the removal');
    await other.store([3, 0, 2], tile(4));
    assert.deepEqual((await cache.load([3, 0, 2]))?.data, tile(4), 'and writes into a new file that everyone sees');
    await cache.close();
    await other.close();
  });

  test('a damaged level file fails that level with a clear error; other levels work', async () => {
    const dir = freshDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(join(dir, '3.mbtiles'), Buffer.alloc(4096, 0x33));
    const logged: string[] = [];
    const cache = open(dir, { log: { error: (m: string) => logged.push(m) } });
    await assert.rejects(cache.load([0, 0, 3]), (e: unknown) => e instanceof SqliteReadError && /^sqlite cache .*3\.mbtiles: cannot load tile .*file is not a database/.test(e.message));
    await assert.rejects(cache.timestamp([0, 0, 3]), SqliteReadError);
    await assert.rejects(cache.store([0, 0, 3], tile(0)), /3\.mbtiles: cannot store tile .*file is not a database \(SQLITE_NOTADB\)/);
    await cache.store([0, 0, 2], tile(0));
    assert.deepEqual((await cache.load([0, 0, 2]))?.data, tile(0));
    assert.equal(logged.length, 1);
    await cache.close();
  });

  test('two processes and two connections write the same level files at once', async () => {
    const dir = freshDir();
    const module = join(import.meta.dirname, '../../src/core/cache/sqlite-level-cache.ts');
    const local = open(dir, { wal: true, timeoutSeconds: 20 });
    const writes = (async () => {
      for (let i = 0; i < 30; i++) await local.storeMany([0, 1].map((k) => ({ coord: [900 + i, k, 6] as const, data: tile(i) })));
    })();
    await Promise.all([
      writes,
      runWriters(2, module, `new m.SqliteLevelCache({ directory: ${JSON.stringify(dir)}, timeoutSeconds: 20, wal: true, ttl: 0 })`, `
        for (let i = 0; i < 30; i++) {
          await cache.storeMany([0, 1].map((k) => ({ coord: [worker * 100 + i, k, 5 + (i % 2)], data: Buffer.alloc(1000, k) })));
        }`),
    ]);
    for (const level of [5, 6]) {
      const db = new Database(join(dir, `${level}.mbtiles`), { readonly: true });
      assert.equal(db.prepare('SELECT count(*) FROM tiles').pluck().get(), level === 5 ? 2 * 15 * 2 : 2 * 15 * 2 + 60);
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      db.close();
    }
    await local.close();
  });
});

describe('sqlite cache in the app', () => {
  test('directory option, Last-Modified from the stored time, refresh_before recreates old tiles', async () => {
    const s = await cacheSetup(`{type: sqlite, directory: ./levels}`, { extra: 'refresh_before: {minutes: 5}' });
    try {
      const first = await get(s.app, '/tms/1.0.0/l/EPSG4326/1/0/0.png');
      assert.equal(first.status, 200);
      // TMS level 1 of this geodetic grid is its level 2
      const file = join(s.dir, 'levels/g/2.mbtiles');
      assert.ok(fs.existsSync(file), 'directory/<grid name>/<level>.mbtiles');
      const again = await get(s.app, '/tms/1.0.0/l/EPSG4326/1/0/0.png');
      const stored = new Database(file, { readonly: true });
      const seconds = localDatetimeSeconds(stored.prepare('SELECT last_modified FROM tiles').pluck().get() as string);
      stored.close();
      assert.equal(again.headers['last-modified'], new Date((seconds ?? 0) * 1000).toUTCString());
      age(file, 600);
      const db = new Database(file, { readonly: true });
      const old = db.prepare('SELECT last_modified FROM tiles').pluck().get();
      db.close();
      assert.equal((await get(s.app, '/tms/1.0.0/l/EPSG4326/1/0/0.png')).status, 200);
      const check = new Database(file, { readonly: true });
      assert.notEqual(check.prepare('SELECT last_modified FROM tiles').pluck().get(), old, 'the stale tile was created again');
      check.close();
    } finally {
      await s.close();
    }
  });

  test('seeding; cleanup by coverage, by whole levels (files removed) and by age', async () => {
    const s = await cacheSetup(`{type: sqlite}`, { extra: 'cache_dir: ./cd' });
    try {
      const dir = join(s.dir, 'cd/c/g');
      const count = (level: number) => {
        const file = join(dir, `${level}.mbtiles`);
        if (!fs.existsSync(file)) return null;
        const db = new Database(file, { readonly: true });
        const v = db.prepare('SELECT count(*) FROM tiles').pluck().get();
        db.close();
        return v;
      };
      assert.equal((await runSeed(s.seeds(['all']), { executor: s.executor })).tilesCreated, 43);
      assert.deepEqual([0, 1, 2, 3].map(count), [1, 2, 8, 32]);
      assert.equal((await runSeed(s.seeds(['all']), { executor: s.executor })).tilesCreated, 0);
      assert.equal((await runCleanup(s.cleanups(['west']))).tilesRemoved, 16);
      assert.equal(count(3), 16);
      age(join(dir, '1.mbtiles'), 3600);
      // remove_before 5 minutes: only level 1 is old
      assert.equal((await runCleanup(s.cleanups(['old']))).tilesRemoved, 2);
      assert.deepEqual([0, 1, 2, 3].map(count), [1, 0, 8, 16]);
      assert.equal((await runCleanup(s.cleanups(['all']))).tilesRemoved, 8 + 16);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['0.mbtiles', '1.mbtiles']);
      // the serving app had no connection to the removed files; it creates the tiles again
      assert.equal((await get(s.app, '/tms/1.0.0/l/EPSG4326/1/0/0.png')).status, 200);
      assert.equal(count(2), 1);
    } finally {
      await s.close();
    }
  });
});
