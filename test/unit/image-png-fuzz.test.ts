import assert from 'node:assert/strict';
import { test } from 'node:test';
import { constants, deflateSync, inflateSync } from 'node:zlib';
import { decode, encodePalettedTiles, encodePalettedTilesFromPng } from '../../src/core/image/encode.js';
import { imageFormat } from '../../src/core/image/format.js';
import { decodePng, decodePngAsync, decodePngPaletted, pngImageData } from '../../src/core/image/png-decode.js';
import { encodeRgbaPngSync } from '../../src/core/image/png-encode.js';
import { pngDataSize, pngToRgba } from '../../src/core/native/png.js';
import { pngChunks, pngFromChunks } from '../support/png-chunks.js';
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

/**
 * What zlib alone makes of a PNG whose chunks are intact (the decoder before the kernels inflated):
 * the RGBA pixels, or null where it refuses the image data.
 */
function zlibOnlyDecode(png: Buffer): Buffer | null {
  const chunks = pngChunks(png);
  const ihdr = chunks.find((c) => c.type === 'IHDR')!.data;
  const h = { width: ihdr.readUInt32BE(0), height: ihdr.readUInt32BE(4), depth: ihdr[8]!, colorType: ihdr[9]!, interlace: ihdr[12]! };
  const chunk = (type: string) => chunks.find((c) => c.type === type)?.data ?? null;
  const expected = pngDataSize(h);
  try {
    const data = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)), {
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: expected + 65536,
    });
    if (data.length < expected) return null;
    const out = Buffer.alloc(h.width * h.height * 4);
    pngToRgba(data, h, chunk('PLTE'), chunk('tRNS'), out);
    return out;
  } catch {
    return null;
  }
}

/** The image data stream of a valid PNG damaged as a cut connection, a broken cache file or a lying upstream would. */
function damagedStream(png: Buffer, rnd: (n: number) => number): Buffer {
  const chunks = pngChunks(png);
  const idats = chunks.filter((c) => c.type === 'IDAT');
  const stream = Buffer.concat(idats.map((c) => c.data));
  const rows = inflateSync(stream);
  let damaged: Buffer;
  switch (rnd(7)) {
    case 0: // cut anywhere, often inside the final checksum (zlib then still has every row)
      damaged = stream.subarray(0, rnd(2) ? stream.length - 1 - rnd(6) : rnd(stream.length));
      break;
    case 1: // bytes after the stream's end
      damaged = Buffer.concat([stream, Buffer.alloc(1 + rnd(40), rnd(256))]);
      break;
    case 2: { // bits flipped in the compressed data
      damaged = Buffer.from(stream);
      for (let k = 1 + rnd(3); k > 0; k--) damaged[rnd(damaged.length)] ^= 1 << rnd(8);
      break;
    }
    case 3: // more rows than the header declares: a little (tolerated) or far more (refused)
      damaged = deflateSync(Buffer.concat([rows, Buffer.alloc(rnd(2) ? 1 + rnd(1000) : 65537 + rnd(100000), 1)]));
      break;
    case 4: // fewer rows than the header declares
      damaged = deflateSync(rows.subarray(0, rnd(rows.length)));
      break;
    case 5: // a stream of stored blocks (another code path in both inflaters), sometimes cut
      damaged = deflateSync(rows, { level: 0 });
      if (rnd(2)) damaged = damaged.subarray(0, rnd(damaged.length));
      break;
    default: // the checksum changed
      damaged = Buffer.from(stream);
      damaged[damaged.length - 1 - rnd(4)] ^= 1 + rnd(255);
  }
  // The stream split over several IDAT chunks (the decoder joins them), or in one.
  const cut = rnd(damaged.length + 1);
  const parts = rnd(2) ? [damaged.subarray(0, cut), damaged.subarray(cut)] : [damaged];
  const first = chunks.indexOf(idats[0]!);
  const rest = chunks.filter((c) => c.type !== 'IDAT');
  rest.splice(first, 0, ...parts.map((data) => ({ type: 'IDAT', data })));
  return pngFromChunks(rest);
}

// The native inflate takes only whole streams of the declared size and leaves everything else to zlib's module:
// on damaged streams the decoder must decide exactly as zlib alone did, in the inline and the pool paths, with
// small tiles and with a meta tile big enough for the pool.
test('damaged image data streams decode or are refused exactly as with zlib alone', async () => {
  const big = Buffer.alloc(560 * 520 * 4);
  for (let i = 0; i < big.length; i++) big[i] = i % 4 === 3 ? 255 : ((i >> 2) % 560 >> 3) * 9 + ((i / 2240) >> 4) * 5;
  const samples = pngSamples().map((s) => s.png);
  const meta = encodeRgbaPngSync({ data: big, width: 560, height: 520 }, { alpha: false });
  const rnd = random(20261207);
  const outcomes = { decoded: 0, refused: 0, pool: 0 };
  for (let i = 0; i < 600; i++) {
    const seed = i % 3 === 0 ? meta : samples[rnd(samples.length)]!;
    const png = damagedStream(seed, rnd);
    const expected = zlibOnlyDecode(png);
    const tryDecode = async (decode: (b: Buffer) => Promise<{ data: Buffer }>) => {
      try {
        return (await decode(png)).data;
      } catch (err) {
        assert.ok(err instanceof Error && /PNG/.test(err.message), `case ${i}: ${String(err)}`);
        return null;
      }
    };
    const inline = await tryDecode(async (b) => decodePng(b));
    const pooled = await tryDecode(decodePngAsync);
    for (const [how, got] of [['decodePng', inline], ['decodePngAsync', pooled]] as const) {
      if (expected === null) assert.equal(got, null, `case ${i}: ${how} decoded what zlib refuses`);
      else assert.ok(got?.equals(expected), `case ${i}: ${how} gave ${got ? 'other pixels' : 'an error'} where zlib decodes`);
    }
    if (expected) outcomes.decoded++;
    else outcomes.refused++;
    if (seed === meta) outcomes.pool++;
  }
  assert.ok(outcomes.decoded > 100 && outcomes.refused > 100 && outcomes.pool > 50, JSON.stringify(outcomes));
});

// The fused meta tile job (kernels/meta_tiles.h) reads the image data of upstream PNGs itself: mutated PNGs through
// it must give either nothing (the caller then decodes and reports) or exactly the tiles of decoding them first.
test('2000 mutated PNGs through the fused meta tile job: no crash, the decoder\'s tiles or nothing', async () => {
  const seeds = pngSamples().map((s) => s.png);
  const png8 = imageFormat('image/png');
  const rnd = random(20261208);
  const outcomes = { taken: 0, declined: 0 };
  for (let i = 0; i < 2000; i++) {
    const png = mutatePng(seeds[rnd(seeds.length)]!, rnd);
    let size: [number, number] = [1 + rnd(64), 1 + rnd(64)];
    try {
      const { header } = pngImageData(png);
      if (rnd(8)) size = [header.width, header.height];
    } catch {
      // a PNG whose chunks do not read: the fused job must decline it
    }
    if (size[0] * size[1] > 1 << 22) continue;
    // tiles inside, across the edges and outside the image
    const tiles = Array.from({ length: 1 + rnd(4) }, () => ({
      offset: [rnd(size[0] + 40) - 20, rnd(size[1] + 40) - 20] as [number, number],
      size: [1 + rnd(48), 1 + rnd(48)] as [number, number],
    }));
    const transparent = rnd(2) === 0;
    const fused = await encodePalettedTilesFromPng(png, size, tiles, png8, { transparent });
    if (!fused) {
      outcomes.declined++;
      continue;
    }
    outcomes.taken++;
    const raw = await decode(png);
    assert.deepEqual([raw.width, raw.height], size, `case ${i}: taken at another size`);
    const expected = await encodePalettedTiles(raw, tiles, png8, { transparent });
    fused.forEach((t, k) => assert.ok(t.equals(expected[k]!), `case ${i}: tile ${k} differs from the decoder's`));
  }
  assert.ok(outcomes.taken > 200 && outcomes.declined > 500, JSON.stringify(outcomes));
});
