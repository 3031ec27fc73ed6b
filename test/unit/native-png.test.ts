import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernel } from '../../src/core/native/kernels.js';
import {
  pngDataSize,
  pngFilterRgba,
  pngFilterRgbaAsync,
  pngIndexStats,
  pngPackIndices,
  pngPalette,
  pngToIndices,
  pngToRgba,
  pngUnfilter,
  type PngHeader,
} from '../../src/core/native/png.js';

const rgb = (width: number, height: number): PngHeader => ({ width, height, depth: 8, colorType: 2, interlace: 0 });

// The PNG kernels alone: sizes they compute, checks they make on hostile arguments, and the encoder's rows.
describe('native PNG kernels', () => {
  it('computes the image data size of plain and Adam7 images', () => {
    assert.equal(pngDataSize(rgb(5, 3)), 3 * (1 + 15));
    assert.equal(pngDataSize({ width: 10, height: 1, depth: 1, colorType: 0, interlace: 0 }), 1 + 2);
    // Adam7 of 1×1: only the first pass has a pixel; of 3×2: passes 1, 4 (x=2), 6 (x=1), 7 (row 1).
    assert.equal(pngDataSize({ ...rgb(1, 1), interlace: 1 }), 1 + 3);
    assert.equal(pngDataSize({ ...rgb(3, 2), interlace: 1 }), 4 + 4 + 4 + (1 + 9));
    assert.equal(pngDataSize({ width: 3, height: 2, depth: 16, colorType: 6, interlace: 0 }), 2 * (1 + 24));
  });

  it('refuses headers, buffers and arguments it cannot check, without touching memory', () => {
    assert.throws(() => pngDataSize({ ...rgb(1, 1), depth: 4 }), /bit depth 4 is not valid for colour type 2/);
    assert.throws(() => pngDataSize(rgb(20000, 20000)), /above the limit/);
    assert.throws(() => pngDataSize({ ...rgb(1, 1), width: 1.5 }), /not valid/);
    const data = Buffer.alloc(pngDataSize(rgb(5, 3)));
    assert.throws(() => pngUnfilter(data.subarray(1), rgb(5, 3)), /truncated: 47 of 48 bytes/);
    assert.throws(() => pngToRgba(data, rgb(5, 3), null, null, Buffer.alloc(59)), /59 bytes for 5x3/);
    assert.throws(() => pngToIndices(data, rgb(5, 3), Buffer.alloc(15)), /colour type 2 has no palette indices/);
    const raw = kernel<(...args: unknown[]) => unknown>('pngToRgba');
    assert.throws(() => raw(data, new Uint32Array(4), Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(60), false), /header must be a Uint32Array of 5/);
    assert.throws(() => raw(data, Uint32Array.of(5, 3, 8, 2, 0), Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(61), false), /out must hold/);
    assert.throws(() => raw(data), /expects 6 arguments/);
    assert.throws(() => kernel<(...args: unknown[]) => unknown>('pngPackIndices')(Buffer.alloc(4), 2, 2, 0, 0, 2, 2, 300, 8, Buffer.alloc(6)), /fill must be an integer in \[0, 255\]/);
    assert.throws(() => pngPackIndices({ indices: new Uint8Array(4), width: 2, height: 2 }, 0, 0, 2, 2, 5, 2), /fill index 5 does not fit 2 bits/);
    assert.throws(() => pngIndexStats({ indices: new Uint8Array(4), width: 2, height: 2 }, 0, 0, 3, 2), /rectangle to 3,2/);
  });

  it('builds palettes with tRNS alpha and grey levels with a colour key', () => {
    const pal = pngPalette({ width: 1, height: 1, depth: 4, colorType: 3, interlace: 0 }, Buffer.from([1, 2, 3, 4, 5, 6]), Buffer.from([9]));
    assert.deepEqual([...pal.subarray(0, 12)], [1, 2, 3, 9, 4, 5, 6, 255, 0, 0, 0, 255]);
    const grey = pngPalette({ width: 1, height: 1, depth: 2, colorType: 0, interlace: 0 }, null, Buffer.from([0, 2]));
    assert.deepEqual([...grey.subarray(0, 16)], [0, 0, 0, 255, 85, 85, 85, 255, 170, 170, 170, 0, 255, 255, 255, 255]);
  });

  it('writes rows that unfilter to the input, choosing filters per row, inline and on the pool', async () => {
    const w = 37;
    const h = 29;
    const rgba = Buffer.alloc(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w * 4; x++) rgba[y * w * 4 + x] = y % 3 === 0 ? 77 : y % 3 === 1 ? (x * 5 + y) & 255 : (x * y * 13) & 255;
    }
    for (const channels of [3, 4] as const) {
      const rows = pngFilterRgba(rgba, w, h, channels);
      assert.ok((await pngFilterRgbaAsync(rgba, w, h, channels)).equals(rows));
      const types = new Set(Array.from({ length: h }, (_, y) => rows[y * (1 + w * channels)]));
      assert.ok(types.size >= 2, `filter types ${[...types]}`);
      const out = Buffer.alloc(w * h * 4);
      pngToRgba(rows, { width: w, height: h, depth: 8, colorType: channels === 4 ? 6 : 2, interlace: 0 }, null, null, out);
      for (let i = 0; i < out.length; i++) assert.equal(out[i], i % 4 === 3 && channels === 3 ? 255 : rgba[i], `byte ${i}`);
    }
  });

  it('packs index rectangles at 1, 2, 4 and 8 bits with a fill outside the image, and measures them', () => {
    const img = { indices: Uint8Array.from({ length: 7 * 5 }, (_, i) => (i * 3) % 4), width: 7, height: 5 };
    for (const depth of [2, 4, 8] as const) {
      const rows = pngPackIndices(img, -2, 1, 6, 5, 3, depth);
      const stride = Math.ceil((6 * depth) / 8);
      assert.equal(rows.length, 5 * (1 + stride));
      for (let ty = 0; ty < 5; ty++) {
        assert.equal(rows[ty * (1 + stride)], 0, 'filter type 0');
        for (let tx = 0; tx < 6; tx++) {
          const [x, y] = [tx - 2, ty + 1];
          const expected = x >= 0 && y < 5 ? img.indices[y * 7 + x] : 3;
          const byte = rows[ty * (1 + stride) + 1 + Math.floor((tx * depth) / 8)]!;
          assert.equal((byte >> (8 - depth - ((tx * depth) % 8))) & ((1 << depth) - 1), expected, `depth ${depth} pixel ${tx},${ty}`);
        }
      }
    }
    // Whole rows inside the image (how a tile's own indices are packed), widths that leave a last byte part-filled.
    for (const depth of [1, 2, 4, 8] as const) {
      for (const width of [1, 7, 9, 17]) {
        const inside = { indices: Uint8Array.from({ length: width * 3 }, (_, i) => (i * 5 + (i >> 3)) % (1 << depth)), width, height: 3 };
        const rows = pngPackIndices(inside, 0, 0, width, 3, 0, depth);
        const stride = Math.ceil((width * depth) / 8);
        assert.equal(rows.length, 3 * (1 + stride));
        for (let y = 0; y < 3; y++) {
          const row = rows.subarray(y * (1 + stride) + 1, (y + 1) * (1 + stride));
          const expected = Buffer.alloc(stride);
          for (let x = 0; x < width; x++) expected[Math.floor((x * depth) / 8)]! |= inside.indices[y * width + x]! << (8 - depth - ((x * depth) % 8));
          assert.ok(row.equals(expected), `depth ${depth} width ${width} row ${y}`);
        }
      }
    }
    assert.deepEqual(pngIndexStats(img, 1, 1, 4, 3), { maxIndex: 3, changes: 4 });
    assert.deepEqual(pngIndexStats(img, 2, 2, 2, 3), { maxIndex: 0, changes: 0 });
  });
});
