import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Point } from '../../src/core/geo/bbox.js';
import { composeWindow, tileMosaic } from '../../src/core/image/compose.js';
import type { TilePixels } from '../../src/core/image/tile-pixels.js';
import { resample, warp } from '../../src/core/image/transform.js';
import { paint } from './image-helpers.js';

// resample() and warp() of a mosaic window (the kernel composes the window itself) against the same calls on the
// window composed first: byte for byte the same map, small (inline) and big (on the libuv pool), RGBA and
// paletted tiles, missing tiles on an opaque canvas.

function tiles(size: number): TilePixels[] {
  const palette = new Uint32Array(256);
  const bytes = new Uint8Array(palette.buffer);
  for (let i = 0; i < 256; i++) bytes.set([i, 255 - i, (i * 7) & 255, i % 5 === 0 ? 128 : 255], i * 4);
  const indices = new Uint8Array((size + 1) * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) indices[y * (size + 1) + 1 + x] = (x * 3 + y * 5) & 255;
  const paletted: TilePixels = { kind: 'paletted', px: { width: size, height: size, indices, pitch: size + 1, first: 1, palette } };
  const rgba = (k: number): TilePixels => ({ kind: 'rgba', raw: paint(size, size, (x, y) => [(x * k) & 255, (y * 3) & 255, (x ^ y) & 255, y % 7 ? 255 : 90]) });
  return [rgba(5), paletted, rgba(11), paletted, rgba(2), paletted];
}

for (const size of [64, 256]) {
  test(`a ${size} px mosaic window samples as the composed window does`, async () => {
    const t = tiles(size);
    t[4] = null as unknown as TilePixels; // a missing tile
    const window = { x: 7, y: 5, width: 3 * size - 20, height: 2 * size - 9 };
    const canvas = { transparent: false, bgcolor: [10, 200, 30] as const };
    const composed = await composeWindow(t, [3, 2], [size, size], window, canvas);
    const mosaic = tileMosaic(t, [3, 2], [size, size], window, canvas);
    const bbox = [0, 0, window.width, window.height] as const;
    const dst = [2.5, 3.25, window.width - 4.5, window.height - 1.75] as const;
    const dstSize = [Math.round(size * 2.2), Math.round(size * 1.3)] as const;
    for (const method of ['nearest', 'bilinear', 'bicubic'] as const) {
      const a = await resample(composed, [...bbox], [...dst], [...dstSize], method);
      const b = await resample(mosaic, [...bbox], [...dst], [...dstSize], method);
      assert.ok(a.data.equals(b.data), `resample ${method}`);
      const shear = (pts: Point[]): Point[] => pts.map(([x, y]) => [x + 0.1 * y, y + 0.00002 * x * x]);
      const c = await warp(composed, [...bbox], [...dst], [...dstSize], shear, method);
      const d = await warp(mosaic, [...bbox], [...dst], [...dstSize], shear, method);
      assert.ok(c.data.equals(d.data), `warp ${method}`);
      assert.ok(d.data.some((v) => v !== 0));
    }
    // Same resolution: a crop of the composed window.
    const crop = await resample(mosaic, [...bbox], [3, 4, 3 + size, 4 + size], [size, size]);
    const expected = await resample(composed, [...bbox], [3, 4, 3 + size, 4 + size], [size, size]);
    assert.ok(crop.data.equals(expected.data), 'crop');
  });
}
