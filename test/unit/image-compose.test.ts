import { test } from 'node:test';
import assert from 'node:assert/strict';
import { composeWindow } from '../../src/core/image/compose.js';
import type { TilePixels } from '../../src/core/image/tile-pixels.js';
import { BLUE, GREEN, paint, px, RED, YELLOW, type Px } from './image-helpers.js';

test('composeWindow places tiles row-major, top row first, nulls blank', async () => {
  const t = (c: Px): TilePixels => ({ kind: 'rgba', raw: paint(3, 2, () => c) });
  const img = await composeWindow([t(RED), t(GREEN), null, t(BLUE), t(YELLOW), t(RED)], [3, 2], [3, 2], { x: 0, y: 0, width: 9, height: 4 });
  assert.equal(img.width, 9);
  assert.equal(img.height, 4);
  assert.deepEqual(px(img, 0, 0), RED);
  assert.deepEqual(px(img, 4, 1), GREEN);
  assert.equal(px(img, 7, 0)[3], 0);
  assert.deepEqual(px(img, 0, 2), BLUE);
  assert.deepEqual(px(img, 5, 3), YELLOW);
  assert.deepEqual(px(img, 8, 3), RED);
  await assert.rejects(composeWindow([null], [2, 1], [3, 2], { x: 0, y: 0, width: 6, height: 2 }), /1 tiles for a 2x1 grid/);
});

test('composeWindow draws only the window, from palette indices too, and leaves the outside transparent', async () => {
  // Two 3×2 tiles side by side: left RGBA red, right paletted (green, blue per row).
  const palette = new Uint32Array(256);
  const bytes = new Uint8Array(palette.buffer);
  bytes.set([...GREEN], 4);
  bytes.set([...BLUE], 8);
  const paletted: TilePixels = {
    kind: 'paletted',
    // pitch 4 with a leading filter byte per row, as a PNG's inflated rows are read in place
    px: { width: 3, height: 2, indices: Uint8Array.from([0, 1, 1, 1, 0, 2, 2, 2]), pitch: 4, first: 1, palette },
  };
  const img = await composeWindow([{ kind: 'rgba', raw: paint(3, 2, () => RED) }, paletted], [2, 1], [3, 2], { x: 2, y: 1, width: 5, height: 2 });
  assert.equal(img.width, 5);
  assert.equal(img.height, 2);
  assert.deepEqual(px(img, 0, 0), RED, 'mosaic (2, 1)');
  assert.deepEqual(px(img, 1, 0), BLUE, 'mosaic (3, 1): second row of the paletted tile');
  assert.deepEqual(px(img, 3, 0), BLUE);
  assert.equal(px(img, 4, 0)[3], 0, 'beyond the mosaic');
  assert.equal(px(img, 0, 1)[3], 0, 'below the mosaic');
});

test('composeWindow gives an opaque cache its background where no tile is, as MapProxy\'s TileMerger canvas', async () => {
  const t: TilePixels = { kind: 'rgba', raw: paint(3, 2, () => RED) };
  // A missing tile, a window reaching left of and below the mosaic: all background.
  const white = await composeWindow([t, null], [2, 1], [3, 2], { x: -1, y: 0, width: 8, height: 3 }, { transparent: false });
  assert.deepEqual(px(white, 0, 0), [255, 255, 255, 255]);
  assert.deepEqual(px(white, 1, 0), RED);
  assert.deepEqual(px(white, 5, 1), [255, 255, 255, 255], 'missing tile');
  assert.deepEqual(px(white, 2, 2), [255, 255, 255, 255], 'below the mosaic');
  const grey = await composeWindow([t, null], [2, 1], [3, 2], { x: 0, y: 0, width: 6, height: 2 }, { bgcolor: [10, 20, 30] });
  assert.deepEqual(px(grey, 4, 0), [10, 20, 30, 255]);
  const clear = await composeWindow([t, null], [2, 1], [3, 2], { x: 0, y: 0, width: 6, height: 2 });
  assert.equal(px(clear, 4, 0)[3], 0, 'transparent by default');
});

test('composeWindow reads a paletted tile of pitch 0 as one row repeated (a tile of one colour keeps one row)', async () => {
  const palette = new Uint32Array(256);
  const bytes = new Uint8Array(palette.buffer);
  bytes.set([...GREEN], 4);
  bytes.set([...BLUE], 8);
  // One row (filter byte, then green, blue, green) stands for all four rows of a 3×4 tile.
  const row: TilePixels = { kind: 'paletted', px: { width: 3, height: 4, indices: Uint8Array.from([0, 1, 2, 1]), pitch: 0, first: 1, palette } };
  const img = await composeWindow([row], [1, 1], [3, 4], { x: 0, y: 0, width: 3, height: 4 });
  for (let y = 0; y < 4; y++) assert.deepEqual([px(img, 0, y), px(img, 1, y), px(img, 2, y)], [GREEN, BLUE, GREEN], `row ${y}`);
  // The one row must still hold the tile's width behind `first`.
  const short: TilePixels = { kind: 'paletted', px: { width: 3, height: 4, indices: Uint8Array.from([0, 1, 2]), pitch: 0, first: 1, palette } };
  await assert.rejects(composeWindow([short], [1, 1], [3, 4], { x: 0, y: 0, width: 3, height: 4 }), /indices shorter than the tile/);
});
