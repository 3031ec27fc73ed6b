// The geopackage cache: the tables MapProxy writes (compared with MapProxy 1.15's own GeopackageCache), files of
// another grid refused, tables added to an existing GeoPackage, levels, damaged files, concurrent writers,
// seeding and cleanup, gdalinfo.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CacheWriteError } from '../../src/core/cache/cache-write-error.js';
import { GeopackageCache, GeopackageLevelCache } from '../../src/core/cache/geopackage-cache.js';
import { SqliteReadError } from '../../src/core/cache/sqlite-errors.js';
import { tileGrid, type TileGridOptions } from '../../src/core/geo/grid.js';
import { runCleanup } from '../../src/core/seed/cleanup.js';
import { runSeed } from '../../src/core/seed/seeder.js';
import { PYTHON } from '../support/mapproxy-reference.js';
import { get } from '../support/our-app.js';
import { cacheSetup, runWriters } from '../support/sqlite-caches.js';

const tmp = fs.mkdtempSync(join(tmpdir(), 'gpkg-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (name = 'c.gpkg'): string => join(tmp, String(n++), name);
const tile = (i: number): Buffer => Buffer.from(`tile-${i}`.repeat(20));
const quiet = { error: () => {} };

const GRID: TileGridOptions = { srs: 'EPSG:4326', bbox: [-180, -90, 180, 90], origin: 'nw', tileSize: [64, 64] };
const open = (path: string, grid: TileGridOptions = GRID, table = 'tbl') =>
  new GeopackageCache({ path, table, grid: tileGrid(grid), timeoutSeconds: 5, log: quiet }).check();

/** Every table's columns and rows, the schema and the header ids of a SQLite file, read by Python's sqlite3. */
function dump(path: string): Record<string, unknown> {
  const out = execFileSync(PYTHON, ['-c', `
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
out = {'application_id': db.execute('PRAGMA application_id').fetchone()[0]}
for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall():
    cols = [list(r) for r in db.execute('PRAGMA table_info([%s])' % name)]
    rows = sorted([[repr(v) if not isinstance(v, bytes) else v.hex() for v in r] for r in db.execute('SELECT * FROM [%s]' % name)])
    out[name] = {'columns': cols, 'rows': rows}
print(json.dumps(out))`, path], { encoding: 'utf8' });
  return JSON.parse(out) as Record<string, unknown>;
}

describe('geopackage store', () => {
  test('the tables, spatial reference systems, tile matrix and rows MapProxy writes', async () => {
    for (const srs of ['EPSG:4326', 'EPSG:3857', 'EPSG:25832']) {
      const grid: TileGridOptions = srs === 'EPSG:4326' ? GRID : srs === 'EPSG:3857' ? { srs, origin: 'nw' } : { srs, bbox: [280000, 5200000, 920000, 6100000], origin: 'nw', res: [1000, 500, 250] };
      const ours = fresh();
      const theirs = fresh();
      const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };
      const prev = process.env['SOURCE_DATE_EPOCH'];
      process.env['SOURCE_DATE_EPOCH'] = '1700000000';
      try {
        const cache = open(ours, grid);
        await cache.storeMany([{ coord: [0, 0, 1], data: tile(0) }, { coord: [1, 0, 1], data: tile(1) }]);
        await cache.close();
      } finally {
        if (prev === undefined) delete process.env['SOURCE_DATE_EPOCH'];
        else process.env['SOURCE_DATE_EPOCH'] = prev;
      }
      const gridArgs = srs === 'EPSG:4326'
        ? `srs='EPSG:4326', bbox=[-180, -90, 180, 90], origin='nw', tile_size=(64, 64)`
        : srs === 'EPSG:3857' ? `srs='EPSG:3857', origin='nw'` : `srs='EPSG:25832', bbox=[280000, 5200000, 920000, 6100000], origin='nw', res=[1000, 500, 250]`;
      execFileSync(PYTHON, ['-c', `
import sys
from mapproxy.grid import tile_grid
from mapproxy.cache.geopackage import GeopackageCache
from mapproxy.cache.tile import Tile
from mapproxy.image import ImageSource
from io import BytesIO
c = GeopackageCache(sys.argv[1], tile_grid(${gridArgs}), 'tbl')
for x, data in ((0, sys.argv[2]), (1, sys.argv[3])):
    t = Tile((x, 0, 1)); t.source = ImageSource(BytesIO(data.encode())); c.store_tile(t)`, theirs, tile(0).toString(), tile(1).toString()], { env });
      const a = dump(ours);
      const b = dump(theirs);
      // MapProxy 1.15 stores last_change as Python's str() of a naive datetime; MapProxy 7 (and we) as isoformat in UTC
      const contents = (d: Record<string, unknown>) => (d['gpkg_contents'] as { rows: string[][] }).rows[0]!;
      assert.equal(contents(a)[4], `'2023-11-14T22:13:20+00:00'`);
      assert.equal(contents(b)[4], `'2023-11-14 22:13:20'`);
      contents(a)[4] = contents(b)[4]!;
      // MapProxy 7 keeps the indentation of its source in the WKT (1.15 has trailing blanks instead): equal but for
      // white space
      const srsRows = (d: Record<string, unknown>) => (d['gpkg_spatial_ref_sys'] as { rows: string[][] }).rows;
      assert.ok(srsRows(a).some((r) => r[4]!.startsWith(`'\\n    GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],    AUTHORITY`)));
      for (const d of [a, b]) for (const row of srsRows(d)) row[4] = row[4]!.replace(/\s+|\\n/g, '');
      assert.deepEqual(a, b, `${srs}: the same file as MapProxy's`);
    }
  });

  test('tiles: batch store in one transaction, batch load, remove, removeLevel; no timestamps; lock id', async () => {
    const path = fresh();
    const cache = open(path);
    assert.equal(cache.lockId, `gpkg${createHash('md5').update(path).digest('hex')}`);
    assert.equal(cache.supportsTimestamps, false);
    await cache.storeMany([0, 1, 2, 3].map((i) => ({ coord: [i, 1, 2] as const, data: tile(i) })));
    assert.deepEqual((await cache.loadMany([[3, 1, 2], [0, 0, 2], [0, 1, 2]])).map((t) => t?.data.toString() ?? null), [tile(3).toString(), null, tile(0).toString()]);
    assert.deepEqual(await cache.load([2, 1, 2]), { data: tile(2), timestamp: null, size: tile(2).length });
    assert.equal(await cache.timestamp([2, 1, 2]), -1);
    // tile_data is NOT NULL: a batch with an empty tile fails as a whole
    await assert.rejects(cache.storeMany([{ coord: [0, 0, 2], data: tile(9) }, { coord: [1, 0, 2], data: null as unknown as Buffer }]), CacheWriteError);
    assert.equal(await cache.load([0, 0, 2]), null);
    await cache.remove([3, 1, 2]);
    assert.equal(await cache.isCached([3, 1, 2]), false);
    assert.equal(await cache.removeLevel(2, 0), 3);
    await cache.close();
  });

  test('a GeoPackage made for another grid is refused when the cache opens, as MapProxy does', async () => {
    const path = fresh();
    const first = open(path);
    await first.store([0, 0, 0], tile(0));
    await first.close();
    assert.throws(() => open(path, { ...GRID, tileSize: [256, 256] }), /table tbl with tiles of 64x64 pixels on level 0, the grid .* has 256x256/);
    assert.throws(() => open(path, { ...GRID, res: [1, 0.5] }), /table tbl with a resolution of 5\.625 on level 0, the grid .* has a resolution of 1/);
    assert.throws(() => open(path, { srs: 'EPSG:3857', origin: 'nw', tileSize: [64, 64] }), /table tbl in EPSG:4326, the grid .* is in EPSG:3857/);
    // another table of the same file is free to take another grid
    const other = open(path, { srs: 'EPSG:3857', origin: 'nw' }, 'merc');
    await other.store([0, 0, 0], tile(1));
    await other.close();
    assert.deepEqual((await open(path).load([0, 0, 0]))?.data, tile(0));
    const db = new Database(path, { readonly: true });
    assert.deepEqual(db.prepare('SELECT table_name, srs_id FROM gpkg_contents ORDER BY table_name').all(), [{ table_name: 'merc', srs_id: 3857 }, { table_name: 'tbl', srs_id: 4326 }]);
    db.close();
  });

  test('levels: one GeoPackage per level, each with the whole tile matrix; removing a level removes its file', async () => {
    const dir = join(tmp, String(n++), 'GRID');
    const cache = new GeopackageLevelCache({ directory: dir, table: 'tbl', grid: tileGrid(GRID), timeoutSeconds: 5 });
    assert.equal(cache.lockId, `gpkg-${createHash('md5').update(dir).digest('hex')}`);
    await cache.storeMany([{ coord: [0, 0, 1], data: tile(0) }, { coord: [0, 0, 2], data: tile(1) }]);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['1.gpkg', '2.gpkg']);
    assert.deepEqual((await cache.loadMany([[0, 0, 2], [0, 0, 1]])).map((t) => t?.data.toString()), [tile(1).toString(), tile(0).toString()]);
    const db = new Database(join(dir, '1.gpkg'), { readonly: true });
    assert.equal(db.prepare('SELECT count(*) FROM gpkg_tile_matrix').pluck().get(), tileGrid(GRID).levels);
    db.close();
    assert.equal(await cache.removeLevel(2, 0), 1);
    assert.deepEqual(fs.readdirSync(dir), ['1.gpkg']);
    await cache.close();
    assert.match(execFileSync('gdalinfo', [join(dir, '1.gpkg')], { encoding: 'utf8' }), /Driver: GPKG\/GeoPackage/);
  });

  test('a damaged GeoPackage does not stop the cache from opening; reads and writes fail with clear errors', async () => {
    const path = fresh();
    fs.mkdirSync(join(path, '..'));
    fs.writeFileSync(path, Buffer.alloc(4096, 0x47));
    const cache = open(path);
    await assert.rejects(cache.load([0, 0, 0]), (e: unknown) => e instanceof SqliteReadError && /^geopackage cache .*c\.gpkg: cannot load tile .*file is not a database \(SQLITE_NOTADB\)$/.test(e.message));
    await assert.rejects(cache.store([0, 0, 0], tile(0)), (e: unknown) => e instanceof CacheWriteError && /file is not a database/.test(e.message));
    await cache.close();
  });

  test('two processes write one GeoPackage at once (rollback journal, busy timeout)', async () => {
    const path = fresh();
    const module = join(import.meta.dirname, '../../src/core/cache/geopackage-cache.ts');
    const gridModule = join(import.meta.dirname, '../../src/core/geo/grid.ts');
    await runWriters(2, module, `new m.GeopackageCache({ path: ${JSON.stringify(path)}, table: 'tbl', grid: (await import(${JSON.stringify(gridModule)})).tileGrid(${JSON.stringify(GRID)}), timeoutSeconds: 20 })`, `
      for (let i = 0; i < 30; i++) {
        await cache.storeMany([0, 1].map((k) => ({ coord: [worker * 100 + i, k, 9], data: Buffer.alloc(1000, k + 1) })));
      }`);
    const db = new Database(path, { readonly: true });
    assert.equal(db.prepare('SELECT count(*) FROM tbl').pluck().get(), 2 * 30 * 2);
    assert.equal(db.prepare('SELECT count(*) FROM gpkg_contents').pluck().get(), 1, 'created once');
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
  });
});

describe('geopackage in the app', () => {
  test('options, seeding, cleanup, gdalinfo; a table_name of other characters is a configuration error', async () => {
    const s = await cacheSetup(`{type: geopackage, filename: ./out/x.gpkg}`);
    try {
      assert.equal((await runSeed(s.seeds(['all']), { executor: s.executor })).tilesCreated, 43);
      const path = join(s.dir, 'out/x.gpkg');
      const count = () => {
        const db = new Database(path, { readonly: true });
        const v = db.prepare('SELECT count(*) FROM c_g').pluck().get();
        db.close();
        return v;
      };
      assert.equal(count(), 43, 'table <cache>_<grid name>');
      const r = await get(s.app, '/tms/1.0.0/l/EPSG4326/1/0/0.png');
      assert.equal(r.status, 200);
      assert.equal(r.headers['last-modified'], undefined, 'GeoPackage tiles carry no time');
      assert.equal((await runCleanup(s.cleanups(['west']))).tilesRemoved, 16);
      assert.equal((await runCleanup(s.cleanups(['all']))).tilesRemoved, 8 + 16);
      assert.equal(count(), 3);
      const info = execFileSync('gdalinfo', [path], { encoding: 'utf8' });
      assert.match(info, /Driver: GPKG\/GeoPackage/);
      // levels 0 and 1 are left: GDAL shows the finest, 2x1 tiles of 64 pixels
      assert.match(info, /Size is 128, 64/);
    } finally {
      await s.close();
    }
    await assert.rejects(cacheSetup(`{type: geopackage, table_name: 'a b'}`), /table_name.*may only hold letters, digits/);
  });

  test('levels: seeding writes a GeoPackage per level, cleanup of whole levels removes their files', async () => {
    const s = await cacheSetup(`{type: geopackage, levels: true}`, { extra: 'cache_dir: ./cd' });
    try {
      const dir = join(s.dir, 'cd/c/g');
      assert.equal((await runSeed(s.seeds(['all']), { executor: s.executor })).tilesCreated, 43);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['0.gpkg', '1.gpkg', '2.gpkg', '3.gpkg']);
      assert.equal((await runCleanup(s.cleanups(['west']))).tilesRemoved, 16);
      assert.equal((await runCleanup(s.cleanups(['all']))).tilesRemoved, 8 + 16);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['0.gpkg', '1.gpkg']);
      assert.equal((await runSeed(s.seeds(['all']), { executor: s.executor })).tilesCreated, 8 + 32, 'the removed levels are created again');
    } finally {
      await s.close();
    }
  });

  test('a damaged file answers the TMS error (500) and the log says why', async (t) => {
    const errors: string[] = [];
    t.mock.method(console, 'error', (...a: unknown[]) => errors.push(a.map(String).join(' ')));
    const dir = fs.mkdtempSync(join(tmp, 'app-'));
    fs.writeFileSync(join(dir, 'bad.gpkg'), Buffer.alloc(4096, 0x47));
    const s = await cacheSetup(`{type: geopackage, filename: ${join(dir, 'bad.gpkg')}}`);
    try {
      const r = await get(s.app, '/tms/1.0.0/l/EPSG4326/1/0/0.png');
      assert.equal(r.status, 500);
      assert.match(r.body.toString(), /<TileMapServerError>[\s\S]*file is not a database/);
      assert.ok(errors.some((e) => /bad\.gpkg: cannot .*file is not a database \(SQLITE_NOTADB\)/.test(e)), errors.join('\n'));
    } finally {
      await s.close();
    }
  });
});
