import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeImages } from '../../src/core/image/merge.js';
import { blankImage } from '../../src/core/image/blank.js';
import { singleColor } from '../../src/core/image/single-color.js';
import { BLUE, CLEAR, paint, px, RED } from './image-helpers.js';

test('blank images: opaque bgcolor or transparent', () => {
  assert.deepEqual(singleColor(blankImage([5, 3], { bgcolor: [1, 2, 3] })), [1, 2, 3, 255]);
  assert.deepEqual(singleColor(blankImage([5, 3], { transparent: true })), [255, 255, 255, 0]);
  assert.deepEqual(singleColor(blankImage([7, 7])), [255, 255, 255, 255]);
});

test('layers are composited bottom to top', async () => {
  const bottom = paint(4, 4, () => RED);
  const top = paint(4, 4, (x) => (x < 2 ? BLUE : CLEAR));
  const out = await mergeImages([{ image: bottom }, { image: top }], [4, 4], { transparent: true });
  assert.deepEqual(px(out, 0, 0), BLUE);
  assert.deepEqual(px(out, 3, 0), RED);
});

test('opacity blends a layer with what is below', async () => {
  const out = await mergeImages([{ image: paint(2, 2, () => RED) }, { image: paint(2, 2, () => BLUE), opacity: 0.5 }], [2, 2], {});
  // MapProxy blends an opaque canvas with Image.blend, truncating: 255·0.5 = 127.5 → 127.
  assert.deepEqual(px(out, 1, 1), [127, 0, 127, 255]);
});

test('transparent canvas keeps uncovered areas transparent; opaque canvas shows bgcolor', async () => {
  const half = paint(4, 4, (x) => (x < 2 ? RED : CLEAR));
  assert.equal(px(await mergeImages([{ image: half }, { image: half }], [4, 4], { transparent: true }), 3, 3)[3], 0);
  const onGrey = await mergeImages([{ image: half }], [4, 4], { bgcolor: [100, 100, 100] });
  assert.deepEqual(px(onGrey, 3, 3), [100, 100, 100, 255]);
  assert.deepEqual(px(onGrey, 0, 3), RED);
  // A half-transparent layer over a transparent canvas keeps its alpha.
  const semi = await mergeImages([{ image: paint(1, 1, () => RED), opacity: 0.4 }], [1, 1], { transparent: true });
  assert.deepEqual(px(semi, 0, 0), [255, 0, 0, 102], 'alpha 255 · int(255 · 0.4) / 255');
});

test('single colour detection', () => {
  assert.equal(singleColor(paint(3, 3, (x) => (x === 2 ? RED : BLUE))), null);
  assert.deepEqual(singleColor(paint(3, 3, () => BLUE)), BLUE);
});
