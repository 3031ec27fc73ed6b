import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskImage, ringsToPixels } from '../../src/core/image/mask.js';
import { paint, px, RED } from './image-helpers.js';

test('pixels outside the polygon become transparent', () => {
  const img = paint(10, 10, () => RED);
  const out = maskImage(img, [[[2, 2], [8, 2], [8, 8], [2, 8]]]);
  assert.deepEqual(px(out, 2, 2), RED);
  assert.deepEqual(px(out, 7, 7), RED);
  assert.equal(px(out, 1, 5)[3], 0);
  assert.equal(px(out, 8, 5)[3], 0);
  assert.equal(px(out, 5, 8)[3], 0);
  assert.deepEqual(px(img, 0, 0), RED, 'input untouched');
});

test('holes and several polygons (even-odd)', () => {
  const img = paint(20, 10, () => RED);
  const out = maskImage(img, [
    [[0, 0], [10, 0], [10, 10], [0, 10]],
    [[3, 3], [7, 3], [7, 7], [3, 7]], // hole
    [[12, 0], [20, 0], [20, 10]], // triangle
  ]);
  assert.deepEqual(px(out, 1, 1), RED);
  assert.equal(px(out, 5, 5)[3], 0, 'inside the hole');
  assert.equal(px(out, 11, 5)[3], 0, 'between polygons');
  assert.deepEqual(px(out, 19, 1), RED);
  assert.equal(px(out, 13, 9)[3], 0, 'below the triangle diagonal');
});

test('rings in map coordinates map to pixel rings', () => {
  const rings = ringsToPixels([[[0, 0], [50, 0], [50, 100]]], [0, 0, 100, 100], [10, 20]);
  assert.deepEqual(rings, [[[0, 20], [5, 20], [5, 0]]]);
});
