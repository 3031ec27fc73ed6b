import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernel, kernelsPath } from '../../src/core/native/kernels.js';
import { hasTransparency, isSingleColor } from '../../src/core/native/pixels.js';

// The addon itself: that it is the native build, and that its entry points refuse what they cannot check.
describe('native pixel kernels: loading and argument checks', () => {
  it('is loaded from the node-gyp build', () => {
    assert.match(kernelsPath(), /pixel_kernels\.node$/);
  });

  it('refuses missing, mistyped and misaligned arguments with a clear error', () => {
    const raw = kernel('hasTransparency');
    assert.throws(() => raw(), /expects 1 arguments, got 0/);
    assert.throws(() => raw('abc'), /rgba must be a Buffer or TypedArray/);
    assert.throws(() => raw(Buffer.alloc(7)), /not a multiple of 4/);
    assert.throws(() => kernel('noSuchKernel'), /lack noSuchKernel\(\)/);
  });

  it('tests transparency and single colours over block boundaries', () => {
    for (const n of [1, 3, 1023, 1024, 1025, 5000]) {
      const img = Buffer.alloc(n * 4, 255);
      assert.equal(hasTransparency(img), false);
      assert.equal(isSingleColor(img), true);
      img[(n - 1) * 4 + 3] = 254;
      assert.equal(hasTransparency(img), true);
      assert.equal(isSingleColor(img), n === 1);
    }
    assert.equal(hasTransparency(Buffer.alloc(0)), false);
  });
});
