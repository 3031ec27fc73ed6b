import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BBox, Size } from '../../src/core/geo/bbox.js';
import { tileMosaic } from '../../src/core/image/compose.js';
import { encode } from '../../src/core/image/encode.js';
import { imageFormat, type ImageFormat } from '../../src/core/image/format.js';
import { ImageResult } from '../../src/core/image/image.js';
import { resampledMosaic } from '../../src/core/image/mosaic-map.js';
import type { TilePixels } from '../../src/core/image/tile-pixels.js';
import { resample } from '../../src/core/image/transform.js';
import { kernel } from '../../src/core/native/kernels.js';
import { mosaicPng } from '../../src/core/native/mosaic-png.js';
import { paint } from './image-helpers.js';

// A map from cached tiles that is only encoded as a paletted PNG is drawn, quantized and written in one native
// call (mosaic-map.ts). It must give the bytes of the long way: resample() to RGBA, then encode().

function tiles(size: number): (TilePixels | null)[] {
  const palette = new Uint32Array(256);
  const bytes = new Uint8Array(palette.buffer);
  for (let i = 0; i < 256; i++) bytes.set([i, 255 - i, (i * 7) & 255, i % 5 === 0 ? 128 : 255], i * 4);
  const indices = new Uint8Array((size + 1) * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) indices[y * (size + 1) + 1 + x] = ((x >> 2) * 3 + (y >> 3) * 5) & 255;
  const paletted: TilePixels = { kind: 'paletted', px: { width: size, height: size, indices, pitch: size + 1, first: 1, palette } };
  const rgba = (k: number): TilePixels => ({
    kind: 'rgba',
    raw: paint(size, size, (x, y) => [((x >> 1) * k) & 255, (y * 3) & 255, ((x ^ y) >> 3) & 255, y % 7 ? 255 : 90]),
  });
  return [rgba(5), paletted, rgba(11), paletted, null, paletted];
}

const png = imageFormat('image/png');
const formats: [string, ImageFormat, { bgcolor?: readonly [number, number, number] }][] = [
  ['png with alpha', png, {}],
  ['opaque png on a colour', { ...png, transparent: false }, { bgcolor: [10, 200, 30] }],
  ['mediancut png', { ...png, quantizer: 'mediancut' }, {}],
  ['16-colour png', { ...png, colors: 16 }, {}],
];

async function both(size: number, window: { x: number; y: number; width: number; height: number }, dst: BBox, dstSize: Size, transparent: boolean) {
  const t = tiles(size);
  const canvas = transparent ? { transparent: true } : { transparent: false, bgcolor: [10, 200, 30] as const };
  const mosaic = tileMosaic(t, [3, 2], [size, size], window, canvas);
  const src: BBox = [0, 0, window.width, window.height];
  for (const method of ['nearest', 'bilinear', 'bicubic'] as const) {
    const drawn = await resample(mosaic, src, dst, dstSize, method);
    for (const [name, format, opts] of formats) {
      const expected = await encode(drawn, format, opts);
      const deferred = ImageResult.fromDeferred(resampledMosaic(mosaic, src, dst, dstSize, method));
      assert.deepEqual(deferred.size, dstSize);
      const fused = await deferred.encode(format, opts);
      assert.ok(fused.equals(expected), `${name}, ${method}, ${dstSize.join('x')} from ${window.width}x${window.height}`);
      assert.equal(deferred.hasRaw, false, 'written without drawing the pixels in JavaScript');
    }
  }
}

test('a resampled map written straight as a paletted PNG has the bytes of resample() and encode()', async () => {
  // Scaled up and down, inline and on the pool (2^18 pixels), transparent and opaque canvases.
  await both(64, { x: 7, y: 5, width: 3 * 64 - 20, height: 2 * 64 - 9 }, [2.5, 3.25, 160.5, 100.25], [203, 71], true);
  await both(64, { x: 7, y: 5, width: 3 * 64 - 20, height: 2 * 64 - 9 }, [2.5, 3.25, 160.5, 100.25], [97, 131], false);
  await both(256, { x: 3, y: 9, width: 700, height: 480 }, [1.5, 2.5, 690.5, 470.5], [620, 500], false);
});

test('a map at the tiles\' resolution is a crop, inside the window or reaching past it, as resample() crops', async () => {
  for (const [dst, size] of [
    [[3, 4, 3 + 64, 4 + 48], [64, 48]], // inside the window
    [[-5, 10, 59, 74], [64, 64]], // past its left edge: transparent white there
    [[150, 100, 214, 164], [64, 64]], // past its right and bottom edges
  ] as [BBox, Size][]) {
    await both(64, { x: 7, y: 5, width: 3 * 64 - 20, height: 2 * 64 - 9 }, dst, size, true);
    await both(64, { x: 7, y: 5, width: 3 * 64 - 20, height: 2 * 64 - 9 }, dst, size, false);
  }
});

test('random crops and extents, inside and past the window, give the bytes of the long way', async () => {
  let seed = 12345;
  const below = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const t = tiles(32);
  for (let i = 0; i < 40; i++) {
    const window = { x: below(40) - 10, y: below(30) - 10, width: 1 + below(100), height: 1 + below(70) };
    const mosaic = tileMosaic(t, [3, 2], [32, 32], window, i % 2 ? { transparent: true } : { transparent: false, bgcolor: [1, 2, 3] });
    const src: BBox = [0, 0, window.width, window.height];
    const size: Size = [1 + below(60), 1 + below(60)];
    const x = below(window.width + 20) - 10;
    const y = below(window.height + 20) - 10;
    // Every other case at the window's resolution (a crop), the rest scaled.
    const scale = i % 2 ? 1 : 0.3 + below(30) / 10;
    const dst: BBox = [x, window.height - y - size[1] * scale, x + size[0] * scale, window.height - y];
    const method = (['nearest', 'bilinear', 'bicubic'] as const)[i % 3]!;
    const expected = await encode(await resample(mosaic, src, dst, size, method), png);
    const fused = await ImageResult.fromDeferred(resampledMosaic(mosaic, src, dst, size, method)).encode(png);
    assert.ok(fused.equals(expected), `case ${i}: window ${JSON.stringify(window)}, map ${size.join('x')} at ${x},${y} ×${scale}`);
  }
});

test('a deferred map drawn for other uses is resample()\'s RGBA, drawn once', async () => {
  const mosaic = tileMosaic(tiles(64), [3, 2], [64, 64], { x: 0, y: 0, width: 192, height: 128 }, { transparent: true });
  const src: BBox = [0, 0, 192, 128];
  const dst: BBox = [10, 10, 150, 110];
  const expected = await resample(mosaic, src, dst, [100, 70], 'bicubic');
  let draws = 0;
  const pixels = resampledMosaic(mosaic, src, dst, [100, 70], 'bicubic');
  const result = ImageResult.fromDeferred({ ...pixels, draw: () => (draws++, pixels.draw()) });
  const [a, b] = await Promise.all([result.raw(), result.raw()]);
  assert.ok(a.data.equals(expected.data));
  assert.equal(a, b);
  // Once drawn, a PNG is written from those pixels.
  assert.ok((await result.encode(png)).equals(await encode(expected, png)));
  assert.equal(draws, 1);
});

test('mosaicPng refuses bad sizes, offsets and options with a RangeError', async () => {
  const mosaic = tileMosaic(tiles(64), [3, 2], [64, 64], { x: 0, y: 0, width: 192, height: 128 }, { transparent: true });
  const opts = { colors: 256, quantizer: 'fastoctree', alpha: true, background: [255, 255, 255] } as const;
  await assert.rejects(mosaicPng(mosaic, 0, 10, { crop: [0, 0] }, opts), RangeError);
  await assert.rejects(mosaicPng(mosaic, 10, 10, { crop: [0, 0] }, { ...opts, colors: 300 }), RangeError);
  const raw = kernel<(...args: unknown[]) => Buffer>('mosaicPng');
  const options = Int32Array.from([256, 0, 1, 255, 255, 255]);
  const call = (...over: [number, unknown][]) => {
    const args: unknown[] = [mosaic.geometry, mosaic.buffers, 10, 10, true, 0, 0, 0, 0, 2, options, false];
    for (const [i, v] of over) args[i] = v;
    return () => raw(...args);
  };
  assert.ok(call()().subarray(1, 4).equals(Buffer.from('PNG')));
  assert.throws(call([2, 70000]), RangeError);
  assert.throws(call([3, 0]), RangeError);
  assert.throws(call([5, 1e12]), RangeError, 'crop offset far out');
  assert.throws(call([5, 0.5]), RangeError, 'crop offset not an integer');
  assert.throws(call([4, false], [5, Number.NaN]), /x0/, 'extent not finite');
  assert.throws(call([9, 3]), RangeError, 'method');
  assert.throws(call([10, Int32Array.from([256, 0, 1, 255, 255])]), RangeError, 'short options');
  assert.throws(call([10, Int32Array.from([256, 2, 1, 255, 255, 255])]), RangeError, 'unknown quantizer');
  assert.throws(call([0, new Int32Array(3)]), RangeError, 'geometry without a header');
  assert.throws(call([1, [null]]), RangeError, 'buffers of the wrong count');
});
