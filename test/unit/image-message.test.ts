import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageImage, escapeXml } from '../../src/core/image/message.js';
import { px } from './image-helpers.js';

function countWhere(img: { data: Buffer }, pred: (r: number, g: number, b: number, a: number) => boolean): number {
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4) if (pred(img.data[i]!, img.data[i + 1]!, img.data[i + 2]!, img.data[i + 3]!)) n++;
  return n;
}

test('message image has the requested size, bgcolor and dark text in the top-left', async () => {
  const img = await messageImage('unknown layer <foo> & "bar"\nsecond line', [300, 100], { bgcolor: [255, 255, 255] });
  assert.equal(img.width, 300);
  assert.equal(img.height, 100);
  assert.equal(img.data.length, 300 * 100 * 4);
  assert.deepEqual(px(img, 299, 99), [255, 255, 255, 255]);
  const dark = countWhere(img, (r, g, b) => r + g + b < 300);
  assert.ok(dark > 100, `text drawn (${dark} dark px)`);
  // Two lines: text below the first line too; nothing in the lower right.
  let secondLine = 0;
  for (let y = 18; y < 35; y++) for (let x = 0; x < 60; x++) if (px(img, x, y)[0] < 150) secondLine++;
  assert.ok(secondLine > 10, 'second line drawn');
});

test('transparent message images keep the background transparent; dark bg gets white text', async () => {
  const t = await messageImage('error', [100, 30], { transparent: true });
  assert.equal(px(t, 90, 25)[3], 0);
  assert.ok(countWhere(t, (_r, _g, _b, a) => a > 128) > 10);
  const dark = await messageImage('error', [100, 30], { bgcolor: [0, 0, 40] });
  assert.deepEqual(px(dark, 90, 25), [0, 0, 40, 255]);
  assert.ok(countWhere(dark, (r) => r > 200) > 10, 'white text');
});

test('empty text gives a plain background', async () => {
  const img = await messageImage('', [5, 5], { bgcolor: [9, 9, 9] });
  assert.deepEqual(px(img, 4, 4), [9, 9, 9, 255]);
});

test('XML special characters are escaped', () => {
  assert.equal(escapeXml(`<a href="x">&'\u0001`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
});
