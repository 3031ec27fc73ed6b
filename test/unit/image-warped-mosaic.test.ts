import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BBox, Point, Size } from '../../src/core/geo/bbox.js';
import { getSRS } from '../../src/core/geo/srs.js';
import { composeMosaicImage, tileMosaic } from '../../src/core/image/compose.js';
import { encode } from '../../src/core/image/encode.js';
import { imageFormat, type ImageFormat } from '../../src/core/image/format.js';
import { ImageResult } from '../../src/core/image/image.js';
import type { Resampling } from '../../src/core/image/raw-image.js';
import type { TilePixels } from '../../src/core/image/tile-pixels.js';
import { warp, warpedMosaic, warpPlan } from '../../src/core/image/transform.js';
import { kernel } from '../../src/core/native/kernels.js';
import { paint } from './image-helpers.js';

// A reprojected map from cached tiles that is only encoded as a paletted PNG is warped, quantized and written in
// one native call (warpedMosaic, native/warp-png.ts). It must give the bytes of the long way: the window drawn
// whole, warp() to RGBA, then encode(), for the separable path (EPSG:4326) and the mesh (EPSG:25832) alike.

const TILE = 64;
const COLS = 4;
const ROWS = 3;
/** The mosaic's EPSG:3857 extent: 4 × 3 tiles over Germany, 12 km per tile pixel row… roughly. */
const MOSAIC: BBox = [600_000, 6_000_000, 1_600_000, 7_200_000];

function tiles(): (TilePixels | null)[] {
  const palette = new Uint32Array(256);
  const bytes = new Uint8Array(palette.buffer);
  for (let i = 0; i < 256; i++) bytes.set([i, 255 - i, (i * 7) & 255, i % 5 === 0 ? 128 : 255], i * 4);
  const indices = new Uint8Array((TILE + 1) * TILE);
  for (let y = 0; y < TILE; y++) for (let x = 0; x < TILE; x++) indices[y * (TILE + 1) + 1 + x] = ((x >> 3) * 3 + (y >> 4) * 5) & 255;
  const paletted: TilePixels = { kind: 'paletted', px: { width: TILE, height: TILE, indices, pitch: TILE + 1, first: 1, palette } };
  // Flat blocks with sharp edges (as maps have) and a gradient, some rows half transparent.
  const rgba = (k: number): TilePixels => ({
    kind: 'rgba',
    raw: paint(TILE, TILE, (x, y) => [((x >> 3) * k) & 255, (y >> 2) * 9 & 255, (x + y) & 255, y % 9 ? 255 : 90]),
  });
  // Two tiles missing: the canvas (transparent, or the cache's background) shows there.
  return [rgba(5), paletted, rgba(11), null, paletted, rgba(3), paletted, rgba(17), null, paletted, rgba(29), paletted];
}

const png = imageFormat('image/png');
const formats: [string, ImageFormat, { bgcolor?: readonly [number, number, number] }][] = [
  ['png with alpha', png, {}],
  ['opaque png on a colour', { ...png, transparent: false }, { bgcolor: [10, 200, 30] }],
  ['mediancut png', { ...png, quantizer: 'mediancut' }, {}],
];

const mercator = getSRS('EPSG:3857');
const toMercator = (code: string) => {
  const srs = getSRS(code);
  return (pts: Point[]): Point[] => srs.transformTo(mercator, pts);
};

/** The window of the mosaic (pixels) and its EPSG:3857 extent. */
function window(x: number, y: number, width: number, height: number) {
  const res = (MOSAIC[2] - MOSAIC[0]) / (COLS * TILE);
  const bbox: BBox = [MOSAIC[0] + x * res, MOSAIC[3] - (y + height) * res, MOSAIC[0] + (x + width) * res, MOSAIC[3] - y * res];
  return { rect: { x, y, width, height }, bbox };
}

async function same(code: string, dst: BBox, size: Size, method: Resampling, transparent: boolean, what: string, fmts = formats) {
  const { rect, bbox } = window(5, 3, COLS * TILE - 9, ROWS * TILE - 7);
  const canvas = transparent ? { transparent: true } : { transparent: false, bgcolor: [1, 2, 3] as const };
  const mosaic = tileMosaic(tiles(), [COLS, ROWS], [TILE, TILE], rect, canvas);
  // The long way from the window drawn whole: no row-by-row reading, no scratch, no fused quantizing.
  const drawn = await warp(await composeMosaicImage(mosaic), bbox, dst, size, toMercator(code), method);
  assert.ok(drawn.data.equals((await warp(mosaic, bbox, dst, size, toMercator(code), method)).data), 'warp() of the mosaic: the same pixels');
  for (const [name, format, opts] of fmts) {
    const deferred = ImageResult.fromDeferred(warpedMosaic(mosaic, bbox, dst, size, toMercator(code), method));
    assert.deepEqual(deferred.size, size);
    const fused = await deferred.encode(format, opts);
    assert.ok(fused.equals(await encode(drawn, format, opts)), `${what}: ${name}, ${code} ${dst.join(',')} ${size.join('x')} ${method}`);
    assert.equal(deferred.hasRaw, false, 'written without drawing the pixels in JavaScript');
  }
}

test('a map in EPSG:4326 (separable) or EPSG:25832 (mesh) written straight as a paletted PNG has the bytes of warp() and encode()', async () => {
  const src = window(0, 0, COLS * TILE, ROWS * TILE).bbox;
  const size: Size = [300, 200];
  assert.ok('xs' in warpPlan([256, 192], src, [6, 48, 13, 53], size, toMercator('EPSG:4326')), 'EPSG:4326 samples separable axes');
  assert.ok('quads' in warpPlan([256, 192], src, [350_000, 5_400_000, 850_000, 5_900_000], size, toMercator('EPSG:25832')), 'EPSG:25832 a mesh');
  for (const transparent of [true, false]) {
    // Inside the source, and reaching past it (transparent there); inline and on the pool (512² maps).
    await same('EPSG:4326', [6.5, 47.5, 12.5, 52.5], [300, 200], 'bicubic', transparent, 'inside');
    await same('EPSG:4326', [3, 45, 16, 56], [512, 512], 'bicubic', transparent, 'past the edges');
    await same('EPSG:25832', [380_000, 5_300_000, 880_000, 5_800_000], [300, 200], 'bicubic', transparent, 'inside');
    await same('EPSG:25832', [100_000, 5_000_000, 1_100_000, 6_200_000], [512, 512], 'bicubic', transparent, 'past the edges');
  }
});

test('random reprojected maps in EPSG:4326 and EPSG:25832 give the bytes of the long way', async () => {
  let seed = 4242;
  const below = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  for (let i = 0; i < 24; i++) {
    const size: Size = [1 + below(160), 1 + below(160)];
    const method = (['nearest', 'bilinear', 'bicubic'] as const)[i % 3]!;
    const geographic = i % 2 === 0;
    // Centres around the mosaic (and a little past it), extents from a few source pixels to more than the source.
    const dst: BBox = geographic
      ? ((cx, cy, w) => [cx - w, cy - w * 0.7, cx + w, cy + w * 0.7] as BBox)(4 + below(110) / 10, 46 + below(100) / 10, 0.05 + below(60) / 10)
      : ((cx, cy, w) => [cx - w, cy - w * 1.2, cx + w, cy + w * 1.2] as BBox)(250_000 + below(700_000), 5_200_000 + below(800_000), 5_000 + below(400_000));
    await same(geographic ? 'EPSG:4326' : 'EPSG:25832', dst, size, method, i % 4 < 2, `case ${i}`, formats.slice(0, 1));
  }
});

test('a deferred reprojected map drawn for other uses is warp()\'s RGBA', async () => {
  const { rect, bbox } = window(0, 0, COLS * TILE, ROWS * TILE);
  const mosaic = tileMosaic(tiles(), [COLS, ROWS], [TILE, TILE], rect, { transparent: true });
  const dst: BBox = [380_000, 5_300_000, 880_000, 5_800_000];
  const expected = await warp(mosaic, bbox, dst, [120, 90], toMercator('EPSG:25832'), 'bicubic');
  const result = ImageResult.fromDeferred(warpedMosaic(mosaic, bbox, dst, [120, 90], toMercator('EPSG:25832'), 'bicubic'));
  assert.ok((await result.raw()).data.equals(expected.data));
  assert.ok((await result.encode(png)).equals(await encode(expected, png)));
});

test('warpPng refuses positions that do not fit the map, bad sizes and options with a RangeError', () => {
  const { rect } = window(0, 0, COLS * TILE, ROWS * TILE);
  const mosaic = tileMosaic(tiles(), [COLS, ROWS], [TILE, TILE], rect, { transparent: true });
  const raw = kernel<(...args: unknown[]) => Buffer>('warpPng');
  const options = Int32Array.from([256, 0, 1, 255, 255, 255]);
  const xs = Float64Array.from({ length: 10 }, (_, i) => i * 3.5);
  const ys = Float64Array.from({ length: 8 }, (_, j) => j * 2.5);
  const quad = Float64Array.from([0, 0, 10, 8, 0, 0, 0, 20, 35, 20, 35, 0]);
  const call = (...over: [number, unknown][]) => {
    const args: unknown[] = [mosaic.geometry, mosaic.buffers, 10, 8, true, xs, ys, 2, options, false];
    for (const [i, v] of over) args[i] = v;
    return () => raw(...args);
  };
  assert.ok(call()().subarray(1, 4).equals(Buffer.from('PNG')));
  assert.ok(call([4, false], [5, quad], [6, new Float64Array(0)])().subarray(1, 4).equals(Buffer.from('PNG')));
  assert.throws(call([2, 0]), RangeError, 'no width');
  assert.throws(call([3, 70000]), RangeError, 'too high');
  assert.throws(call([2, 11]), /positions/, 'one x short');
  assert.throws(call([6, new Float64Array(9)]), /positions/, 'one y too many');
  assert.throws(call([4, false], [5, Float64Array.from([0, 0, 11, 8, 0, 0, 0, 1, 1, 1, 1, 0])], [6, new Float64Array(0)]), /quads/, 'quad past the map');
  assert.throws(call([4, false], [5, quad.subarray(0, 11)], [6, new Float64Array(0)]), RangeError, 'partial quad');
  assert.throws(call([4, false], [5, quad], [6, Float64Array.from([10, 0, 1, 1])]), /points/, 'point off the map');
  assert.throws(call([7, 3]), RangeError, 'method');
  assert.throws(call([8, Int32Array.from([256, 0, 1, 255, 255])]), RangeError, 'short options');
  assert.throws(call([0, new Int32Array(3)]), RangeError, 'geometry without a header');
  assert.throws(call([1, [null]]), RangeError, 'buffers of the wrong count');
});
