import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantize, quantizeExact } from '../../src/core/image/quantize.js';
import type { RawImage } from '../../src/core/image/raw-image.js';
import { paint, px, quadrants, type Px } from './image-helpers.js';

/** The RGBA colour the quantized image shows at (x, y). */
function shown(q: { palette: Buffer; indices: Uint8Array; width: number }, x: number, y: number): Px {
  const i = q.indices[y * q.width + x]! * 4;
  return [q.palette[i]!, q.palette[i + 1]!, q.palette[i + 2]!, q.palette[i + 3]!];
}

function distinct(img: RawImage): number {
  const s = new Set<number>();
  for (let i = 0; i < img.data.length; i += 4) s.add(img.data.readUInt32LE(i));
  return s.size;
}

test('an image with few colours keeps every colour exactly', () => {
  const img = quadrants(37, 21);
  const q = quantize(img);
  assert.equal(q.exact, true);
  assert.equal(q.palette.length / 4, 4);
  for (let y = 0; y < 21; y++) for (let x = 0; x < 37; x++) assert.deepEqual(shown(q, x, y), px(img, x, y));
});

test('exactly `colors` distinct colours stay exact, one more does not', () => {
  const img = paint(16, 16, (x, y) => [x * 16, y * 16, 7, 255]); // 256 colours
  assert.equal(quantize(img).exact, true);
  assert.equal(quantizeExact(img, { colors: 255 }), null);
  const q = quantize(img, { colors: 255 });
  assert.equal(q.exact, false);
  assert.ok(q.palette.length / 4 <= 255);
});

test('a many-colour gradient gets ≤ 256 entries and a small mean error', () => {
  const img = paint(300, 200, (x, y) => [Math.round((x * 255) / 299), Math.round((y * 255) / 199), (x + y) & 255, 255]);
  assert.ok(distinct(img) > 10000);
  const q = quantize(img);
  assert.ok(q.palette.length / 4 <= 256);
  let err = 0;
  let worst = 0;
  for (let y = 0; y < 200; y++) {
    for (let x = 0; x < 300; x++) {
      const a = px(img, x, y);
      const b = shown(q, x, y);
      for (let c = 0; c < 4; c++) {
        const d = Math.abs(a[c]! - b[c]!);
        err += d;
        worst = Math.max(worst, d);
      }
    }
  }
  const mean = err / (300 * 200 * 4);
  assert.ok(mean < 6, `mean error ${mean}`);
  assert.ok(worst < 40, `worst error ${worst}`);
  assert.ok(q.palette.every((v, i) => i % 4 !== 3 || v === 255), 'an opaque image gets an opaque palette');
});

test('all fully transparent pixels share one entry, which comes first; partial alpha is kept approximately', () => {
  const img = paint(64, 64, (x, y): Px => {
    if (x < 16) return [x * 10, y, 0, 0]; // transparent, with varying (meaningless) colour
    if (x < 32) return [200, 100, 50, 128];
    return [x * 4, y * 4, (x * y) & 255, 255];
  });
  const q = quantize(img);
  assert.equal(q.exact, false);
  const clear = new Set<number>();
  for (let y = 0; y < 64; y++) for (let x = 0; x < 16; x++) clear.add(q.indices[y * 64 + x]!);
  assert.equal(clear.size, 1);
  assert.equal(q.palette[[...clear][0]! * 4 + 3], 0);
  const half = shown(q, 20, 10);
  assert.ok(Math.abs(half[3] - 128) <= 16 && Math.abs(half[0] - 200) <= 8, `partial pixel ${half}`);
  assert.deepEqual(shown(q, 40, 40)[3], 255, 'opaque pixels stay opaque');
  // Translucent entries first: a PNG tRNS chunk can stop after them.
  const alphas = [...Array(q.palette.length / 4).keys()].map((i) => q.palette[i * 4 + 3]!);
  const firstOpaque = alphas.indexOf(255);
  assert.ok(alphas.slice(firstOpaque).every((a) => a === 255), `alphas ${alphas}`);
});

test('an extra colour gets its own entry', () => {
  const img = quadrants(8, 8);
  const q = quantize(img, { extra: [255, 255, 255, 0] });
  assert.equal(q.palette.length / 4, 5);
  assert.equal(q.palette[q.extraIndex * 4 + 3], 0);
  const big = paint(300, 200, (x, y) => [x & 255, y, (x * 3) & 255, 255]);
  const q2 = quantize(big, { extra: [255, 255, 255, 0] });
  assert.equal(q2.exact, false);
  assert.equal(q2.palette[q2.extraIndex * 4 + 3], 0);
  assert.ok(q2.palette.length / 4 <= 256);
});

test('unaligned pixel buffers quantize the same', () => {
  const img = quadrants(10, 10);
  const backing = Buffer.alloc(img.data.length + 1);
  img.data.copy(backing, 1);
  const q = quantize({ data: backing.subarray(1), width: 10, height: 10 });
  for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) assert.deepEqual(shown(q, x, y), px(img, x, y));
});

test('quantizing one image leaves nothing behind for the next (the histogram is reused)', () => {
  const gradient = (w: number, h: number, seed: number): RawImage => {
    const data = Buffer.alloc(w * h * 4);
    for (let i = 0; i < w * h; i++) data.set([(i * seed) & 255, (i * 7 + seed) & 255, ((i >> 3) * 13) & 255, i % 97 === 0 ? 128 : 255], i * 4);
    return { data, width: w, height: h };
  };
  const b = gradient(120, 90, 3);
  const first = quantize(b);
  assert.equal(first.exact, false, 'many colours: the median cut runs');
  quantize(gradient(200, 150, 11));
  const again = quantize(b);
  assert.ok(again.palette.equals(first.palette));
  assert.deepEqual(again.indices, first.indices);
});
