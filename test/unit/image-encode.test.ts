import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { encode, decode } from '../../src/core/image/encode.js';
import { imageFormat } from '../../src/core/image/format.js';
import { detectImageFormat, peekImageSize, detectedMimeType } from '../../src/core/image/image-bytes.js';
import { readGeoTiffTags } from '../../src/core/image/geotiff.js';
import { CLEAR, near, paint, px, quadrants, RED } from './image-helpers.js';

const img = quadrants(40, 30);

for (const name of ['png', 'jpeg', 'gif', 'tiff', 'GeoTIFF', 'webp', 'png8']) {
  test(`${name}: encode/decode round trip keeps size and colours`, async () => {
    const fmt = imageFormat(name);
    const bytes = await encode(img, fmt);
    const expected = name === 'png8' ? 'png' : name === 'GeoTIFF' ? 'tiff' : name;
    assert.equal(detectImageFormat(bytes), expected);
    assert.deepEqual(peekImageSize(bytes), [40, 30]);
    const back = await decode(bytes);
    assert.equal(back.width, 40);
    assert.equal(back.height, 30);
    const tol = name === 'jpeg' || name === 'webp' ? 12 : 0;
    for (const [x, y] of [[2, 2], [37, 2], [2, 27], [37, 27]] as const) {
      assert.ok(near(px(back, x, y), px(img, x, y), tol), `${name} pixel ${x},${y}: ${px(back, x, y)}`);
    }
  });
}

test('paletted PNG really is a palette image with at most 256 colours', async () => {
  // A gradient with far more than 256 colours.
  const grad = paint(64, 64, (x, y) => [x * 4, y * 4, (x + y) * 2, 255]);
  const bytes = await encode(grad, imageFormat('image/png'));
  const meta = await sharp(bytes).metadata();
  assert.equal(bytes[25], 3, 'PNG colour type 3 (palette)');
  assert.ok(meta.isPalette, 'sharp sees a palette');
  const back = await decode(bytes);
  const colours = new Set<number>();
  for (let i = 0; i < back.data.length; i += 4) colours.add(back.data.readUInt32BE(i));
  assert.ok(colours.size <= 256, `${colours.size} colours`);
  // Not paletted: full colour, every gradient value kept.
  const full = await encode(grad, imageFormat('image/png', { paletted: false }));
  assert.equal(full[25], 2, 'PNG colour type 2 (RGB)');
  assert.deepEqual(px(await decode(full), 63, 63), [252, 252, 252, 255]);
});

test('transparency is kept in PNG and flattened on bgcolor for JPEG', async () => {
  const half = paint(10, 10, (x) => (x < 5 ? RED : CLEAR));
  const png = await encode(half, imageFormat('image/png', { paletted: false }));
  assert.equal(png[25], 6, 'RGBA PNG');
  const back = await decode(png);
  assert.deepEqual(px(back, 7, 5)[3], 0);
  assert.deepEqual(px(back, 2, 5), RED);

  const png8 = await decode(await encode(half, imageFormat('image/png')));
  assert.equal(px(png8, 7, 5)[3], 0, 'palette PNG keeps transparency');

  const jpeg = await decode(await encode(half, imageFormat('image/jpeg'), { bgcolor: [0, 0, 255] }));
  assert.ok(near(px(jpeg, 8, 5), [0, 0, 255, 255], 10), `flattened on blue: ${px(jpeg, 8, 5)}`);
  const jpegWhite = await decode(await encode(half, imageFormat('image/jpeg')));
  assert.ok(near(px(jpegWhite, 8, 5), [255, 255, 255, 255], 10));

  // A non-transparent format flattens too, even as PNG.
  const opaque = await encode(half, imageFormat('image/png', { paletted: false }, { transparent: false }));
  assert.equal(opaque[25], 2);
  // Opaque images are written without alpha channel.
  const solid = await encode(paint(4, 4, () => RED), imageFormat('image/png', { paletted: false }));
  assert.equal(solid[25], 2);
});

test('mixed: PNG when transparent, JPEG otherwise', async () => {
  const mixed = imageFormat('mixed');
  assert.equal(detectImageFormat(await encode(paint(8, 8, () => RED), mixed)), 'jpeg');
  const t = await encode(paint(8, 8, (x) => (x < 4 ? RED : CLEAR)), mixed);
  assert.equal(detectImageFormat(t), 'png');
  assert.equal(detectedMimeType(t), 'image/png');
});

test('GeoTIFF carries georeference tags', async () => {
  const bytes = await encode(img, imageFormat('image/GeoTIFF'), {
    georef: { bbox: [-180, -90, 180, 90], epsg: 4326, isLatLong: true },
  });
  const tags = readGeoTiffTags(bytes);
  assert.ok(tags);
  assert.deepEqual(tags.pixelScale, [9, 6, 0]);
  assert.deepEqual(tags.tiepoint, [0, 0, 0, -180, 90, 0]);
  assert.deepEqual(tags.geoKeys, [1, 1, 0, 4, 1024, 0, 1, 2, 1025, 0, 1, 1, 3072, 0, 1, 4326]);
  // Still a readable TIFF with the same pixels.
  assert.deepEqual(px(await decode(bytes), 37, 27), px(img, 37, 27));
  // Plain TIFF has none.
  assert.equal(readGeoTiffTags(await encode(img, imageFormat('image/tiff'))), null);
});

test('tiff compression options', async () => {
  const globals = { formats: { lzw: { format: 'image/tiff', encodingOptions: { tiffCompression: 'tiff_lzw' as const } } } };
  const lzw = await encode(img, imageFormat('lzw', globals));
  assert.equal(tiffCompressionTag(lzw), 5, 'TIFF Compression = 5 (LZW)');
  assert.equal(tiffCompressionTag(await encode(img, imageFormat('image/tiff'))), 1, 'uncompressed by default, as PIL');
  assert.deepEqual(px(await decode(lzw), 37, 27), px(img, 37, 27));
});

test('peekImageSize reads headers of every format without decoding', async () => {
  for (const f of ['png', 'jpeg', 'gif', 'tiff', 'webp']) {
    const bytes = await encode(paint(123, 45, () => RED), imageFormat(f));
    assert.deepEqual(peekImageSize(bytes), [123, 45], f);
  }
  assert.equal(detectImageFormat(Buffer.from('<?xml version="1.0"?>')), null);
  assert.equal(peekImageSize(Buffer.from('nope')), null);
});

/** The TIFF Compression tag (259) of the first IFD. */
function tiffCompressionTag(b: Buffer): number | null {
  const le = b[0] === 0x49;
  const u16 = (o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const ifd = le ? b.readUInt32LE(4) : b.readUInt32BE(4);
  for (let i = 0; i < u16(ifd); i++) {
    const e = ifd + 2 + i * 12;
    if (u16(e) === 259) return u16(e + 8);
  }
  return null;
}
