import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { DecodedTiles } from '../../src/core/layer/decoded-tiles.js';
import type { TilePixels } from '../../src/core/image/tile-pixels.js';
import type { Tile } from '../../src/core/tiles/tile.js';

/** The red channel of the first pixel, whichever form the tile was kept in. */
const red = (t: TilePixels) => (t.kind === 'rgba' ? t.raw.data[0] : t.px.palette[t.px.indices[t.px.first]] & 0xff);

const png = (r: number) => sharp({ create: { width: 8, height: 8, channels: 4, background: { r, g: 0, b: 0, alpha: 1 } } }).png().toBuffer();

/** The tile's pixels from the tier, whether it kept them or not. */
const pixels = (tier: DecodedTiles, cache: string, tile: Tile) => tier.decoded(cache, tile).then((d) => d.pixels);

/** Asks twice: a tile is kept from its second request on. */
async function kept(tiles: DecodedTiles, cache: string, tile: Tile): Promise<TilePixels> {
  await tiles.decoded(cache, tile);
  return pixels(tiles, cache, tile);
}

test('decoded tiles are reused for the same stored tile and decoded afresh when it changes', async () => {
  const tiles = new DecodedTiles();
  const first = { coord: [1, 2, 3] as const, data: await png(10), timestamp: 100, cacheable: true };
  const a = await kept(tiles, 'cache', first);
  assert.equal(a.kind, 'rgba', 'an RGBA PNG stays RGBA');
  assert.equal(red(a), 10);
  assert.equal(await pixels(tiles, 'cache', { ...first }), a, 'same cache, tile, timestamp and size: the same pixels object');
  const rewritten = { ...first, data: await png(200), timestamp: 101 };
  assert.equal(red(await pixels(tiles, 'cache', rewritten)), 200, 'a newer file is decoded again');
  assert.notEqual(await kept(tiles, 'other', first), a, 'caches do not share entries');
});

test('a tile is kept when it is asked for again, not the first time', async () => {
  const tiles = new DecodedTiles();
  const tile = { coord: [4, 5, 6] as const, data: await png(30), timestamp: 1, cacheable: true };
  const once = await pixels(tiles, 'c', tile);
  const twice = await pixels(tiles, 'c', tile);
  assert.notEqual(twice, once, 'the first decoding was not kept');
  assert.equal(await pixels(tiles, 'c', tile), twice, 'the second one was');
  assert.equal(red(once), 30);
});

test('the decoded tiles stay within their byte budget', async () => {
  const tiles = new DecodedTiles(8 * 8 * 4 * 2); // room for two 8×8 tiles
  const t = async (x: number) => ({ coord: [x, 0, 0] as const, data: await png(x), timestamp: 1, cacheable: true });
  const t0 = await t(0);
  const first = await kept(tiles, 'c', t0);
  await kept(tiles, 'c', await t(1));
  await kept(tiles, 'c', await t(2));
  assert.notEqual(await pixels(tiles, 'c', t0), first, 'the oldest entry was evicted');
});

test('paletted tiles are kept as indices and their palette', async () => {
  const tiles = new DecodedTiles();
  const data = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 30, g: 60, b: 90 } } }).png({ palette: true }).toBuffer();
  const t = await pixels(tiles, 'c', { coord: [0, 0, 0] as const, data, timestamp: 1, cacheable: true });
  assert.equal(t.kind, 'paletted');
  assert.equal(red(t), 30);
});
