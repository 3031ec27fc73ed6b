// The quantizer kernel trusts no size it did not compute: every buffer and number is checked before any pixel is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernel } from '../../src/core/native/kernels.js';
import { quantizeTiles, quantizeTilesPng, quantizeTilesSync, type TileQuantizeOptions } from '../../src/core/native/quantize.js';
import { encodeIndexedPng } from '../../src/core/image/png-encode.js';

type Raw = (...args: unknown[]) => Promise<void> | undefined;
const raw = kernel<Raw>('quantizeTiles');

interface Args {
  rgba: Uint8Array;
  width: number;
  height: number;
  rects: Int32Array;
  options: Int32Array;
  indices: Uint8Array;
  palettes: Uint8Array;
  entries: Int32Array;
}

function valid(): Args {
  return {
    rgba: new Uint8Array(8 * 4 * 4).fill(200),
    width: 8,
    height: 4,
    rects: Int32Array.from([0, 0, 8, 4, -3, 2, 5, 5]),
    options: Int32Array.from([256, 0, 1, 255, 255, 255]),
    indices: new Uint8Array(32 + 25),
    palettes: new Uint8Array(2 * 1024),
    entries: new Int32Array(2),
  };
}

function call(a: Args, async = false): Promise<void> | undefined {
  return raw(a.rgba, a.width, a.height, a.rects, a.options, a.indices, a.palettes, a.entries, async);
}

test('valid arguments quantize every tile, inline and on the pool', async () => {
  const a = valid();
  assert.equal(call(a), undefined);
  assert.deepEqual([...a.entries], [256, 256]);
  const b = valid();
  await call(b, true);
  assert.deepEqual(b.indices, a.indices);
  assert.deepEqual(b.palettes, a.palettes);
});

test('bad sizes, rects and options are refused with a RangeError naming them', () => {
  const cases: [string, (a: Args) => void, RegExp][] = [
    ['short rgba', (a) => (a.rgba = a.rgba.subarray(4)), /rgba must hold/],
    ['height too large for the pixels', (a) => (a.height = 5), /rgba must hold/],
    ['zero width', (a) => (a.width = 0), /width must be an integer/],
    ['rects not 4 per tile', (a) => (a.rects = a.rects.subarray(1)), /rects must be/],
    ['no tiles', (a) => (a.rects = new Int32Array(0)), /rects must be/],
    ['empty tile', (a) => a.rects.set([0], 2), /tile rect is out of range/],
    ['negative tile height', (a) => a.rects.set([-5], 3), /tile rect is out of range/],
    ['huge tile', (a) => a.rects.set([1 << 20], 6), /tile rect is out of range/],
    ['far position', (a) => a.rects.set([2 ** 30], 0), /tile rect is out of range/],
    ['indices too short', (a) => (a.indices = a.indices.subarray(1)), /indices must hold exactly/],
    ['indices too long', (a) => (a.indices = new Uint8Array(58)), /indices must hold exactly/],
    ['palettes too short', (a) => (a.palettes = a.palettes.subarray(4)), /palettes must hold/],
    ['entries too short', (a) => (a.entries = new Int32Array(1)), /entries must be/],
    ['options too short', (a) => (a.options = a.options.subarray(1)), /options must be/],
    ['zero colours', (a) => a.options.set([0], 0), /colors must be 1..256/],
    ['257 colours', (a) => a.options.set([257], 0), /colors must be 1..256/],
    ['unknown method', (a) => a.options.set([2], 1), /method must be/],
    ['background out of range', (a) => a.options.set([256], 4), /background/],
  ];
  for (const [what, spoil, message] of cases) {
    const a = valid();
    spoil(a);
    assert.throws(() => call(a), (err: Error) => err instanceof RangeError && message.test(err.message), what);
  }
  assert.throws(() => raw(new Uint8Array(4), 1, 1), TypeError, 'too few arguments');
  assert.throws(() => raw('x', 1, 1, new Int32Array(4), new Int32Array(6), new Uint8Array(1), new Uint8Array(1024), new Int32Array(1), false), TypeError);
});

test('the typed wrapper checks sizes before crossing', async () => {
  const rgba = new Uint8Array(4 * 4 * 4);
  const opts = { colors: 256, quantizer: 'fastoctree' as const, alpha: true, background: [255, 255, 255] as const };
  assert.throws(() => quantizeTilesSync(rgba, 4, 5, [{ x: 0, y: 0, width: 4, height: 4 }], opts), RangeError);
  assert.throws(() => quantizeTilesSync(rgba, 4, 4, [], opts), RangeError);
  assert.throws(() => quantizeTilesSync(rgba, 4, 4, [{ x: 0.5, y: 0, width: 4, height: 4 }], opts), RangeError);
  assert.throws(() => quantizeTilesSync(rgba, 4, 4, [{ x: 0, y: 0, width: 0, height: 4 }], opts), RangeError);
  assert.throws(() => quantizeTilesSync(rgba, 4, 4, [{ x: 0, y: 0, width: 4, height: 4 }], { ...opts, colors: 300 }), RangeError);
  const [tile] = await quantizeTiles(rgba, 4, 4, [{ x: 2, y: 2, width: 4, height: 4 }], opts);
  assert.equal(tile!.indices.length, 16);
  assert.equal(tile!.palette.length, 1024);
});

const rawPng = kernel<(...args: unknown[]) => Promise<Buffer[]> | Buffer[]>('quantizeTilesPng');

test('quantizeTilesPng writes the bytes of quantizeTiles + encodeIndexedPng, for every bit depth and both quantizers', async () => {
  // tiles of 2, 4, 16 and many colours (depths 1, 2, 4, 8), some with transparency, one reaching outside the image
  const width = 64;
  const height = 48;
  const rgba = new Uint8Array(width * height * 4);
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const levels = x < 16 ? 2 : x < 32 ? 4 : x < 48 ? 16 : 256;
      const grey = Math.floor(rand() * levels) * Math.floor(255 / (levels - 1));
      for (let c = 0; c < 3; c++) rgba[i + c] = levels === 256 ? Math.floor(rand() * 256) : grey;
      rgba[i + 3] = levels === 256 && y < 8 && x % 3 === 0 ? Math.floor(rand() * 256) : 255;
    }
  }
  const tiles = [0, 16, 32, 48].map((x) => ({ x, y: 0, width: 16, height: 24 }));
  tiles.push({ x: 40, y: 30, width: 32, height: 32 });
  const depths = new Set<number>();
  for (const quantizer of ['fastoctree', 'mediancut'] as const) {
    for (const alpha of [true, false]) {
      const opts: TileQuantizeOptions = { colors: 256, quantizer, alpha, background: [255, 255, 255] };
      const indexed = await quantizeTiles(rgba, width, height, tiles, opts);
      const pngs = await quantizeTilesPng(rgba, width, height, tiles, opts);
      assert.equal(pngs.length, tiles.length);
      pngs.forEach((png, i) => {
        const expected = encodeIndexedPng({ ...indexed[i]!, width: tiles[i]!.width, height: tiles[i]!.height });
        assert.ok(png.equals(expected), `${quantizer}, alpha ${alpha}, tile ${i}: same bytes`);
        depths.add(png[24]!);
      });
    }
  }
  assert.deepEqual([...depths].sort(), [1, 2, 4, 8]);
  // inline too
  const opts: TileQuantizeOptions = { colors: 16, quantizer: 'fastoctree', alpha: true, background: [0, 0, 0] };
  const inline = rawPng(rgba, width, height, Int32Array.from([0, 0, 8, 8]), Int32Array.from([16, 0, 1, 0, 0, 0]), false) as Buffer[];
  assert.ok(inline[0]!.equals((await quantizeTilesPng(rgba, width, height, [{ x: 0, y: 0, width: 8, height: 8 }], opts))[0]!));
});

test('quantizeTilesPng refuses bad sizes, rects and options with a RangeError naming them', () => {
  const ok = valid();
  const call = (a: Args) => rawPng(a.rgba, a.width, a.height, a.rects, a.options, false);
  assert.equal((call(ok) as Buffer[]).length, 2);
  const cases: [string, (a: Args) => void, RegExp][] = [
    ['short rgba', (a) => (a.rgba = a.rgba.subarray(4)), /rgba must hold/],
    ['rects not 4 per tile', (a) => (a.rects = a.rects.subarray(1)), /rects must be/],
    ['empty tile', (a) => a.rects.set([0], 2), /tile rect is out of range/],
    ['zero colours', (a) => a.options.set([0], 0), /colors must be 1..256/],
    ['options too short', (a) => (a.options = a.options.subarray(1)), /options must be/],
  ];
  for (const [what, spoil, message] of cases) {
    const a = valid();
    spoil(a);
    assert.throws(() => call(a), (err: Error) => err instanceof RangeError && message.test(err.message), what);
  }
  assert.throws(() => rawPng(new Uint8Array(4), 1, 1), TypeError, 'too few arguments');
});
