import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernel } from '../../src/core/native/kernels.js';
import { composeMosaic, mosaicWindow } from '../../src/core/native/compose.js';
import { POINT_DOUBLES, warpAxes, warpMesh } from '../../src/core/native/warp.js';
import { paint } from './image-helpers.js';

// The separable fill (kernels/warp_axes.c): the same pixels as the mesh fill sampling the same positions one by
// one, inline or on the libuv pool, from an image or a mosaic window, and clear errors for bad arguments.

const METHODS = ['nearest', 'bilinear', 'bicubic'] as const;
// Flat areas, edges and partly transparent pixels: every branch of the filters.
const src = paint(97, 83, (x, y) => (x < 30 && y < 40 ? [200, 40, 10, 255] : [(x * 13) & 255, (y * 7) & 255, (x ^ y) & 255, x > 70 ? (y * 3) & 255 : 255]));
const blank = (w: number, h: number) => ({ data: Buffer.alloc(w * h * 4), width: w, height: h });

/** Positions for every column and row: inside, at the edges, outside, and not finite. */
function axes(w: number, h: number): { xs: Float64Array; ys: Float64Array } {
  const xs = Float64Array.from({ length: w }, (_, i) => -3.2 + i * 1.37 + 0.05 * Math.sin(i));
  const ys = Float64Array.from({ length: h }, (_, j) => 90 - j * 1.61 - 0.0007 * j * j);
  xs[5] = NaN;
  ys[3] = Infinity;
  return { xs, ys };
}

describe('warpAxes', () => {
  it('gives the pixels of the mesh fill sampling each position alone', async () => {
    const [w, h] = [77, 61];
    const { xs, ys } = axes(w, h);
    const points = new Float64Array(w * h * POINT_DOUBLES);
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) points.set([i, j, xs[i]!, ys[j]!], (j * w + i) * POINT_DOUBLES);
    for (const method of METHODS) {
      const a = blank(w, h);
      const b = blank(w, h);
      await warpAxes(src, a, xs, ys, method);
      await warpMesh(src, b, new Float64Array(0), points, method);
      assert.ok(a.data.equals(b.data), method);
      assert.ok(a.data.some((v) => v !== 0) && a.data.some((v, k) => k % 4 === 3 && v === 0), `${method}: some pixels sampled, some outside`);
    }
  });

  it('gives the inline result on the pool, and from a mosaic window the composed window\'s', async () => {
    const raw = kernel<(...args: unknown[]) => unknown>('warpAxes');
    const tile = paint(64, 64, (x, y) => [x * 4, y * 4, (x * y) & 255, y % 5 ? 255 : 100]);
    const mosaic = mosaicWindow(10, 7, 100, 110, [{ kind: 'rgba', image: tile }, null, { kind: 'rgba', image: tile }, { kind: 'rgba', image: tile }], 2, 2, 64, 64);
    const composed = blank(100, 110);
    await composeMosaic(composed, mosaic);
    // Big enough for the pool (native/pool.ts).
    const [w, h] = [520, 510];
    const { xs, ys } = axes(w, h);
    for (const [m, method] of METHODS.entries()) {
      const a = blank(w, h);
      const b = blank(w, h);
      const c = blank(w, h);
      const pending = warpAxes(composed, a, xs.map((x) => x / 6), ys.map((y) => y * 1.1), method);
      assert.ok(pending instanceof Promise, 'on the pool');
      await pending;
      raw(composed.data, 100, 110, b.data, w, h, xs.map((x) => x / 6), ys.map((y) => y * 1.1), m, false);
      await warpAxes(mosaic, c, xs.map((x) => x / 6), ys.map((y) => y * 1.1), method);
      assert.ok(a.data.equals(b.data), `${method}: inline`);
      assert.ok(a.data.equals(c.data), `${method}: mosaic`);
    }
  });

  it('refuses positions that do not match the destination, and bad arguments', () => {
    const raw = kernel<(...args: unknown[]) => unknown>('warpAxes');
    const out = blank(10, 8);
    const xs = new Float64Array(10);
    const ys = new Float64Array(8);
    assert.throws(() => warpAxes(src, out, new Float64Array(9), ys, 'bicubic'), /9 and 8 positions for 10x8/);
    assert.throws(() => raw(src.data, 97, 83, out.data, 10, 8, xs, new Float64Array(9), 2, false), /axes: 10 and 9 positions for 10x8 pixels/);
    assert.throws(() => raw(src.data, 97, 83, out.data, 10, 8, new Float32Array(10), ys, 2, false), /xs must be a Float64Array/);
    assert.throws(() => raw(src.data, 97, 84, out.data, 10, 8, xs, ys, 2, false), /src: 32204 bytes for 97x84/);
    assert.throws(() => raw(src.data, 97, 83, out.data, 10, 8, xs, ys, 3, false), /method must be an integer in \[0, 2\]/);
    assert.throws(() => raw(src.data, 97, 83, out.data, 10, 8, xs, ys, 2), /expects 10 arguments, got 9/);
    const mosaicRaw = kernel<(...args: unknown[]) => unknown>('warpAxesMosaic');
    const good = mosaicWindow(0, 0, 10, 10, [{ kind: 'rgba', image: src }], 1, 1, 97, 83);
    assert.throws(() => mosaicRaw(good.geometry.subarray(0, 8), good.buffers, out.data, 10, 8, xs, ys, 2, false), /geometry is not an Int32Array/);
    assert.throws(() => mosaicRaw(good.geometry, good.buffers, out.data, 10, 8, xs, new Float64Array(7), 2, false), /axes: 10 and 7 positions/);
  });
});
