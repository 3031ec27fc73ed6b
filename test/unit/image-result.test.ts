import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageResult } from '../../src/core/image/image.js';
import { encode } from '../../src/core/image/encode.js';
import { imageFormat } from '../../src/core/image/format.js';
import { detectImageFormat } from '../../src/core/image/image-bytes.js';
import { readGeoTiffTags } from '../../src/core/image/geotiff.js';
import { CLEAR, paint, px, quadrants, RED } from './image-helpers.js';

test('cached PNG bytes are served as PNG without re-encoding (same Buffer)', async () => {
  const bytes = await encode(quadrants(16, 16), imageFormat('image/png', { paletted: false }));
  const r = ImageResult.fromEncoded(bytes, { cacheable: true });
  assert.equal(await r.encode(imageFormat('image/png')), bytes);
  // A PNG request with other options is still PNG: passed through, as MapProxy compares formats by extension.
  assert.equal(await r.encode(imageFormat('image/png; mode=8bit')), bytes);
  assert.equal(r.hasRaw, false, 'never decoded');
  assert.deepEqual(r.size, [16, 16]);
  assert.equal(r.sourceFormat, 'png');
});

test('bytes in another format are decoded once and converted; the conversion is cached', async () => {
  const bytes = await encode(quadrants(16, 16), imageFormat('image/png'));
  const r = ImageResult.fromEncoded(bytes);
  const jpeg1 = await r.encode(imageFormat('image/jpeg'));
  const jpeg2 = await r.encode(imageFormat('image/jpeg'));
  assert.equal(detectImageFormat(jpeg1), 'jpeg');
  assert.equal(jpeg1, jpeg2);
  assert.equal(r.hasRaw, true);
  const [a, b] = await Promise.all([r.raw(), r.raw()]);
  assert.equal(a, b);
  assert.deepEqual(px(a, 15, 15), [255, 255, 0, 255]);
});

test('raw images are encoded on demand; flags are kept', async () => {
  const r = ImageResult.fromRaw(paint(8, 8, () => RED), { transparent: true, cacheable: false });
  assert.equal(r.transparent, true);
  assert.equal(r.cacheable, false);
  assert.deepEqual(r.size, [8, 8]);
  assert.equal(detectImageFormat(await r.encode(imageFormat('image/gif'))), 'gif');
  const d = ImageResult.fromEncoded(Buffer.from([0x89]));
  assert.equal(d.transparent, false);
  assert.equal(d.cacheable, true);
  await assert.rejects(d.raw());
});

test('mixed: JPEG passes through, opaque PNG becomes JPEG, transparent PNG passes through', async () => {
  const mixed = imageFormat('mixed');
  const jpeg = await encode(quadrants(8, 8), imageFormat('image/jpeg'));
  assert.equal(await ImageResult.fromEncoded(jpeg).encode(mixed), jpeg);
  const opaquePng = await encode(quadrants(8, 8), imageFormat('image/png'));
  assert.equal(detectImageFormat(await ImageResult.fromEncoded(opaquePng).encode(mixed)), 'jpeg');
  const clearPng = await encode(paint(8, 8, (x) => (x < 4 ? RED : CLEAR)), imageFormat('image/png'));
  assert.equal(await ImageResult.fromEncoded(clearPng).encode(mixed), clearPng);
});

test('GeoTIFF output is georeferenced from the result georef', async () => {
  const r = ImageResult.fromRaw(quadrants(10, 10), { georef: { bbox: [0, 0, 1000, 1000], epsg: 25832, isLatLong: false } });
  const tags = readGeoTiffTags(await r.encode(imageFormat('image/GeoTIFF')));
  assert.deepEqual(tags?.pixelScale, [100, 100, 0]);
  assert.equal(tags?.geoKeys[7], 1, 'projected model');
  assert.equal(tags?.geoKeys[15], 25832);
});
