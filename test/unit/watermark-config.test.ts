// `watermark`, `upscale_tiles`, `downscale_tiles`, `cache_rescaled_tiles` and `bulk_meta_tiles` as MapProxy 7
// reads them: defaults, accepted spellings, and the errors that name the key.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config/load-config.js';
import { ConfigError } from '../../src/core/config/errors.js';
import { writeConfigDir } from './config-helpers.js';

function cache(options: string): ReturnType<typeof loadConfig>['config']['caches'][string] {
  const dir = writeConfigDir({
    'mapproxy.yaml': `
services: {tms: }
layers: [{name: l, title: l, sources: [c]}]
sources: {s: {type: debug}}
caches:
  c:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [s]
${options.replace(/^/gm, '    ')}
`,
  });
  return loadConfig(join(dir, 'mapproxy.yaml')).config.caches['c']!;
}

function refused(options: string, key: RegExp, message: RegExp) {
  assert.throws(() => cache(options), (err: unknown) => err instanceof ConfigError && key.test(err.message) && message.test(err.message));
}

describe('watermark options', () => {
  it("MapProxy's defaults: opacity 30, font size 24, grey, staggered spacing", () => {
    assert.deepEqual(cache('watermark: {text: foo}').watermark, { text: 'foo', opacity: 30, fontSize: 24, color: [128, 128, 128], spacing: 'default' });
  });
  it("colours as '#rrggbb', '0xrrggbb' or [r, g, b]; spacing 'wide'", () => {
    assert.deepEqual(cache("watermark: {text: a, color: '#ff0530', spacing: wide}").watermark?.color, [255, 5, 48]);
    assert.deepEqual(cache("watermark: {text: a, color: '0x0000ff'}").watermark?.color, [0, 0, 255]);
    assert.deepEqual(cache('watermark: {text: a, color: [1, 2, 3], opacity: 100, font_size: 30}').watermark, {
      text: 'a', opacity: 100, fontSize: 30, color: [1, 2, 3], spacing: 'default',
    });
    assert.equal(cache('watermark: {text: a, spacing: wide}').watermark?.spacing, 'wide');
  });
  it('an empty text is no watermark, as MapProxy', () => {
    assert.equal(cache("watermark: {text: ''}").watermark, undefined);
    assert.equal(cache('watermark: {opacity: 50}').watermark, undefined);
  });
  it('refuses other spacings, colours with alpha and opacities beyond 255', () => {
    refused('watermark: {text: a, spacing: narrow}', /watermark\.spacing/, /unsupported watermark spacing/);
    refused("watermark: {text: a, color: '#ff053080'}", /watermark\.color/, /\[r, g, b\]/);
    refused('watermark: {text: a, opacity: 300}', /watermark\.opacity/, /0 to 255/);
  });
});

describe('rescale options', () => {
  it('upscale_tiles counts levels up (negative), downscale_tiles down; cache_rescaled_tiles defaults to false', () => {
    const up = cache('upscale_tiles: 2');
    assert.equal(up.rescaleTiles, -2);
    assert.equal(up.cacheRescaledTiles, false);
    const down = cache('downscale_tiles: 1\ncache_rescaled_tiles: true');
    assert.equal(down.rescaleTiles, 1);
    assert.equal(down.cacheRescaledTiles, true);
    assert.equal(cache('upscale_tiles: 0').rescaleTiles, 0);
  });
  it('refuses both at once and negative values, naming the key', () => {
    refused('upscale_tiles: 1\ndownscale_tiles: 1', /downscale_tiles/, /cannot use both upscale_tiles and downscale_tiles/);
    refused('upscale_tiles: -1', /upscale_tiles/, /must be positive/);
    refused('downscale_tiles: -2', /downscale_tiles/, /must be positive/);
  });
  it('bulk_meta_tiles is read on the cache', () => {
    assert.equal(cache('bulk_meta_tiles: true').bulkMetaTiles, true);
    assert.equal(cache('').bulkMetaTiles, false);
  });
});
