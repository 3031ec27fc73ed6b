// Self-test of test/support/images.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { assertImagesSimilar, colorFraction, compareImages, decodeImage, pixelAt } from '../support/images.js';

const solid = (w: number, h: number, rgba: [number, number, number, number], format: 'png' | 'jpeg' = 'png') =>
  sharp({ create: { width: w, height: h, channels: 4, background: { r: rgba[0], g: rgba[1], b: rgba[2], alpha: rgba[3] / 255 } } })
    .toFormat(format).toBuffer();

describe('image comparison', () => {
  it('decodes PNG and JPEG to RGBA', async () => {
    const png = await decodeImage(await solid(4, 3, [10, 20, 30, 255]));
    assert.deepEqual([png.width, png.height, png.format], [4, 3, 'png']);
    assert.deepEqual(pixelAt(png, 3, 2), [10, 20, 30, 255]);
    const jpeg = await decodeImage(await solid(8, 8, [200, 0, 0, 255], 'jpeg'));
    assert.equal(jpeg.format, 'jpeg');
    assert.equal(pixelAt(jpeg, 0, 0)[3], 255);
  });

  it('treats images within the tolerance as equal and others as different', async () => {
    const a = await solid(16, 16, [100, 100, 100, 255]);
    assert.equal((await compareImages(a, await solid(16, 16, [104, 100, 97, 255]), { tolerance: 5 })).equal, true);
    const far = await compareImages(a, await solid(16, 16, [140, 100, 100, 255]), { tolerance: 5 });
    assert.equal(far.equal, false);
    assert.equal(far.maxDelta, 40);
    assert.equal(far.diffFraction, 1);
    assert.equal((await compareImages(a, await solid(16, 8, [100, 100, 100, 255]))).sameSize, false);
    await assert.rejects(assertImagesSimilar(a, await solid(16, 16, [0, 0, 0, 255])), /images differ/);
  });

  it('allows a fraction of differing pixels', async () => {
    const base = await solid(10, 10, [0, 0, 0, 255]);
    const raw = Buffer.alloc(10 * 10 * 4, 0);
    for (let i = 3; i < raw.length; i += 4) raw[i] = 255;
    raw.fill(255, 0, 12); // three white pixels
    const spotted = await sharp(raw, { raw: { width: 10, height: 10, channels: 4 } }).png().toBuffer();
    assert.equal((await compareImages(base, spotted, { maxDiffFraction: 0.05 })).equal, true);
    assert.equal((await compareImages(base, spotted, { maxDiffFraction: 0.01 })).equal, false);
    assert.equal(colorFraction(await decodeImage(spotted), [255, 255, 255]), 0.03);
  });

  it('ignores the colour of fully transparent pixels', async () => {
    const r = await compareImages(await solid(4, 4, [255, 0, 0, 0]), await solid(4, 4, [0, 0, 255, 0]));
    assert.equal(r.equal, true);
  });
});
