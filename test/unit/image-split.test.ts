import { test } from 'node:test';
import assert from 'node:assert/strict';
import { composeWindow } from '../../src/core/image/compose.js';
import { cropTiles } from '../../src/core/image/split.js';
import type { TilePixels } from '../../src/core/image/tile-pixels.js';
import { BLUE, GREEN, paint, px, RED, YELLOW, type Px } from './image-helpers.js';

test('cropTiles cuts a meta tile with buffer into its tiles', () => {
  // 2x2 meta tile of 4x4 px tiles with a 2 px buffer: 12x12, tile colours by position, buffer grey.
  const colours: Px[][] = [[RED, GREEN], [BLUE, YELLOW]];
  const meta = paint(12, 12, (x, y) => {
    const tx = x - 2, ty = y - 2;
    if (tx < 0 || ty < 0 || tx >= 8 || ty >= 8) return [128, 128, 128, 255];
    return colours[Math.floor(ty / 4)]![Math.floor(tx / 4)]!;
  });
  const offsets: [number, number][] = [[2, 2], [6, 2], [2, 6], [6, 6]];
  const tiles = cropTiles(meta, offsets.map((offset) => ({ offset, size: [4, 4] as const })));
  assert.equal(tiles.length, 4);
  const expect = [RED, GREEN, BLUE, YELLOW];
  tiles.forEach((t, i) => {
    assert.equal(t.width, 4);
    assert.equal(t.height, 4);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) assert.deepEqual(px(t, x, y), expect[i], `tile ${i} px ${x},${y}`);
  });
});

test('cropTiles fills parts outside the meta image with the canvas', () => {
  const meta = paint(4, 4, () => RED);
  const [t] = cropTiles(meta, [{ offset: [-2, 2], size: [4, 4] }]);
  assert.equal(px(t!, 0, 0)[3], 0);
  assert.deepEqual(px(t!, 2, 0), RED);
  assert.equal(px(t!, 2, 3)[3], 0, 'below the meta image');
  const [opaque] = cropTiles(meta, [{ offset: [2, 2], size: [4, 4] }], { bgcolor: [1, 2, 3] });
  assert.deepEqual(px(opaque!, 3, 3), [1, 2, 3, 255]);
});

test('composeWindow places tiles row-major, top row first, nulls blank', () => {
  const t = (c: Px): TilePixels => ({ kind: 'rgba', raw: paint(3, 2, () => c) });
  const img = composeWindow([t(RED), t(GREEN), null, t(BLUE), t(YELLOW), t(RED)], [3, 2], [3, 2], { x: 0, y: 0, width: 9, height: 4 });
  assert.equal(img.width, 9);
  assert.equal(img.height, 4);
  assert.deepEqual(px(img, 0, 0), RED);
  assert.deepEqual(px(img, 4, 1), GREEN);
  assert.equal(px(img, 7, 0)[3], 0);
  assert.deepEqual(px(img, 0, 2), BLUE);
  assert.deepEqual(px(img, 5, 3), YELLOW);
  assert.deepEqual(px(img, 8, 3), RED);
  assert.throws(() => composeWindow([null], [2, 1], [3, 2], { x: 0, y: 0, width: 6, height: 2 }));
});

test('composeWindow draws only the window, from palette indices too, and leaves the outside transparent', () => {
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
  const img = composeWindow([{ kind: 'rgba', raw: paint(3, 2, () => RED) }, paletted], [2, 1], [3, 2], { x: 2, y: 1, width: 5, height: 2 });
  assert.equal(img.width, 5);
  assert.equal(img.height, 2);
  assert.deepEqual(px(img, 0, 0), RED, 'mosaic (2, 1)');
  assert.deepEqual(px(img, 1, 0), BLUE, 'mosaic (3, 1): second row of the paletted tile');
  assert.deepEqual(px(img, 3, 0), BLUE);
  assert.equal(px(img, 4, 0)[3], 0, 'beyond the mosaic');
  assert.equal(px(img, 0, 1)[3], 0, 'below the mosaic');
});
