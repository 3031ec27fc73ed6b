// Legends combined as MapProxy 1.15's concat_legends combines them with Pillow 9.4 (run through /usr/bin/python3):
// the same size, the same order (the last legend at the top) and the same pixels, byte for byte, for RGBA PNGs
// with partial alpha (Pillow's masked paste), RGB and paletted PNGs (a plain paste) and a JPEG.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImageResult } from '../../src/core/image/image.js';
import { blankLegend, concatLegends, opensAsRgba } from '../../src/core/source/legend-concat.js';
import { tempDir } from '../support/configs.js';
import { PYTHON } from '../support/mapproxy-reference.js';

/** MapProxy's concat_legends of the files, as raw RGBA bytes with the size in front. */
const REFERENCE = `
import sys
from mapproxy.image import ImageSource
from mapproxy.image.merge import concat_legends
result = concat_legends([ImageSource(p) for p in sys.argv[1:]])
img = result.as_image().convert('RGBA')
sys.stdout.buffer.write(b'%d %d\\n' % img.size + img.tobytes())
`;

function mapproxyConcat(images: Buffer[]): { width: number; height: number; data: Buffer } {
  const dir = tempDir('legend-concat-');
  try {
    const files = images.map((b, i) => {
      const f = join(dir, `${i}.img`);
      writeFileSync(f, b);
      return f;
    });
    const out = execFileSync(PYTHON, ['-c', REFERENCE, ...files], { maxBuffer: 64 << 20 });
    const nl = out.indexOf(10);
    const [width, height] = out.subarray(0, nl).toString().split(' ').map(Number) as [number, number];
    return { width, height, data: out.subarray(nl + 1) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An RGBA image with a gradient of alpha and colour, so every blend case appears. */
async function rgbaLegend(width: number, height: number, seed: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = (x * 37 + seed * 11) & 255;
      data[i + 1] = (y * 53 + seed * 29) & 255;
      data[i + 2] = (x * y + seed) & 255;
      data[i + 3] = ((x + y) * 255) / (width + height - 2);
    }
  }
  return sharp(data, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

async function ours(images: Buffer[]): Promise<{ width: number; height: number; data: Buffer }> {
  const result = await concatLegends(images.map((b) => ImageResult.fromEncoded(b)));
  const raw = await result.raw();
  return { width: raw.width, height: raw.height, data: raw.data };
}

describe('concatLegends', () => {
  it('stacks RGBA legends through their alpha, the last on top, as MapProxy', async () => {
    const images = [await rgbaLegend(30, 12, 1), await rgbaLegend(45, 9, 2), await rgbaLegend(20, 16, 3)];
    assert.ok(images.every((b) => opensAsRgba(b)));
    const a = await ours(images);
    const b = mapproxyConcat(images);
    assert.deepEqual([a.width, a.height], [45, 37]);
    assert.deepEqual([a.width, a.height], [b.width, b.height]);
    assert.ok(a.data.equals(b.data), 'the same pixels');
    // the top row is the last legend's, pasted through its alpha over the transparent white canvas: alpha²
    const top = await sharp(images[2]!).ensureAlpha().raw().toBuffer();
    const alpha = top[(15 * 20 + 19) * 4 + 3]!;
    assert.equal(a.data[(15 * 45 + 19) * 4 + 3], Math.round((alpha * alpha) / 255));
  });

  it('copies RGB, paletted and JPEG legends as they are, as MapProxy', async () => {
    const rgb = await sharp({ create: { width: 25, height: 10, channels: 3, background: { r: 200, g: 40, b: 90 } } }).png().toBuffer();
    const paletted = await sharp(await rgbaLegend(18, 14, 4)).png({ palette: true, colours: 16 }).toBuffer();
    const jpeg = await sharp({ create: { width: 12, height: 6, channels: 3, background: { r: 10, g: 120, b: 240 } } }).jpeg().toBuffer();
    const images = [rgb, paletted, jpeg, await rgbaLegend(22, 8, 5)];
    assert.deepEqual(images.map((b) => opensAsRgba(b)), [false, false, false, true]);
    const a = await ours(images);
    const b = mapproxyConcat(images);
    assert.deepEqual([a.width, a.height], [b.width, b.height]);
    // JPEG decoders may differ by a unit; everything else is exact
    let worst = 0;
    for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!));
    assert.ok(worst <= 2, `largest difference ${worst}`);
  });

  it('passes a single legend on untouched and draws nothing as a 1x1 transparent image', async () => {
    const one = ImageResult.fromEncoded(await rgbaLegend(10, 10, 6));
    assert.equal(await concatLegends([one]), one);
    const blank = await blankLegend().raw();
    assert.deepEqual([blank.width, blank.height, blank.data[3]], [1, 1, 0]);
    assert.deepEqual(await (await concatLegends([])).raw(), blank);
  });
});
