import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantizeImage, quantizeTiles, type IndexedImage } from '../../src/core/image/quantize.js';
import { quantizeTilesSync } from '../../src/core/native/quantize.js';
import { cropTiles } from '../../src/core/image/split.js';
import type { RawImage } from '../../src/core/image/raw-image.js';
import { paint, px, quadrants, type Px } from './image-helpers.js';

/** The RGBA colour the quantized image shows at (x, y). */
function shown(q: IndexedImage, x: number, y: number): Px {
  const i = q.indices[y * q.width + x]! * 4;
  return [q.palette[i]!, q.palette[i + 1]!, q.palette[i + 2]!, q.palette[i + 3]!];
}

function entry(q: IndexedImage, i: number): Px {
  return [q.palette[i * 4]!, q.palette[i * 4 + 1]!, q.palette[i * 4 + 2]!, q.palette[i * 4 + 3]!];
}

test('fastoctree: colours in cells of their own are kept exactly, most used first; the palette has `colors` entries', async () => {
  // 3 × 21 red, 2 × 21 blue, 2 × 21 yellow, 2 × 21 green pixels: ties keep the octree's cell order.
  const img = quadrants(37, 21);
  const q = await quantizeImage(img);
  assert.equal(q.palette.length / 4, 256, 'Pillow keeps every entry of the palette');
  for (let y = 0; y < 21; y++) for (let x = 0; x < 37; x++) assert.deepEqual(shown(q, x, y), px(img, x, y));
  const used = new Set(q.indices);
  assert.equal(used.size, 4);
  assert.deepEqual([...used].sort(), [0, 1, 2, 3], 'the colours come first');
  for (let i = 4; i < 256; i++) assert.deepEqual(entry(q, i), [0, 0, 0, 0], 'unused entries are (0,0,0,0), as in Pillow');
  assert.equal((await quantizeImage(img, { colors: 16 })).palette.length / 4, 16);
});

test('fastoctree: near colours in one octree cell become their (truncated) mean, as Pillow gives them', async () => {
  const img = paint(10, 10, (x): Px => (x < 5 ? [100, 100, 100, 255] : [101, 103, 100, 255]));
  const q = await quantizeImage(img);
  assert.deepEqual(shown(q, 0, 0), [100, 101, 100, 255]);
  assert.deepEqual(shown(q, 9, 9), [100, 101, 100, 255]);
});

test('fastoctree: fully transparent pixels share one transparent entry; partial alpha stays close', async () => {
  const img = paint(64, 64, (x, y): Px => {
    if (x < 16) return [x * 10, y, 0, 0]; // transparent, with varying (meaningless) colour
    if (x < 32) return [200, 100, 50, 128];
    return [x * 4, y * 4, (x * y) & 255, 255];
  });
  const q = await quantizeImage(img);
  const clear = new Set<number>();
  for (let y = 0; y < 64; y++) for (let x = 0; x < 16; x++) clear.add(q.indices[y * 64 + x]!);
  assert.equal(clear.size, 1);
  assert.equal(entry(q, [...clear][0]!)[3], 0);
  assert.deepEqual(shown(q, 20, 10), [200, 100, 50, 128], 'one partial colour in its own cell is exact');
  assert.equal(shown(q, 40, 40)[3], 255, 'opaque pixels stay opaque');
});

test('an opaque target flattens onto the background and gets an opaque palette', async () => {
  const img = paint(8, 8, (x): Px => (x < 4 ? [0, 0, 0, 0] : x < 6 ? [255, 0, 0, 128] : [255, 0, 0, 255]));
  for (const quantizer of ['fastoctree', 'mediancut'] as const) {
    const q = await quantizeImage(img, { alpha: false, background: [0, 0, 255], quantizer });
    assert.deepEqual(shown(q, 0, 0), [0, 0, 255, 255], quantizer);
    assert.deepEqual(shown(q, 4, 0), [128, 0, 127, 255], `${quantizer}: half red over blue, rounded`);
    assert.deepEqual(shown(q, 7, 0), [255, 0, 0, 255], quantizer);
    for (let i = 0; i < q.palette.length / 4; i++) assert.equal(entry(q, i)[3], 255, `${quantizer}: entry ${i} opaque`);
  }
});

test('mediancut: up to `colors` colours are kept exactly; with alpha, alpha <= 128 is the transparent index 255', async () => {
  const opaque = quadrants(20, 20);
  const q = await quantizeImage(opaque, { quantizer: 'mediancut', alpha: false });
  assert.equal(q.palette.length / 4, 4, 'one box per colour');
  for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) assert.deepEqual(shown(q, x, y), px(opaque, x, y));

  const img = paint(16, 4, (x): Px => [x * 16, 0, 0, x < 4 ? 0 : x < 8 ? 128 : x < 12 ? 129 : 255]);
  const t = await quantizeImage(img, { quantizer: 'mediancut', alpha: true });
  assert.equal(t.palette.length / 4, 256);
  assert.deepEqual(entry(t, 255), [0, 0, 0, 0]);
  for (let x = 0; x < 16; x++) {
    if (x < 8) assert.equal(t.indices[x], 255, `alpha ${x < 4 ? 0 : 128} is transparent`);
    else assert.deepEqual(shown(t, x, 0), [x * 16, 0, 0, 255], 'alpha above 128 becomes opaque, colour kept');
  }
  const few = await quantizeImage(paint(8, 8, (x, y): Px => [x * 30, y * 30, 0, 255]), { quantizer: 'mediancut', colors: 8, alpha: true });
  assert.ok(Math.max(...few.indices) < 7, 'with alpha: colors - 1 entries for the colours');
});

test('unaligned pixel buffers quantize the same', async () => {
  const img = paint(33, 17, (x, y): Px => [x * 7, y * 13, (x ^ y) * 3, 255]);
  const backing = Buffer.alloc(img.data.length + 1);
  img.data.copy(backing, 1);
  for (const quantizer of ['fastoctree', 'mediancut'] as const) {
    const a = await quantizeImage(img, { quantizer });
    const b = await quantizeImage({ data: backing.subarray(1), width: 33, height: 17 }, { quantizer });
    assert.ok(a.palette.equals(b.palette));
    assert.deepEqual(a.indices, b.indices);
  }
});

test('tiles are quantized one by one, as cropping each and quantizing it; off the event loop like inline', async () => {
  const meta: RawImage = paint(70, 50, (x, y): Px => (x < 35 ? [x * 7, y * 5, 90, 255] : [(x * y) & 255, 40, y * 5, y < 10 ? 0 : 200]));
  const tiles = [
    { offset: [0, 0] as [number, number], size: [32, 32] as [number, number] },
    { offset: [32, 0] as [number, number], size: [32, 32] as [number, number] },
    { offset: [-16, 30] as [number, number], size: [32, 32] as [number, number] },
    { offset: [60, 40] as [number, number], size: [32, 32] as [number, number] },
    { offset: [100, 100] as [number, number], size: [8, 8] as [number, number] },
  ];
  const parts = cropTiles(meta, tiles); // transparent white outside, as MapProxy's TileSplitter
  for (const opts of [{}, { quantizer: 'mediancut' as const }, { alpha: false, background: [9, 99, 199] as const }]) {
    const together = await quantizeTiles(meta, tiles, opts);
    for (const [i, t] of tiles.entries()) {
      const alone = await quantizeImage(parts[i]!, opts);
      assert.ok(together[i]!.palette.equals(alone.palette), `tile ${i} palette`);
      assert.deepEqual(together[i]!.indices, alone.indices, `tile ${i} indices`);
      assert.equal(together[i]!.width, t.size[0]);
    }
    // The pool's result is the inline kernel's.
    const whole = await quantizeImage(meta, opts);
    const inline = quantizeTilesSync(meta.data, meta.width, meta.height, [{ x: 0, y: 0, width: meta.width, height: meta.height }], {
      colors: 256, quantizer: 'fastoctree', alpha: true, background: [255, 255, 255], ...opts,
    })[0]!;
    assert.deepEqual(whole.indices, inline.indices);
  }
  const outside = (await quantizeTiles(meta, [tiles[4]!], { alpha: false, background: [9, 99, 199] }))[0]!;
  assert.deepEqual(shown(outside, 3, 3), [9, 99, 199, 255], 'an opaque target fills outside with the background');
});
