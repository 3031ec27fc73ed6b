import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernels, kernelsPath } from '../../src/core/native/kernels.js';

// The addon itself: that it is the native build, and that its entry points refuse what they cannot check.
describe('native pixel kernels: loading and argument checks', () => {
  it('is loaded from the node-gyp build', () => {
    assert.match(kernelsPath(), /pixel_kernels\.node$/);
  });

  it('refuses missing, mistyped and misaligned arguments with a clear error', () => {
    const k = kernels as unknown as Record<string, (...a: unknown[]) => unknown>;
    assert.throws(() => k.hasTransparency!(), /expects 1 arguments, got 0/);
    assert.throws(() => k.hasTransparency!('abc'), /rgba must be a Buffer or TypedArray/);
    assert.throws(() => k.hasTransparency!(Buffer.alloc(7)), /not a multiple of 4/);
  });

  it('tests transparency and single colours over block boundaries', () => {
    for (const n of [1, 3, 1023, 1024, 1025, 5000]) {
      const img = Buffer.alloc(n * 4, 255);
      assert.equal(kernels.hasTransparency(img), false);
      assert.equal(kernels.singleColor(img), true);
      img[(n - 1) * 4 + 3] = 254;
      assert.equal(kernels.hasTransparency(img), true);
      assert.equal(kernels.singleColor(img), n === 1);
    }
    assert.equal(kernels.hasTransparency(Buffer.alloc(0)), false);
  });
});
