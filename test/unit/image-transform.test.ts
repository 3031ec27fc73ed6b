import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BBox, Point } from '../../src/core/geo/bbox.js';
import { resample, warp } from '../../src/core/image/transform.js';
import { BLUE, GREEN, paint, px, quadrants, RED, YELLOW } from './image-helpers.js';

test('resample at the same resolution crops exactly the right pixels', async () => {
  const src = quadrants(200, 200); // bbox 0..200: red top-left, green top-right, blue bottom-left
  const out = await resample(src, [0, 0, 200, 200], [50, 50, 150, 150], [100, 100], 'bicubic');
  assert.equal(out.width, 100);
  assert.deepEqual(px(out, 10, 10), RED);
  assert.deepEqual(px(out, 90, 10), GREEN);
  assert.deepEqual(px(out, 10, 90), BLUE);
  assert.deepEqual(px(out, 90, 90), YELLOW);
  assert.deepEqual(px(out, 49, 49), RED);
  assert.deepEqual(px(out, 50, 50), YELLOW);
});

test('resample scales down with nearest', async () => {
  const out = await resample(quadrants(200, 200), [0, 0, 200, 200], [0, 0, 200, 200], [50, 50], 'nearest');
  assert.deepEqual(px(out, 24, 24), RED);
  assert.deepEqual(px(out, 25, 24), GREEN);
  assert.deepEqual(px(out, 24, 25), BLUE);
});

// A ramp: red = column index, so the sampled source position can be read back from the pixel.
const ramp = paint(100, 10, (x) => [x, 0, 0, 255]);
const rampBBox: BBox = [0, 0, 100, 10];

test('resample honours fractional offsets (unaligned tiles)', async () => {
  const dst: BBox = [10.5, 0, 20.5, 10]; // 2x upscale, half a source pixel off the grid
  const nearest = await resample(ramp, rampBBox, dst, [20, 10], 'nearest');
  assert.deepEqual([0, 1, 2, 3, 4, 19].map((i) => px(nearest, i, 5)[0]), [10, 11, 11, 12, 12, 20]);
  for (const method of ['bilinear', 'bicubic'] as const) {
    const out = await resample(ramp, rampBBox, dst, [20, 10], method);
    for (let i = 0; i < 20; i++) {
      const expected = 10.5 + (i + 0.5) * 0.5 - 0.5; // interpolated value at the pixel centre
      const got = px(out, i, 5)[0];
      // Pillow truncates: bilinear reproduces the ramp, so its value is the floor; Pillow's bicubic (a = -1)
      // bends a ramp slightly, within a unit.
      if (method === 'bilinear') assert.equal(got, Math.floor(expected), `bilinear col ${i}`);
      else assert.ok(Math.abs(got - expected) <= 1, `bicubic col ${i}: ${got} vs ${expected}`);
      assert.equal(px(out, i, 5)[3], 255);
    }
  }
});

test('resample leaves areas outside the source transparent', async () => {
  const out = await resample(paint(10, 10, () => RED), [0, 0, 10, 10], [-10, 0, 10, 10], [40, 20], 'bilinear');
  assert.equal(px(out, 5, 10)[3], 0);
  assert.deepEqual(px(out, 30, 10), RED);
});

test('warp with the identity mapping reproduces the source', async () => {
  const src = paint(64, 48, (x, y) => [x * 3, y * 5, (x * y) % 256, 255]);
  const bbox: BBox = [100, 200, 164, 248];
  const out = await warp(src, bbox, bbox, [64, 48], (p) => p, 'nearest');
  assert.ok(out.data.equals(src.data));
  const bicubic = await warp(src, bbox, bbox, [64, 48], (p) => p, 'bicubic');
  assert.ok(bicubic.data.equals(src.data), 'bicubic at pixel centres is exact');
});

// Web-Mercator-like stretch of latitudes: destination y = R·ln(tan(π/4 + φ/2)).
const R = 6378137;
const D2R = Math.PI / 180;
const toMerc = ([lon, lat]: Point): Point => [lon * D2R * R, R * Math.log(Math.tan(Math.PI / 4 + (lat * D2R) / 2))];
const fromMerc = ([x, y]: Point): Point => [x / R / D2R, (2 * Math.atan(Math.exp(y / R)) - Math.PI / 2) / D2R];

/** Source in degrees, red = column, green = row: each output pixel tells where it was sampled. */
const geo = paint(180, 120, (x, y) => [x, y, 0, 255]);
const geoBBox: BBox = [-90, -60, 90, 60];

// Meridians converging towards the poles: the source x depends on the latitude too (not separable).
const converging = ([x, y]: Point): Point => {
  const [lon, lat] = fromMerc([x, y]);
  return [lon * (1 - 0.2 * (lat / 60) ** 2), lat];
};

/** Where pixel (i, j) of a `size` map of `dst` lies in `geo` through `mapping`, in whole source pixels. */
function exactSourcePixel(mapping: (p: Point) => Point, dst: BBox, size: [number, number], i: number, j: number): Point {
  const wx = dst[0] + ((i + 0.5) * (dst[2] - dst[0])) / size[0];
  const wy = dst[3] - ((j + 0.5) * (dst[3] - dst[1])) / size[1];
  const [lon, lat] = mapping([wx, wy]);
  return [Math.floor(lon + 90), Math.floor(60 - lat)];
}

/** How far (in source pixels) each pixel of a nearest-neighbour warp of `geo` is from where `mapping` puts it. */
async function warpErrors(mapping: (p: Point) => Point, maxErrorPx: number): Promise<{ max: number; mean: number }> {
  const lo = toMerc([-90, -60]);
  const hi = toMerc([90, 60]);
  const dst: BBox = [lo[0], lo[1], hi[0], hi[1]];
  const size: [number, number] = [200, 240];
  const out = await warp(geo, geoBBox, dst, size, (pts) => pts.map(mapping), 'nearest', { maxErrorPx });
  let max = 0;
  let sum = 0;
  for (let j = 0; j < size[1]; j++) {
    for (let i = 0; i < size[0]; i++) {
      const [ex, ey] = exactSourcePixel(mapping, dst, size, i, j);
      const [r, g, , a] = px(out, i, j);
      assert.equal(a, 255, `pixel ${i},${j} inside the source must be opaque`);
      const e = Math.max(Math.abs(r - ex), Math.abs(g - ey));
      max = Math.max(max, e);
      sum += e;
    }
  }
  return { max, mean: sum / (size[0] * size[1]) };
}

test('warp of a latitude stretch (4326 → mercator, separable) samples every pixel where the projection puts it', async () => {
  // No mesh: each column and row is mapped exactly, whatever error a mesh would be allowed.
  const { max, mean } = await warpErrors(fromMerc, 1e9);
  assert.ok(max <= 1, `max error ${max}`);
  assert.ok(mean < 0.001, `mean error ${mean}`);
});

test('warp of a mapping that is not separable is within 1 px everywhere', async () => {
  const { max, mean } = await warpErrors(converging, 0.5);
  assert.ok(max <= 1, `max error ${max}`);
  // Positions up to half a pixel off move about one sample in eight across a pixel boundary.
  assert.ok(mean < 0.2, `mean error ${mean}`);
});

test('warp without mesh refinement is visibly wrong (the refinement matters)', async () => {
  assert.ok((await warpErrors(converging, 1e9)).max > 2);
});

test('warp leaves the part outside the source transparent', async () => {
  const lo = toMerc([-90, -60]);
  const hi = toMerc([90, 75]); // north of the source extent
  const size: [number, number] = [100, 100];
  const out = await warp(geo, geoBBox, [lo[0], lo[1], hi[0], hi[1]], size, (pts) => pts.map(fromMerc), 'bilinear');
  assert.equal(px(out, 50, 2)[3], 0);
  assert.equal(px(out, 50, 98)[3], 255);
});

test('warp survives a mapping that fails for some points', async () => {
  const src = paint(10, 10, () => RED);
  const bbox: BBox = [0, 0, 10, 10];
  const out = await warp(src, bbox, bbox, [10, 10], (pts) => {
    if (pts.some(([x]) => x > 7)) throw new Error('outside domain');
    return pts;
  }, 'nearest');
  assert.deepEqual(px(out, 2, 2), RED);
  assert.equal(px(out, 9, 2)[3], 0);
});

test('warp of an axis-aligned scaling equals resample (the mesh fill samples as the EXTENT transform)', async () => {
  const src = paint(97, 61, (x, y) => [(x * 37) & 255, (y * 11) & 255, (x * y) & 255, x < 50 ? 255 : (x * 5) & 255]);
  const srcBBox: BBox = [0, 0, 97, 61];
  const dst: BBox = [3.3, 2.7, 80.1, 55.9];
  for (const method of ['nearest', 'bilinear', 'bicubic'] as const) {
    const a = await resample(src, srcBBox, dst, [50, 40], method);
    const b = await warp(src, srcBBox, dst, [50, 40], (p) => p, method);
    // Positions come from different (equally exact) formulas: at most a rounding step apart.
    let off = 0;
    for (let i = 0; i < a.data.length; i++) if (Math.abs(a.data[i]! - b.data[i]!) > 1) off++;
    assert.ok(off === 0, `${method}: ${off} channels differ by more than 1`);
  }
});

test('resample of a source with fully transparent areas does not bleed their colour', async () => {
  // Left half opaque red, right half transparent "green" (colour values behind alpha 0).
  const src = paint(40, 20, (x) => (x < 20 ? [255, 0, 0, 255] : [0, 255, 0, 0]));
  for (const method of ['bilinear', 'bicubic'] as const) {
    const out = await resample(src, [0, 0, 40, 20], [0.3, 0, 39.7, 20], [57, 29], method);
    for (let j = 0; j < out.height; j++) {
      for (let i = 0; i < out.width; i++) {
        const [r, g, , a] = px(out, i, j);
        if (a > 0) assert.ok(r === 255 && g === 0, `${method} (${i},${j}) bleeds: ${px(out, i, j)}`);
      }
      assert.equal(px(out, out.width - 1, j)[3], 0, 'right edge stays transparent');
      assert.equal(px(out, 0, j)[3], 255);
    }
  }
});
