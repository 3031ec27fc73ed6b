import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cropTiles } from '../../src/core/image/split.js';
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
