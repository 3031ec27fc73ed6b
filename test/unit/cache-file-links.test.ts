// link_single_color_images on the file cache: one shared file per colour, tiles linked to it, atomically.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileCache } from '../../src/core/cache/file-cache.js';
import { singleColorOfTile } from '../../src/core/cache/single-color-tile.js';
import { loadConfig } from '../../src/core/config/load-config.js';
import { encode } from '../../src/core/image/encode.js';
import { imageFormat } from '../../src/core/image/format.js';
import { encodeRgbaPng } from '../../src/core/image/png-encode.js';
import type { RawImage } from '../../src/core/image/raw-image.js';

const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'mpts-links-'));

function filled(rgba: readonly number[], size = 256): RawImage {
  const data = Buffer.alloc(size * size * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return { data, width: size, height: size };
}

function twoColors(): RawImage {
  const raw = filled([254, 0, 4, 255]);
  raw.data.set([0, 0, 255, 255], 4 * 1000);
  return raw;
}

const paletted = (raw: RawImage, transparent: boolean) => encode(raw, imageFormat('image/png'), { transparent });
const TILE = '03/000/000/001/000/000/002.png';

test('the colour is named as MapProxy names it: RGB without alpha, RGBA with (the cache is transparent, or palette + tRNS, colour type 6)', async () => {
  assert.deepEqual(await singleColorOfTile(await paletted(filled([254, 0, 4, 255]), false)), [254, 0, 4]);
  // an opaque tile of a transparent cache: MapProxy's image was RGBA, its PNG does not say so
  assert.deepEqual(await singleColorOfTile(await paletted(filled([254, 0, 4, 255]), true), true), [254, 0, 4, 255]);
  assert.deepEqual(await singleColorOfTile(await paletted(filled([254, 0, 4, 255]), true)), [254, 0, 4]);
  assert.deepEqual(await singleColorOfTile(await paletted(filled([255, 255, 255, 0]), true)), [255, 255, 255, 0]);
  assert.deepEqual(await singleColorOfTile(await encodeRgbaPng(filled([1, 2, 3, 255]), { alpha: false })), [1, 2, 3]);
  assert.deepEqual(await singleColorOfTile(await encodeRgbaPng(filled([1, 2, 3, 128]), { alpha: true })), [1, 2, 3, 128]);
  const jpeg = await encode(filled([255, 255, 255, 255]), imageFormat('image/jpeg'));
  assert.deepEqual(await singleColorOfTile(jpeg), [255, 255, 255]);
  assert.deepEqual(await singleColorOfTile(jpeg, true), [255, 255, 255, 255]);
  assert.deepEqual(await singleColorOfTile(await paletted(filled([255, 255, 255, 0]), true), false), [255, 255, 255]);
  assert.equal(await singleColorOfTile(await paletted(twoColors(), false)), null);
  assert.equal(await singleColorOfTile(Buffer.from('not an image')), null);
  assert.equal(await singleColorOfTile(Buffer.from('\x89PNG\r\n\x1a\nbroken')), null);
});

test('symlink: a single colour tile is a relative symlink to single_color_tiles/<rrggbb>.png', async () => {
  const dir = tmpDir();
  const cache = new FileCache({ directory: dir, ext: 'png', linkSingleColorImages: true });
  const data = await paletted(filled([254, 0, 4, 255]), false);
  await cache.store([1, 2, 3], data);
  const tile = path.join(dir, TILE);
  assert.ok(fs.lstatSync(tile).isSymbolicLink());
  assert.equal(fs.readlinkSync(tile), '../../../../../../single_color_tiles/fe0004.png');
  assert.deepEqual(fs.readFileSync(path.join(dir, 'single_color_tiles/fe0004.png')), data);
  assert.deepEqual((await cache.load([1, 2, 3]))?.data, data);
  assert.equal(await cache.isCached([1, 2, 3]), true);

  // a tile of several colours replaces the link with a file; the shared file is untouched
  const multi = await paletted(twoColors(), false);
  await cache.store([1, 2, 3], multi);
  assert.ok(fs.lstatSync(tile).isFile());
  assert.deepEqual(fs.readFileSync(tile), multi);
  assert.deepEqual(fs.readFileSync(path.join(dir, 'single_color_tiles/fe0004.png')), data);

  // removing a linked tile removes the link only
  await cache.store([1, 2, 3], data);
  await cache.remove([1, 2, 3]);
  assert.equal(fs.existsSync(tile), false);
  assert.ok(fs.existsSync(path.join(dir, 'single_color_tiles/fe0004.png')));
  assert.deepEqual(fs.readdirSync(path.dirname(tile)), [], 'no temporary names left');
});

test('hardlink: the tile is the shared file under a second name; linking it again leaves no temporary name', async () => {
  const dir = tmpDir();
  const cache = new FileCache({ directory: dir, ext: 'png', layout: 'tms', linkSingleColorImages: 'hardlink', transparent: true });
  const data = await paletted(filled([10, 20, 30, 255]), true);
  await cache.store([0, 0, 1], data);
  await cache.store([1, 0, 1], data);
  await cache.store([0, 0, 1], data);
  const shared = fs.statSync(path.join(dir, 'single_color_tiles/0a141eff.png'));
  for (const t of ['1/0/0.png', '1/1/0.png']) {
    const st = fs.lstatSync(path.join(dir, t));
    assert.ok(st.isFile() && st.ino === shared.ino, t);
  }
  assert.equal(shared.nlink, 3);
  assert.deepEqual(fs.readdirSync(path.join(dir, '1/0')), ['0.png']);
});

test('a meta tile of one colour writes one shared file and links every tile', async () => {
  const dir = tmpDir();
  const cache = new FileCache({ directory: dir, ext: 'png', layout: 'tms', linkSingleColorImages: 'symlink', filePermissions: '640', directoryPermissions: '750' });
  const data = await paletted(filled([255, 255, 255, 0]), true);
  const coords: [number, number, number][] = [[0, 0, 2], [1, 0, 2], [0, 1, 2], [1, 1, 2]];
  await cache.storeMany(coords.map((coord) => ({ coord, data })));
  assert.deepEqual(fs.readdirSync(path.join(dir, 'single_color_tiles')), ['ffffff00.png']);
  assert.equal(fs.statSync(path.join(dir, 'single_color_tiles')).mode & 0o777, 0o750);
  assert.equal(fs.statSync(path.join(dir, 'single_color_tiles/ffffff00.png')).mode & 0o777, 0o640);
  for (const [x, y, z] of coords) assert.equal(fs.readlinkSync(path.join(dir, `${z}/${x}/${y}.png`)), '../../single_color_tiles/ffffff00.png');
});

test('a linked tile is as old as its link, not as the shared file (MapProxy reads the time with lstat)', async () => {
  const dir = tmpDir();
  const cache = new FileCache({ directory: dir, ext: 'png', linkSingleColorImages: true });
  const data = await paletted(filled([0, 0, 0, 255]), false);
  await cache.store([0, 0, 0], data);
  fs.utimesSync(path.join(dir, 'single_color_tiles/000000.png'), 1000, 1000);
  const now = Date.now() / 1000;
  const tile = await cache.load([0, 0, 0]);
  assert.ok(tile && Math.abs(tile.timestamp! - now) < 60, `${tile?.timestamp}`);
  assert.ok(Math.abs((await cache.timestamp([0, 0, 0]))! - now) < 60);
  // without the option, a cache is read as before: the time of the file
  const plain = new FileCache({ directory: dir, ext: 'png' });
  assert.equal((await plain.load([0, 0, 0]))?.timestamp, 1000);
});

test('a shared file removed from under the cache is written again, not linked to', async () => {
  const dir = tmpDir();
  const cache = new FileCache({ directory: dir, ext: 'png', linkSingleColorImages: true });
  const data = await paletted(filled([7, 7, 7, 255]), false);
  await cache.store([0, 0, 1], data);
  fs.rmSync(path.join(dir, 'single_color_tiles'), { recursive: true });
  assert.equal(await cache.load([0, 0, 1]), null, 'a dangling link is no tile');
  await cache.store([0, 0, 1], data);
  assert.deepEqual((await cache.load([0, 0, 1]))?.data, data);
});

test('readers never miss a tile while it is replaced by a link and back', async () => {
  const dir = tmpDir();
  for (const mode of ['symlink', 'hardlink'] as const) {
    const cache = new FileCache({ directory: path.join(dir, mode), ext: 'png', linkSingleColorImages: mode });
    const single = await paletted(filled([1, 1, 1, 255]), false);
    const multi = await paletted(twoColors(), false);
    await cache.store([5, 5, 5], multi);
    let stop = false;
    let misses = 0;
    let reads = 0;
    const reader = (async () => {
      while (!stop) {
        const t = await cache.load([5, 5, 5]);
        reads++;
        if (!t || !(t.data.equals(single) || t.data.equals(multi))) misses++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 200; i++) await cache.store([5, 5, 5], i % 2 ? multi : single);
    stop = true;
    await reader;
    assert.ok(reads > 20, `${reads} reads`);
    assert.equal(misses, 0, `${mode}: ${misses} of ${reads} reads saw no or a partial tile`);
  }
});

test('link_single_color_images reaches the file cache from the cache or from globals.cache', () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'mapproxy.yaml'), `
globals: {cache: {link_single_color_images: hardlink}}
services: {tms: }
layers: [{name: l, title: l, sources: [a]}]
caches:
  a: {grids: [GLOBAL_WEBMERCATOR], sources: [], link_single_color_images: true}
  b: {grids: [GLOBAL_WEBMERCATOR], sources: []}
  c: {grids: [GLOBAL_WEBMERCATOR], sources: [], link_single_color_images: false}
`);
  const { config } = loadConfig(path.join(dir, 'mapproxy.yaml'));
  const options = (name: string) => (config.caches[name]!.backend as { options: { linkSingleColorImages?: string } }).options;
  assert.equal(options('a').linkSingleColorImages, 'symlink');
  assert.equal(options('b').linkSingleColorImages, 'hardlink');
  assert.equal(options('c').linkSingleColorImages, undefined);
});
