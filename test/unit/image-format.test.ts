import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageFormat, formatExt, sameFormat, servedMimeType } from '../../src/core/image/format.js';

test('plain mime types keep their mime and get MapProxy extensions', () => {
  assert.equal(imageFormat('image/jpeg').ext, 'jpeg');
  assert.equal(imageFormat('image/jpeg').kind, 'jpeg');
  assert.equal(imageFormat('image/jpeg').jpegQuality, 90);
  assert.equal(imageFormat('image/tiff').ext, 'tiff');
  const p8 = imageFormat('image/png; mode=8bit');
  assert.equal(p8.ext, 'png');
  assert.equal(p8.mimeType, 'image/png; mode=8bit');
  assert.equal(p8.kind, 'png');
  assert.equal(imageFormat('image/GeoTIFF').kind, 'geotiff');
  assert.equal(formatExt('image/GeoTIFF'), 'GeoTIFF');
});

test('globals.image.paletted decides whether PNG is quantized', () => {
  assert.equal(imageFormat('image/png').paletted, true);
  assert.equal(imageFormat('image/png').colors, 256);
  const off = imageFormat('image/png', { paletted: false });
  assert.equal(off.paletted, false);
  assert.equal(off.colors, undefined);
  assert.equal(imageFormat('image/jpeg').paletted, false);
  // colors: 0 disables quantizing even with paletted: true
  assert.equal(imageFormat('image/png', { formats: { 'image/png': { colors: 0 } } }).paletted, false);
});

test('custom formats from globals.image.formats (layer.yaml style)', () => {
  const globals = {
    paletted: false,
    jpegQuality: 75,
    formats: {
      custom: { format: 'image/jpeg' },
      png8: { format: 'image/png; mode=8bit', colors: 256 },
      hq: { format: 'image/jpeg', resamplingMethod: 'nearest' as const, encodingOptions: { jpegQuality: 95 } },
      lzw: { format: 'image/tiff', encodingOptions: { tiffCompression: 'tiff_lzw' as const } },
    },
  };
  const custom = imageFormat('custom', globals);
  assert.equal(custom.mimeType, 'image/jpeg');
  assert.equal(custom.name, 'custom');
  assert.equal(custom.jpegQuality, 75);
  const png8 = imageFormat('png8', globals);
  assert.equal(png8.mimeType, 'image/png; mode=8bit');
  assert.equal(png8.colors, 256);
  assert.equal(png8.paletted, true);
  const hq = imageFormat('hq', globals);
  assert.equal(hq.jpegQuality, 95);
  assert.equal(hq.resampling, 'nearest');
  assert.equal(imageFormat('lzw', globals).tiffCompression, 'tiff_lzw');
  // A source's image: section overrides the format's options.
  const o = imageFormat('image/png', globals, { transparent: true, resamplingMethod: 'bilinear', mode: 'RGBA' });
  assert.equal(o.transparent, true);
  assert.equal(o.resampling, 'bilinear');
  assert.equal(o.mode, 'RGBA');
});

test('mixed and unknown names', () => {
  const mixed = imageFormat('mixed');
  assert.equal(mixed.kind, 'mixed');
  assert.equal(mixed.ext, 'mixed');
  assert.equal(mixed.paletted, false);
  assert.equal(servedMimeType(mixed, 'jpeg'), 'image/jpeg');
  assert.equal(servedMimeType(mixed, 'png'), 'image/png');
  const unknown = imageFormat('png8a');
  assert.equal(unknown.mimeType, 'image/png');
  assert.equal(imageFormat('image/vnd.jpeg-png').kind, 'mixed');
});

test('format equality compares extensions like MapProxy', () => {
  assert.ok(sameFormat('image/png; mode=8bit', 'image/png'));
  assert.ok(sameFormat('png', 'image/png'));
  assert.ok(!sameFormat('image/jpeg', 'image/png'));
  assert.equal(imageFormat('jpeg').mimeType, 'image/jpeg');
  assert.equal(imageFormat('png').mimeType, 'image/png');
});
