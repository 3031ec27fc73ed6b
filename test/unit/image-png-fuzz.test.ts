import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePng, decodePngPaletted } from '../../src/core/image/png-decode.js';
import { encodeRgbaPngSync } from '../../src/core/image/png-encode.js';
import { mutatePng, random } from '../support/png-mutate.js';
import { pngSamples } from '../support/png-samples.js';

// Upstream images and cache files are hostile input to C code: thousands of broken PNGs must each either decode
// to a well-formed image or throw an Error. A crash of the kernels would end this process and fail the file.
test('5000 mutated PNGs decode or throw an Error, never crash', () => {
  const seeds = pngSamples().map((s) => s.png);
  const ramp = Buffer.alloc(64 * 48 * 4);
  for (let i = 0; i < ramp.length; i++) ramp[i] = (i * 13 + (i >> 9)) & 255;
  seeds.push(encodeRgbaPngSync({ data: ramp, width: 64, height: 48 }, { alpha: true }), encodeRgbaPngSync({ data: ramp, width: 64, height: 48 }, { alpha: false }));

  const rnd = random(20261206);
  const outcomes = { decoded: 0, refused: 0 };
  const messages = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const png = mutatePng(seeds[rnd(seeds.length)]!, rnd);
    for (const decode of [decodePng, decodePngPaletted]) {
      let img: ReturnType<typeof decodePng> | ReturnType<typeof decodePngPaletted>;
      try {
        img = decode(png);
      } catch (err) {
        assert.ok(err instanceof Error, `case ${i}: threw ${String(err)}`);
        assert.match(err.message, /PNG/, `case ${i}: the message says it is about a PNG`);
        messages.add(err.message.replace(/\d+/g, 'N'));
        outcomes.refused++;
        continue;
      }
      outcomes.decoded++;
      if (!img) continue;
      assert.ok(img.width > 0 && img.height > 0);
      if ('data' in img) assert.equal(img.data.length, img.width * img.height * 4, `case ${i}`);
      else assert.ok(img.indices.length >= (img.height - 1) * img.pitch + img.first + img.width, `case ${i}`);
    }
  }
  // The mutations reach both outcomes and many different checks, not one early exit.
  assert.ok(outcomes.decoded > 500 && outcomes.refused > 2000, JSON.stringify(outcomes));
  assert.ok(messages.size >= 15, [...messages].join('\n'));
});
