import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { kernel } from '../../src/core/native/kernels.js';
import { zlibInflateExact } from '../../src/core/native/inflate.js';

// The whole-buffer inflate kernel takes only a complete stream of exactly the expected size; everything else is
// refused (false) so that png-decode.ts asks zlib, and no input makes it read or write past a buffer.
describe('native inflate kernel', () => {
  const data = Buffer.alloc(50000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 8)) & 255;
  const stream = deflateSync(data);

  it('inflates a whole stream of exactly the expected size', () => {
    const out = Buffer.alloc(data.length);
    assert.equal(zlibInflateExact(stream, out), true);
    assert.ok(out.equals(data));
    // Bytes after the stream's end are ignored, as zlib ignores them.
    const after = Buffer.alloc(data.length);
    assert.equal(zlibInflateExact(Buffer.concat([stream, Buffer.from('trailing')]), after), true);
    assert.ok(after.equals(data));
  });

  it('refuses a stream that gives fewer or more bytes than expected', () => {
    assert.equal(zlibInflateExact(stream, Buffer.alloc(data.length + 1)), false);
    assert.equal(zlibInflateExact(stream, Buffer.alloc(data.length - 1)), false);
    assert.equal(zlibInflateExact(stream, Buffer.alloc(1)), false);
  });

  it('refuses a cut-off, corrupt or empty stream', () => {
    const out = Buffer.alloc(data.length);
    for (const cut of [0, 1, 2, 10, stream.length >> 1, stream.length - 4, stream.length - 1]) {
      assert.equal(zlibInflateExact(stream.subarray(0, cut), out), false, `cut at ${cut}`);
    }
    const badChecksum = Buffer.from(stream);
    badChecksum[badChecksum.length - 1] ^= 1;
    assert.equal(zlibInflateExact(badChecksum, out), false, 'Adler-32 mismatch');
    assert.equal(zlibInflateExact(Buffer.from('not a zlib stream at all'), out), false);
    const badHeader = Buffer.from(stream);
    badHeader[0] = 0x79; // compression method 9
    assert.equal(zlibInflateExact(badHeader, out), false);
  });

  it('refuses arguments it cannot check', () => {
    assert.throws(() => zlibInflateExact(stream, Buffer.alloc(0)), RangeError);
    const raw = kernel<(...args: unknown[]) => unknown>('zlibInflateExact');
    assert.throws(() => raw(stream), /zlibInflateExact/);
    assert.throws(() => raw('not bytes', Buffer.alloc(4)), /compressed/);
    assert.throws(() => raw(stream, 17), /out/);
    assert.equal(raw(stream, Buffer.alloc(0)), false);
  });
});
