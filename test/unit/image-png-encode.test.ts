import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { encode, encodePalettedTiles, isPalettedPng } from '../../src/core/image/encode.js';
import { imageFormat } from '../../src/core/image/format.js';
import { decodePng } from '../../src/core/image/png-decode.js';
import { encodeIndexedPng, encodeIndexedPngRegion, encodeRgbaPng, encodeRgbaPngSync } from '../../src/core/image/png-encode.js';
import { quantizeImage } from '../../src/core/image/quantize.js';
import { cropTiles } from '../../src/core/image/split.js';
import type { RawImage } from '../../src/core/image/raw-image.js';
import { constants } from 'node:zlib';
import { paint, px, quadrants, type Px } from './image-helpers.js';
import { pngHeader, pngImageData } from '../support/png-chunks.js';
import { pillowDecode } from '../support/png-samples.js';
import { execFileSync } from 'node:child_process';

interface PngInfo {
  depth: number;
  colourType: number;
  plte: number;
  trns: number | null;
}

function pngInfo(png: Buffer): PngInfo {
  const info: PngInfo = { depth: png[24]!, colourType: png[25]!, plte: 0, trns: null };
  for (let pos = 8; pos < png.length; ) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    if (type === 'PLTE') info.plte = len / 3;
    if (type === 'tRNS') info.trns = len;
    pos += 12 + len;
  }
  return info;
}

/** Decoded with libvips (libpng) and with our own decoder, which must agree. */
async function decodeBoth(png: Buffer): Promise<RawImage> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const ours = decodePng(png);
  assert.ok(ours, 'png-decode reads it');
  assert.equal(ours.width, info.width);
  assert.equal(ours.height, info.height);
  assert.ok(ours.data.equals(data), 'libpng and png-decode give the same pixels');
  return ours;
}

/** Pixels compared with all fully transparent pixels counted as one colour. */
function samePixels(a: RawImage, b: RawImage): boolean {
  if (a.width !== b.width || a.height !== b.height) return false;
  for (let i = 0; i < a.data.length; i += 4) {
    if (a.data[i + 3] === 0 && b.data[i + 3] === 0) continue;
    if (a.data.readUInt32LE(i) !== b.data.readUInt32LE(i)) return false;
  }
  return true;
}

const png8 = imageFormat('image/png'); // paletted by default, like MapProxy's globals.image.paletted

test('the default PNG format is written by the paletted encoder', () => {
  assert.equal(isPalettedPng(png8), true);
  assert.equal(isPalettedPng(imageFormat('image/png', { paletted: false })), false);
  assert.equal(isPalettedPng(imageFormat('mixed')), false);
  assert.equal(isPalettedPng(imageFormat('jpeg')), false);
});

test('few-colour images round-trip exactly, with a small bit depth', async () => {
  // Exact as FASTOCTREE keeps them: each colour in a cell of its own (r and b in steps of 32, g of 16).
  const cases: [Px[], number][] = [
    [[[255, 0, 0, 255], [0, 0, 255, 255]], 1],
    [[[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255]], 2],
    [Array.from({ length: 9 }, (_, i): Px => [(i % 8) * 32, 255 - i * 16, 9, 255]), 4],
    [Array.from({ length: 40 }, (_, i): Px => [(i % 8) * 32 + 5, (i >> 3) * 48 + 3, i, 255]), 8],
  ];
  for (const [colours, depth] of cases) {
    for (const width of [1, 7, 33]) {
      const img = paint(width, 5, (x, y) => colours[(x * 3 + y) % colours.length]!);
      const png = await encode(img, png8);
      const info = pngInfo(png);
      assert.equal(info.colourType, 3);
      if (width === 33) assert.equal(info.depth, depth, `${colours.length} colours`);
      else assert.ok(info.depth <= depth);
      assert.equal(info.trns, null, 'no tRNS for an opaque palette');
      assert.ok(samePixels(await decodeBoth(png), img), `${colours.length} colours, width ${width}`);
    }
  }
});

test('transparency is kept: a trimmed tRNS, partial alpha exact when few colours', async () => {
  const img = paint(20, 20, (x, y): Px => (x < 5 ? [0, 0, 0, 0] : x < 10 ? [10, 20, 30, 100] : y < 10 ? [255, 0, 0, 255] : [0, 0, 255, 255]));
  const png = await encode(img, png8);
  const info = pngInfo(png);
  // Pillow's order (equal counts: octree cell order): clear, blue, translucent, red; tRNS up to the translucent one.
  assert.equal(info.trns, 3);
  assert.equal(info.plte, 4);
  const back = await decodeBoth(png);
  assert.ok(samePixels(back, img));
  assert.deepEqual(px(back, 7, 3), [10, 20, 30, 100]);
});

test('an opaque format flattens transparency onto bgcolor', async () => {
  const img = paint(8, 8, (x): Px => (x < 4 ? [0, 0, 0, 0] : [255, 0, 0, 255]));
  const png = await encode(img, imageFormat('image/png', {}, { transparent: false }), { bgcolor: [0, 255, 0] });
  assert.equal(pngInfo(png).trns, null);
  const back = await decodeBoth(png);
  assert.deepEqual(px(back, 1, 1), [0, 255, 0, 255]);
  assert.deepEqual(px(back, 6, 1), [255, 0, 0, 255]);
});

test('a many-colour gradient: ≤ 256 colours, small error, readable by libpng', async () => {
  const img = paint(256, 256, (x, y): Px => [x, y, (x * y) >> 8, y < 20 ? 0 : y < 40 ? 128 : 255]);
  const colours = (formatColors?: number) => imageFormat('image/png', {}, formatColors ? { colors: formatColors } : {});
  for (const fmt of [colours(), colours(64)]) {
    const png = await encode(img, fmt);
    const info = pngInfo(png);
    assert.equal(info.colourType, 3);
    assert.ok(info.plte <= fmt.colors!, `${info.plte} entries for colors ${fmt.colors}`);
    const back = await decodeBoth(png);
    let err = 0;
    let n = 0;
    for (let i = 0; i < img.data.length; i += 4) {
      if (img.data[i + 3] === 0) {
        assert.equal(back.data[i + 3], 0, 'transparent stays transparent');
        continue;
      }
      for (let c = 0; c < 4; c++) err += Math.abs(img.data[i + c]! - back.data[i + c]!);
      n += 4;
    }
    assert.ok(err / n < (fmt.colors === 64 ? 10 : 5), `mean error ${err / n} for ${fmt.colors} colours`);
  }
});

test('a region of an indexed image, inside and reaching outside', async () => {
  const img = quadrants(20, 10);
  const q = await quantizeImage(img);
  const clearIndex = 4; // the first unused entry: (0,0,0,0) in Pillow's palette
  assert.ok(samePixels(await decodeBoth(encodeIndexedPng(q)), img));
  for (const [offset, size] of [
    [[5, 2], [10, 6]],
    [[0, 0], [20, 3]],
    [[-3, -2], [8, 8]],
    [[15, 6], [9, 9]],
    [[30, 30], [4, 4]],
  ] as const) {
    const png = encodeIndexedPngRegion(q, [offset[0], offset[1]], [size[0], size[1]], clearIndex);
    const expected = cropTiles(img, [{ offset: [offset[0], offset[1]], size: [size[0], size[1]] }])[0]!;
    assert.ok(samePixels(await decodeBoth(png), expected), `region ${offset} ${size}`);
  }
});

async function checkMetaTiles(meta: RawImage, fmt = png8): Promise<void> {
  const tiles = [
    { offset: [0, 0] as [number, number], size: [32, 32] as [number, number] },
    { offset: [32, 0] as [number, number], size: [32, 32] as [number, number] },
    { offset: [-16, 40] as [number, number], size: [32, 32] as [number, number] },
    { offset: [50, 50] as [number, number], size: [32, 32] as [number, number] },
  ];
  const shared = await encodePalettedTiles(meta, tiles, fmt);
  const parts = cropTiles(meta, tiles);
  for (let i = 0; i < tiles.length; i++) {
    const single = await encode(parts[i]!, fmt);
    assert.ok(shared[i]!.equals(single), `tile ${i}: each tile is quantized on its own, as MapProxy does`);
    const a = await decodeBoth(shared[i]!);
    const b = await decodeBoth(single);
    assert.ok(pngInfo(shared[i]!).plte <= 256);
    if (a.data.some((_, k) => k % 4 === 3 && a.data[k] !== 255) || b.data.some((_, k) => k % 4 === 3 && b.data[k] !== 255)) {
      for (let k = 3; k < a.data.length; k += 4) assert.equal(a.data[k] === 0, b.data[k] === 0, 'same transparent pixels');
    }
    // Exact when the tile or the meta image has few colours; else both are close to the original.
    let err = 0;
    const ref = parts[i]!;
    for (let k = 0; k < ref.data.length; k++) if (ref.data[k - (k % 4) + 3] !== 0) err += Math.abs(a.data[k]! - ref.data[k]!);
    assert.ok(err / ref.data.length < 4, `tile ${i} error ${err / ref.data.length}`);
    if (samePixels(b, ref)) assert.ok(samePixels(a, ref), `tile ${i} exact like per-tile encoding`);
  }
}

test('meta-tile API: few colours give the same pixels as cropping then encoding', async () => {
  await checkMetaTiles(quadrants(70, 70));
  await checkMetaTiles(quadrants(70, 70), imageFormat('image/png', {}, { transparent: false }));
});

test('meta-tile API: many colours, each tile quantized on its own', async () => {
  // The left part is a smooth gradient (thousands of colours), the rest four nearly equal reds: every tile gets
  // the palette MapProxy's per-tile quantizing gives it.
  const reds: Px[] = [[255, 0, 0, 255], [254, 1, 0, 255], [253, 0, 1, 255], [252, 2, 2, 200]];
  const meta = paint(70, 70, (x, y): Px => (x < 32 ? [x * 8, y * 3, 100 + x - y, 255] : reds[(x + 2 * y) % 4]!));
  await checkMetaTiles(meta);
});

/** A map-like test image: flat areas, gradients, noise and every kind of alpha. */
function mapLike(width: number, height: number): RawImage {
  return paint(width, height, (x, y): Px => {
    const noise = (x * 7919 + y * 104729) % 61;
    const a = (x >> 4) + (y >> 4) === 3 ? 0 : (x >> 3) % 4 === 1 ? (x * 9) & 255 : 255;
    return [(x + noise) & 255, (y * 3) & 255, ((x * y) >> 6) & 255, a];
  });
}

/** The pixels without alpha, as an RGB PNG keeps them. */
function opaque(img: RawImage): RawImage {
  const data = Buffer.from(img.data);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { ...img, data };
}

test('RGB and RGBA PNGs read back by Pillow give exactly the input', async () => {
  const images = [mapLike(67, 45), mapLike(1, 1), mapLike(1, 50), mapLike(50, 1), mapLike(256, 256), mapLike(700, 400)];
  const pngs: Buffer[] = [];
  for (const img of images) {
    pngs.push(await encodeRgbaPng(img, { alpha: true }), await encodeRgbaPng(img, { alpha: false }));
  }
  const pillow = pillowDecode(pngs);
  images.forEach((img, i) => {
    const [rgba, rgb] = [pillow[2 * i]!, pillow[2 * i + 1]!];
    assert.equal(rgba.mode, 'RGBA');
    assert.equal(rgb.mode, 'RGB');
    assert.deepEqual([rgba.width, rgba.height], [img.width, img.height]);
    assert.ok(rgba.rgba.equals(img.data), `RGBA ${img.width}x${img.height}`);
    assert.ok(rgb.rgba.equals(opaque(img).data), `RGB ${img.width}x${img.height}`);
    assert.ok(encodeRgbaPngSync(img, { alpha: true }).equals(pngs[2 * i]!), 'the pool and the inline writer agree');
  });
});

test('rows are filtered adaptively like Pillow, and the files are no bigger than Pillow’s', () => {
  const img = mapLike(256, 256);
  for (const alpha of [true, false]) {
    const png = encodeRgbaPngSync(img, { alpha });
    const h = pngHeader(png);
    assert.deepEqual([h.colorType, h.depth, h.interlace], [alpha ? 6 : 2, 8, 0]);
    const data = pngImageData(png);
    const types = new Set(Array.from({ length: 256 }, (_, y) => data[(y * data.length) / 256]));
    assert.ok(types.size >= 2, `filter types ${[...types]}`);
    const pillowSize = Number(
      execFileSync('/usr/bin/python3', ['-c', `
import io, sys
from PIL import Image
im = Image.frombytes('RGBA', (256, 256), sys.stdin.buffer.read())
b = io.BytesIO(); (im if ${alpha ? 'True' : 'False'} else im.convert('RGB')).save(b, 'PNG'); print(len(b.getvalue()))`], { input: img.data }).toString(),
    );
    assert.ok(png.length <= pillowSize * 1.02, `${png.length} bytes, Pillow ${pillowSize}`);
  }
});

test('the zlib level and strategy are the caller’s', () => {
  const img = mapLike(64, 64);
  const stored = encodeRgbaPngSync(img, { alpha: true, level: 0 });
  const rle = encodeRgbaPngSync(img, { alpha: true, strategy: constants.Z_RLE });
  const normal = encodeRgbaPngSync(img, { alpha: true });
  assert.ok(stored.length > 64 * 64 * 4, 'level 0 stores');
  assert.ok(normal.length < stored.length);
  assert.ok(decodePng(rle).data.equals(img.data));
  assert.throws(() => encodeRgbaPngSync({ data: Buffer.alloc(12), width: 2, height: 2 }, { alpha: true }), /12 bytes for 2x2/);
});
