import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resample } from '../../src/core/image/transform.js';
import { kernel } from '../../src/core/native/kernels.js';
import { composeMosaic, mosaicWindow } from '../../src/core/native/compose.js';
import { compositeLayers } from '../../src/core/native/composite.js';
import { resampleExtent } from '../../src/core/native/resample.js';
import { QUAD_DOUBLES, warpMesh } from '../../src/core/native/warp.js';
import { paint } from './image-helpers.js';

// The image kernels as async work on the libuv pool: same pixels as inline, safe when many run at once, clear
// errors for bad arguments, and the event loop free while they run.

const src = paint(173, 119, (x, y) => [(x * 13) & 255, (y * 7) & 255, (x ^ y) & 255, x > 120 ? (y * 3) & 255 : 255]);
const blank = (w: number, h: number) => ({ data: Buffer.alloc(w * h * 4), width: w, height: h });
const quads = Float64Array.from([0, 0, 60, 40, 5, 3, 9, 110, 150, 100, 160, 8, 60, 0, 90, 40, 160, 8, 150, 100, 170, 115, 171, 2]);
const points = Float64Array.from([1, 45, 20.5, 30.25, 2, 45, NaN, NaN]);

/** The raw addon functions, for the inline (async = false) variants the wrappers do not offer. */
const raw = {
  resample: kernel<(...args: unknown[]) => unknown>('resampleExtent'),
  warp: kernel<(...args: unknown[]) => unknown>('warpMesh'),
  compose: kernel<(...args: unknown[]) => unknown>('composeWindow'),
  merge: kernel<(...args: unknown[]) => unknown>('mergeLayers'),
};

describe('image kernels off the event loop', () => {
  it('give the inline results: resample, warp, compose and merge', async () => {
    for (const method of ['nearest', 'bilinear', 'bicubic'] as const) {
      const m = { nearest: 0, bilinear: 1, bicubic: 2 }[method];
      const a = blank(90, 70);
      const b = blank(90, 70);
      await resampleExtent(src, a, [3.2, -4.1, 150.7, 99.9], method);
      assert.equal(raw.resample(src.data, 173, 119, b.data, 90, 70, 3.2, -4.1, 150.7, 99.9, m, false), undefined);
      assert.ok(a.data.equals(b.data), `resample ${method}`);
      const c = blank(90, 50);
      const d = blank(90, 50);
      await warpMesh(src, c, quads, points, method);
      raw.warp(src.data, 173, 119, d.data, 90, 50, quads, points, m, false);
      assert.ok(c.data.equals(d.data), `warp ${method}`);
      assert.ok(c.data.some((v) => v !== 0));
    }
    const tile = paint(16, 16, (x, y) => [x * 16, y * 16, 7, 255]);
    const e = blank(20, 20);
    const f = blank(20, 20);
    const mosaic = mosaicWindow(6, 6, 20, 20, [{ kind: 'rgba', image: tile }, null, null, { kind: 'rgba', image: tile }], 2, 2, 16, 16);
    await raw.compose(e.data, 20, 20, mosaic.geometry, mosaic.buffers, true);
    const geometry = Int32Array.from([6, 6, 20, 20, 16, 16, 2, 2, 0, 1, 16, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 16, 16, 0, 0]);
    raw.compose(f.data, 20, 20, geometry, [tile.data, null, null, null, null, null, tile.data, null], false);
    assert.ok(e.data.equals(f.data), 'compose');
    const g = { data: Buffer.from(src.data), width: 173, height: 119 };
    const h = { data: Buffer.from(src.data), width: 173, height: 119 };
    const layer = paint(100, 100, (x, y) => [x, y, 99, (x * y) & 255]);
    await compositeLayers(g, [{ image: layer, opacity: 0.6 }], false);
    raw.merge(h.data, 173, 119, [layer.data], Float64Array.from([100, 100, 0.6]), false, false);
    assert.ok(g.data.equals(h.data), 'merge');
  });

  it('run many at once, each with its own result', async () => {
    const expected = new Map<number, Buffer>();
    const jobs = [];
    for (let k = 0; k < 64; k++) {
      const w = 40 + k;
      const extent = [k * 0.7, k * 0.3, 100 + k, 90 - k * 0.2] as const;
      const inline = blank(w, 33);
      raw.resample(src.data, 173, 119, inline.data, w, 33, ...extent, k % 3, false);
      expected.set(k, inline.data);
      const out = blank(w, 33);
      jobs.push((raw.resample(src.data, 173, 119, out.data, w, 33, ...extent, k % 3, true) as Promise<void>).then(() => out));
    }
    const outs = await Promise.all(jobs);
    outs.forEach((out, k) => assert.ok(out.data.equals(expected.get(k)!), `job ${k}`));
  });

  it('refuse bad arguments with errors that say which', async () => {
    const out = blank(10, 10);
    assert.throws(() => raw.resample(src.data, 173, 119, out.data, 10, 10, 0, 0, 1, 1, 2), /expects 12 arguments, got 11/);
    assert.throws(() => raw.resample(src.data, 173, 118, out.data, 10, 10, 0, 0, 1, 1, 2, true), /src: 82348 bytes for 173x118/);
    assert.throws(() => raw.resample(src.data, 173, 119, 'out', 10, 10, 0, 0, 1, 1, 2, true), /dst must be a Buffer or TypedArray/);
    assert.throws(() => raw.resample(src.data, 173, 119, out.data, 10, 10, 0, NaN, 1, 1, 2, true), /y0 must be a finite number/);
    assert.throws(() => raw.resample(src.data, 173, 119, out.data, 10, 10, 0, 0, 1, 1, 3, true), /method must be an integer in \[0, 2\]/);
    assert.throws(() => resampleExtent(src, { data: out.data, width: 10, height: 9 }, [0, 0, 1, 1], 'bicubic'), /dst: 400 bytes for 10x9/);
    const box = (x0: number, y0: number, x1: number, y1: number) => {
      const q = new Float64Array(QUAD_DOUBLES);
      q.set([x0, y0, x1, y1]);
      return q;
    };
    assert.throws(() => warpMesh(src, out, box(0, 0, 11, 10), new Float64Array(0), 'nearest'), /box 0 is not integral and inside 10x10/);
    assert.throws(() => warpMesh(src, out, box(0, 0, 5.5, 10), new Float64Array(0), 'nearest'), /box 0/);
    assert.throws(() => warpMesh(src, out, box(3, 0, 3, 10), new Float64Array(0), 'nearest'), /box 0/);
    assert.throws(() => warpMesh(src, out, new Float64Array(0), Float64Array.from([10, 0, 1, 1]), 'nearest'), /point 0 is not a pixel/);
    assert.throws(() => raw.warp(src.data, 173, 119, out.data, 10, 10, new Float32Array(12), new Float64Array(0), 0, true), /quads must be a Float64Array/);
    const idx = new Uint8Array(10);
    const pal = new Uint32Array(256);
    const paletted = { kind: 'paletted', width: 4, height: 4, indices: idx, pitch: 4, first: 0, palette: pal } as const;
    assert.throws(() => composeMosaic(out, mosaicWindow(0, 0, 10, 10, [paletted], 1, 1, 4, 4)), /tile 0: indices shorter than the tile/);
    assert.throws(() => mosaicWindow(0, 0, 10, 10, [{ ...paletted, indices: new Uint8Array(16), palette: new Uint32Array(16) }], 1, 1, 4, 4), /palette of 16 entries/);
    assert.throws(() => composeMosaic(blank(9, 10), mosaicWindow(0, 0, 10, 10, [paletted], 1, 1, 4, 4)), /not the window's size/);
    const good = mosaicWindow(0, 0, 10, 10, [{ ...paletted, indices: new Uint8Array(16) }], 1, 1, 4, 4);
    const mosaicArgs = (geometry: Int32Array) => [geometry, good.buffers, out.data, 10, 10, 0, 0, 1, 1, 2, false];
    const rawMosaic = kernel<(...args: unknown[]) => unknown>('resampleMosaic');
    assert.throws(() => rawMosaic(...mosaicArgs(good.geometry.subarray(0, 8))), /geometry is not an Int32Array with a header/);
    assert.throws(() => rawMosaic(...mosaicArgs(good.geometry.subarray(0, 12))), /not 5 int32 per tile/);
    const huge = Int32Array.from(good.geometry);
    huge[2] = 70000;
    assert.throws(() => rawMosaic(...mosaicArgs(huge)), /window size out of range/);
    const tall = Int32Array.from(good.geometry);
    tall[11] = 9; // tile height 9 with 16 indices of pitch 4
    assert.throws(() => rawMosaic(...mosaicArgs(tall)), /resampleMosaic: tile 0: indices shorter than the tile/);
    assert.throws(() => rawMosaic(good.geometry, [null], out.data, 10, 10, 0, 0, 1, 1, 2, false), /two entries per tile/);
    assert.throws(() => compositeLayers(out, [{ image: src, opacity: 1.5 }], true), /opacity 1.5 outside/);
    // Through the image layer the same error rejects the map's promise.
    await assert.rejects(resample({ data: Buffer.alloc(12), width: 2, height: 2 }, [0, 0, 2, 2], [0, 0, 1, 1], [5, 5]), /src: 12 bytes for 2x2/);
  });

  it('leave the event loop free while they run', async () => {
    const big = paint(2048, 2048, (x, y) => [x & 255, y & 255, (x + y) & 255, 255]);
    const out = blank(2048, 2048);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    const pending = resampleExtent(big, out, [1.5, 2.5, 1900.3, 2000.7], 'bicubic');
    // The call returns at once: the pixels are computed on a pool thread.
    const returnedAfter = performance.now() - started;
    await pending;
    const took = performance.now() - started;
    clearInterval(timer);
    assert.ok(returnedAfter < took / 4, `the call took ${returnedAfter.toFixed(1)} of ${took.toFixed(1)} ms`);
    assert.ok(ticks >= 2, `timers fired ${ticks} times during ${took.toFixed(1)} ms of resampling`);
  });
});
