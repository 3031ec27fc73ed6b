import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileCache } from '../../src/core/cache/file-cache.js';
import { NullCache } from '../../src/core/cache/null-cache.js';

const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'mpts-cache-'));

const allFiles = (dir: string): string[] =>
  fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? (e as any).path, e.name)));

test('store then load returns the bytes, the mtime in seconds and the size', async () => {
  const dir = tmpDir();
  const cache = new FileCache({ directory: dir, ext: 'png' });
  assert.equal(await cache.load([1, 2, 3]), null);
  assert.equal(await cache.isCached([1, 2, 3]), false);
  const data = Buffer.from('not really a png, but bytes');
  await cache.store([1, 2, 3], data);
  assert.equal(await cache.isCached([1, 2, 3]), true);
  const tile = await cache.load([1, 2, 3]);
  assert.ok(tile);
  assert.deepEqual(tile.data, data);
  assert.equal(tile.size, data.length);
  // Python's st_mtime to the last digit (seconds + nanoseconds·1e-9), which the ETag is made from.
  const st = fs.statSync(path.join(dir, '03/000/000/001/000/000/002.png'), { bigint: true });
  assert.equal(tile.timestamp, Number(st.mtimeNs / 1_000_000_000n) + Number(st.mtimeNs % 1_000_000_000n) * 1e-9);
  assert.ok(Math.abs(tile.timestamp - Date.now() / 1000) < 60);
  assert.deepEqual(allFiles(dir), ['03/000/000/001/000/000/002.png']);
});

test('store replaces an existing tile and leaves no temporary files', async () => {
  const dir = tmpDir();
  const cache = new FileCache({ directory: dir, ext: 'jpeg', layout: 'tms' });
  await cache.store([0, 0, 0], Buffer.from('one'));
  await cache.store([0, 0, 0], Buffer.from('two'));
  assert.deepEqual((await cache.load([0, 0, 0]))?.data, Buffer.from('two'));
  assert.deepEqual(allFiles(dir), ['0/0/0.jpeg']);
});

test('a tile directory removed after a store (a cleanup) is made again by the next store', async () => {
  const dir = tmpDir();
  const cache = new FileCache({ directory: dir, ext: 'png', layout: 'tms' });
  await cache.storeMany([{ coord: [4, 1, 3], data: Buffer.from('a') }, { coord: [4, 2, 3], data: Buffer.from('b') }]);
  fs.rmSync(path.join(dir, '3'), { recursive: true });
  await cache.storeMany([{ coord: [4, 1, 3], data: Buffer.from('c') }, { coord: [4, 2, 3], data: Buffer.from('d') }]);
  assert.deepEqual((await cache.load([4, 2, 3]))?.data, Buffer.from('d'));
  assert.deepEqual(allFiles(dir).sort(), ['3/4/1.png', '3/4/2.png']);
});

test('a failed store in a directory that cannot be made leaves nothing behind and says why', async () => {
  const dir = tmpDir();
  // a file where the level directory should be
  fs.writeFileSync(path.join(dir, '3'), '');
  const cache = new FileCache({ directory: dir, ext: 'png', layout: 'tms' });
  await assert.rejects(cache.store([4, 1, 3], Buffer.from('a')), /cannot store tile .*3\/4\/1\.png: /);
  assert.deepEqual(fs.readdirSync(dir), ['3']);
});

test('concurrent stores of the same tile all succeed and leave one complete file', async () => {
  const dir = tmpDir();
  const cache = new FileCache({ directory: dir, ext: 'png' });
  const payloads = Array.from({ length: 20 }, (_, i) => Buffer.alloc(10_000 + i, i));
  await Promise.all(payloads.map((p) => cache.store([5, 6, 7], p)));
  const tile = await cache.load([5, 6, 7]);
  assert.ok(tile);
  assert.ok(payloads.some((p) => p.equals(tile.data)), 'the stored tile is one of the written payloads, whole');
  assert.equal(allFiles(dir).length, 1);
});

test('remove deletes the tile and ignores missing tiles', async () => {
  const dir = tmpDir();
  const cache = new FileCache({ directory: dir, ext: 'png', layout: 'quadkey' });
  await cache.store([1, 1, 2], Buffer.from('x'));
  assert.ok(fs.existsSync(path.join(dir, '03.png')));
  await cache.remove([1, 1, 2]);
  assert.equal(await cache.isCached([1, 1, 2]), false);
  await cache.remove([1, 1, 2]);
});

test('dimensions are stored in their own sub-directories', async () => {
  const dir = tmpDir();
  const cache = new FileCache({ directory: dir, ext: 'png', layout: 'tms' });
  await cache.store([0, 0, 1], Buffer.from('t1'), { time: '2020' });
  await cache.store([0, 0, 1], Buffer.from('t2'), { time: '2021' });
  assert.deepEqual((await cache.load([0, 0, 1], { time: '2020' }))?.data, Buffer.from('t1'));
  assert.deepEqual((await cache.load([0, 0, 1], { time: '2021' }))?.data, Buffer.from('t2'));
  assert.equal(await cache.load([0, 0, 1]), null);
  assert.deepEqual(allFiles(dir).sort(), ['time-2020/1/0/0.png', 'time-2021/1/0/0.png']);
});

test('file and directory permissions are applied regardless of the umask', async () => {
  const dir = tmpDir();
  const cache = new FileCache({ directory: path.join(dir, 'c'), ext: 'png', filePermissions: '640', directoryPermissions: '750' });
  await cache.store([0, 0, 0], Buffer.from('x'));
  assert.equal(fs.statSync(path.join(dir, 'c/00/000/000/000/000/000/000.png')).mode & 0o777, 0o640);
  assert.equal(fs.statSync(path.join(dir, 'c')).mode & 0o777, 0o750);
  assert.equal(fs.statSync(path.join(dir, 'c/00/000/000/000/000/000')).mode & 0o777, 0o750);
});

test('lockId is the md5 of the cache directory, as MapProxy', () => {
  const cache = new FileCache({ directory: '/var/cache/osm_EPSG3857', ext: 'png' });
  assert.equal(cache.lockId, createHash('md5').update('/var/cache/osm_EPSG3857').digest('hex'));
});

test('an unknown layout is refused at construction', () => {
  assert.throws(() => new FileCache({ directory: '/x', ext: 'png', layout: 'nope' as any }), /unknown directory_layout/);
});

test('the null cache of disable_storage never holds anything', async () => {
  const cache = new NullCache();
  await cache.store([0, 0, 0], Buffer.from('x'));
  assert.equal(await cache.load([0, 0, 0]), null);
  assert.equal(await cache.isCached([0, 0, 0]), false);
});
