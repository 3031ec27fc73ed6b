import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import { decodePngFast, decodePngPaletted, type PalettedPixels } from '../../src/core/image/png-decode.js';

/** A test image with every kind of pixel: colours, grey ramp, half and full transparency. */
function pattern(width: number, height: number, alpha: boolean): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = (x * 7) & 255;
      data[i + 1] = (y * 13) & 255;
      data[i + 2] = ((x + y) * 3) & 255;
      data[i + 3] = alpha ? (x < width / 3 ? 0 : x < (2 * width) / 3 ? 128 : 255) : 255;
    }
  }
  return data;
}

async function reference(png: Buffer): Promise<Buffer> {
  return sharp(png).ensureAlpha().raw().toBuffer();
}

describe('fast PNG decoder', () => {
  const cases: [string, (raw: Sharp) => Sharp][] = [
    ['RGBA', (s) => s.png()],
    ['RGB', (s) => s.removeAlpha().png()],
    ['paletted with transparency', (s) => s.png({ palette: true, colours: 256 })],
    ['paletted, 16 colours (4-bit)', (s) => s.png({ palette: true, colours: 16 })],
    ['paletted, 2 colours (1-bit)', (s) => s.png({ palette: true, colours: 2 })],
    ['grey', (s) => s.greyscale().removeAlpha().png()],
    ['grey with alpha', (s) => s.greyscale().png()],
  ];
  for (const [name, make] of cases) {
    it(`decodes ${name} PNGs exactly like libvips`, async () => {
      const png = await make(sharp(pattern(67, 45, true), { raw: { width: 67, height: 45, channels: 4 } })).toBuffer();
      const fast = decodePngFast(png);
      assert.ok(fast, 'decoded');
      assert.equal(fast.width, 67);
      assert.equal(fast.height, 45);
      assert.ok(fast.data.equals(await reference(png)), 'same pixels');
    });
  }

  it('leaves what it does not handle to the general decoder', async () => {
    const raw = pattern(16, 16, true);
    const sixteen = await sharp(raw, { raw: { width: 16, height: 16, channels: 4 } }).toColourspace('rgb16').png().toBuffer();
    assert.equal(decodePngFast(sixteen), null);
    const interlaced = await sharp(raw, { raw: { width: 16, height: 16, channels: 4 } }).png({ progressive: true }).toBuffer();
    assert.equal(decodePngFast(interlaced), null);
    const jpeg = await sharp(raw, { raw: { width: 16, height: 16, channels: 4 } }).jpeg().toBuffer();
    assert.equal(decodePngFast(jpeg), null);
    const png = await sharp(raw, { raw: { width: 16, height: 16, channels: 4 } }).png().toBuffer();
    assert.equal(decodePngFast(png.subarray(0, png.length - 40)), null, 'truncated');
  });
});

describe('fast PNG decoder on unfiltered palette rows', () => {
  it('reads rows in place and gives libvips pixels', async () => {
    const { quantize } = await import('../../src/core/image/quantize.js');
    const { encodeIndexedPng } = await import('../../src/core/image/png-encode.js');
    const raw = { data: pattern(67, 45, true), width: 67, height: 45 };
    const png = encodeIndexedPng(quantize(raw)); // filter type 0 on every row
    const fast = decodePngFast(png);
    assert.ok(fast);
    assert.ok(fast.data.equals(await reference(png)));
  });
});

describe('paletted PNGs kept as indices', () => {
  /** RGBA of pixel i through the palette, as composeWindow draws it. */
  const viaPalette = (px: PalettedPixels, i: number) => {
    const x = i % px.width;
    const y = Math.floor(i / px.width);
    const word = px.palette[px.indices[y * px.pitch + px.first + x]];
    return [word & 255, (word >>> 8) & 255, (word >>> 16) & 255, word >>> 24];
  };
  for (const [name, colours] of [['8-bit', 256], ['4-bit', 16], ['1-bit', 2]] as const) {
    it(`gives the same pixels as the RGBA decoder (${name})`, async () => {
      const png = await sharp(pattern(67, 45, true), { raw: { width: 67, height: 45, channels: 4 } }).png({ palette: true, colours }).toBuffer();
      const px = decodePngPaletted(png);
      assert.ok(px);
      const rgba = await reference(png);
      for (let i = 0; i < 67 * 45; i++) assert.deepEqual(viaPalette(px, i), [...rgba.subarray(i * 4, i * 4 + 4)], `pixel ${i}`);
    });
  }

  it('refuses PNGs that are not paletted', async () => {
    const rgb = await sharp(pattern(16, 16, false), { raw: { width: 16, height: 16, channels: 4 } }).removeAlpha().png().toBuffer();
    assert.equal(decodePngPaletted(rgb), null);
    const grey = await sharp(pattern(16, 16, false), { raw: { width: 16, height: 16, channels: 4 } }).greyscale().removeAlpha().png().toBuffer();
    assert.equal(decodePngPaletted(grey), null);
  });
});
