// The quantizer kernel trusts no size it did not compute: every buffer and number is checked before any pixel is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernel } from '../../src/core/native/kernels.js';
import { quantizeTiles, quantizeTilesSync } from '../../src/core/native/quantize.js';

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
