import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BBox, Point } from '../../src/core/geo/bbox.js';
import { resample, warp } from '../../src/core/image/transform.js';
import type { RawImage } from '../../src/core/image/raw-image.js';
import { BLUE, GREEN, near, paint, px, type Px, quadrants, RED, YELLOW } from './image-helpers.js';

test('resample at the same resolution crops exactly the right pixels', () => {
  const src = quadrants(200, 200); // bbox 0..200: red top-left, green top-right, blue bottom-left
  const out = resample(src, [0, 0, 200, 200], [50, 50, 150, 150], [100, 100], 'bicubic');
  assert.equal(out.width, 100);
  assert.deepEqual(px(out, 10, 10), RED);
  assert.deepEqual(px(out, 90, 10), GREEN);
  assert.deepEqual(px(out, 10, 90), BLUE);
  assert.deepEqual(px(out, 90, 90), YELLOW);
  assert.deepEqual(px(out, 49, 49), RED);
  assert.deepEqual(px(out, 50, 50), YELLOW);
});

test('resample scales down with nearest', () => {
  const out = resample(quadrants(200, 200), [0, 0, 200, 200], [0, 0, 200, 200], [50, 50], 'nearest');
  assert.deepEqual(px(out, 24, 24), RED);
  assert.deepEqual(px(out, 25, 24), GREEN);
  assert.deepEqual(px(out, 24, 25), BLUE);
});

// A ramp: red = column index, so the sampled source position can be read back from the pixel.
const ramp = paint(100, 10, (x) => [x, 0, 0, 255]);
const rampBBox: BBox = [0, 0, 100, 10];

test('resample honours fractional offsets (unaligned tiles)', () => {
  const dst: BBox = [10.5, 0, 20.5, 10]; // 2x upscale, half a source pixel off the grid
  const nearest = resample(ramp, rampBBox, dst, [20, 10], 'nearest');
  assert.deepEqual([0, 1, 2, 3, 4, 19].map((i) => px(nearest, i, 5)[0]), [10, 11, 11, 12, 12, 20]);
  for (const method of ['bilinear', 'bicubic'] as const) {
    const out = resample(ramp, rampBBox, dst, [20, 10], method);
    for (let i = 0; i < 20; i++) {
      const expected = 10.5 + (i + 0.5) * 0.5 - 0.5; // interpolated value at the pixel centre
      assert.ok(Math.abs(px(out, i, 5)[0] - expected) <= 0.51, `${method} col ${i}: ${px(out, i, 5)[0]} vs ${expected}`);
      assert.equal(px(out, i, 5)[3], 255);
    }
  }
});

test('resample leaves areas outside the source transparent', () => {
  const out = resample(paint(10, 10, () => RED), [0, 0, 10, 10], [-10, 0, 10, 10], [40, 20], 'bilinear');
  assert.equal(px(out, 5, 10)[3], 0);
  assert.deepEqual(px(out, 30, 10), RED);
});

test('warp with the identity mapping reproduces the source', () => {
  const src = paint(64, 48, (x, y) => [x * 3, y * 5, (x * y) % 256, 255]);
  const bbox: BBox = [100, 200, 164, 248];
  const out = warp(src, bbox, bbox, [64, 48], (p) => p, 'nearest');
  assert.ok(out.data.equals(src.data));
  const bicubic = warp(src, bbox, bbox, [64, 48], (p) => p, 'bicubic');
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

function exactSourcePixel(dst: BBox, size: [number, number], i: number, j: number): Point {
  const wx = dst[0] + ((i + 0.5) * (dst[2] - dst[0])) / size[0];
  const wy = dst[3] - ((j + 0.5) * (dst[3] - dst[1])) / size[1];
  const [lon, lat] = fromMerc([wx, wy]);
  return [Math.floor(lon + 90), Math.floor(60 - lat)];
}

function warpErrors(maxErrorPx: number): { max: number; mean: number } {
  const lo = toMerc([-90, -60]);
  const hi = toMerc([90, 60]);
  const dst: BBox = [lo[0], lo[1], hi[0], hi[1]];
  const size: [number, number] = [200, 240];
  const out = warp(geo, geoBBox, dst, size, (pts) => pts.map(fromMerc), 'nearest', { maxErrorPx });
  let max = 0;
  let sum = 0;
  for (let j = 0; j < size[1]; j++) {
    for (let i = 0; i < size[0]; i++) {
      const [ex, ey] = exactSourcePixel(dst, size, i, j);
      const [r, g, , a] = px(out, i, j);
      assert.equal(a, 255, `pixel ${i},${j} inside the source must be opaque`);
      const e = Math.max(Math.abs(r - ex), Math.abs(g - ey));
      max = Math.max(max, e);
      sum += e;
    }
  }
  return { max, mean: sum / (size[0] * size[1]) };
}

test('warp of a latitude stretch (4326 → mercator style) is within 1 px everywhere', () => {
  const { max, mean } = warpErrors(0.5);
  assert.ok(max <= 1, `max error ${max}`);
  assert.ok(mean < 0.1, `mean error ${mean}`);
});

test('warp without mesh refinement is visibly wrong (the refinement matters)', () => {
  assert.ok(warpErrors(1e9).max > 2);
});

test('warp leaves the part outside the source transparent', () => {
  const lo = toMerc([-90, -60]);
  const hi = toMerc([90, 75]); // north of the source extent
  const size: [number, number] = [100, 100];
  const out = warp(geo, geoBBox, [lo[0], lo[1], hi[0], hi[1]], size, (pts) => pts.map(fromMerc), 'bilinear');
  assert.equal(px(out, 50, 2)[3], 0);
  assert.equal(px(out, 50, 98)[3], 255);
});

test('warp survives a mapping that fails for some points', () => {
  const src = paint(10, 10, () => RED);
  const bbox: BBox = [0, 0, 10, 10];
  const out = warp(src, bbox, bbox, [10, 10], (pts) => {
    if (pts.some(([x]) => x > 7)) throw new Error('outside domain');
    return pts;
  }, 'nearest');
  assert.deepEqual(px(out, 2, 2), RED);
  assert.equal(px(out, 9, 2)[3], 0);
});

test('resample of opaque images gives the colours of the general (premultiplied) path', () => {
  {
    const w = 97, h = 61;
    const opaque = Buffer.alloc(w * h * 4);
    for (let i = 0; i < w * h; i++) opaque.set([(i * 37) & 255, (i * 11) & 255, (i * 5 + 40) & 255, 255], i * 4);
    const nearlyOpaque = Buffer.from(opaque);
    for (let i = 3; i < nearlyOpaque.length; i += 4) nearlyOpaque[i] = 254;
    for (const method of ['bilinear', 'bicubic'] as const) {
      const a = resample({ data: opaque, width: w, height: h }, [0, 0, w, h], [3.3, 2.7, 80.1, 55.9], [50, 40], method);
      const b = resample({ data: nearlyOpaque, width: w, height: h }, [0, 0, w, h], [3.3, 2.7, 80.1, 55.9], [50, 40], method);
      for (let i = 0; i < a.data.length; i += 4) {
        assert.equal(a.data[i + 3], 255);
        for (let c = 0; c < 3; c++) assert.ok(Math.abs(a.data[i + c]! - b.data[i + c]!) <= 1, `${method} pixel ${i / 4} channel ${c}`);
      }
    }
  }
});

/**
 * Straightforward reference: every destination pixel sampled on its own in floating point, premultiplied,
 * with PIL's kernels and clamped edges. The optimised paths must agree within ±1 per channel.
 */
function referenceSample(src: RawImage, sx: number, sy: number, method: 'nearest' | 'bilinear' | 'bicubic'): Px {
  const { width: w, height: h } = src;
  if (!(sx >= 0 && sx < w && sy >= 0 && sy < h)) return [0, 0, 0, 0];
  if (method === 'nearest') return px(src, Math.floor(sx), Math.floor(sy));
  const kernel = (x: number): number => {
    const a = Math.abs(x);
    if (method === 'bilinear') return a < 1 ? 1 - a : 0;
    return a < 1 ? (1.5 * a - 2.5) * a * a + 1 : a < 2 ? ((-0.5 * a + 2.5) * a - 4) * a + 2 : 0;
  };
  const u = sx - 0.5;
  const v = sy - 0.5;
  const clamp = (i: number, n: number): number => Math.min(n - 1, Math.max(0, i));
  const acc = [0, 0, 0, 0];
  for (let j = Math.floor(v) - 2; j <= Math.floor(v) + 3; j++) {
    for (let i = Math.floor(u) - 2; i <= Math.floor(u) + 3; i++) {
      const wgt = kernel(u - i) * kernel(v - j);
      if (wgt === 0) continue;
      const [r, g, b, a] = px(src, clamp(i, w), clamp(j, h));
      acc[0]! += wgt * a * r;
      acc[1]! += wgt * a * g;
      acc[2]! += wgt * a * b;
      acc[3]! += wgt * a;
    }
  }
  if (acc[3]! <= 0.5) return [0, 0, 0, 0];
  const c = (x: number): number => Math.min(255, Math.max(0, Math.round(x)));
  return [c(acc[0]! / acc[3]!), c(acc[1]! / acc[3]!), c(acc[2]! / acc[3]!), c(acc[3]!)];
}

/** Map-like test image: noise, hard edges, thin lines; optionally a transparent hole and a half-transparent band. */
function mapLike(w: number, h: number, holes: boolean): RawImage {
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 16) & 255;
  return paint(w, h, (x, y) => {
    if (holes && (x - 30) ** 2 + (y - 25) ** 2 < 150) return [0, 255, 0, 0];
    const alpha = holes && y >= 40 && y < 46 ? 128 : 255;
    if (x % 17 === 3 || y % 13 === 5) return [20, 20, 20, alpha];
    if (x + y < 60) return [230, 40, 30, alpha];
    return [rnd(), rnd(), (x * 3) & 255, alpha];
  });
}

function assertNearReference(out: RawImage, expected: (i: number, j: number) => Px, label: string): void {
  for (let j = 0; j < out.height; j++) {
    for (let i = 0; i < out.width; i++) {
      const got = px(out, i, j);
      const want = expected(i, j);
      assert.equal(got[3] === 0, want[3] === 0, `${label} (${i},${j}) transparency: ${got} vs ${want}`);
      if (want[3] === 0) continue;
      assert.ok(near(got, want, 1), `${label} (${i},${j}): ${got} vs ${want}`);
    }
  }
}

for (const holes of [false, true]) {
  test(`resample matches a per-pixel reference (${holes ? 'with transparency' : 'opaque'})`, () => {
    const src = mapLike(120, 90, holes);
    const srcBBox: BBox = [0, 0, 120, 90];
    // Down by 1.6, up by 1/0.87, and a target overlapping the source's left edge.
    const cases: [BBox, [number, number]][] = [
      [[5.3, 3.1, 107.7, 84.3], [64, 51]],
      [[10.2, 12.9, 80.5, 70.1], [81, 66]],
      [[-12.5, 20, 60, 77], [70, 55]],
    ];
    for (const method of ['nearest', 'bilinear', 'bicubic'] as const) {
      for (const [dst, size] of cases) {
        const out = resample(src, srcBBox, dst, size, method);
        const rx = (dst[2] - dst[0]) / size[0];
        const ry = (dst[3] - dst[1]) / size[1];
        assertNearReference(out, (i, j) => referenceSample(src, dst[0] + (i + 0.5) * rx, 90 - dst[3] + (j + 0.5) * ry, method), `${method} ${dst}`);
      }
    }
  });

  test(`warp of an affine mapping matches a per-pixel reference (${holes ? 'with transparency' : 'opaque'})`, () => {
    const src = mapLike(120, 90, holes);
    const srcBBox: BBox = [0, 0, 120, 90];
    // Rotation by ~20° and scale 1.3: the mesh is exact for affine maps, so only the sampling is compared.
    const cos = Math.cos(0.35) * 1.3;
    const sin = Math.sin(0.35) * 1.3;
    const toSrc = ([x, y]: Point): Point => [60 + cos * (x - 50) - sin * (y - 40), 45 + sin * (x - 50) + cos * (y - 40)];
    const dst: BBox = [0, 0, 100, 80];
    const size: [number, number] = [100, 80];
    for (const method of ['bilinear', 'bicubic'] as const) {
      const out = warp(src, srcBBox, dst, size, (pts) => pts.map(toSrc), method);
      assertNearReference(out, (i, j) => {
        const [wx, wy] = toSrc([i + 0.5, 80 - (j + 0.5)]);
        return referenceSample(src, wx, 90 - wy, method);
      }, `warp ${method}`);
    }
  });
}

test('resample of a source with fully transparent areas does not bleed their colour', () => {
  // Left half opaque red, right half transparent "green" (colour values behind alpha 0).
  const src = paint(40, 20, (x) => (x < 20 ? [255, 0, 0, 255] : [0, 255, 0, 0]));
  for (const method of ['bilinear', 'bicubic'] as const) {
    const out = resample(src, [0, 0, 40, 20], [0.3, 0, 39.7, 20], [57, 29], method);
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
