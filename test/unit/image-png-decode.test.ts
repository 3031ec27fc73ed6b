import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { decodePng, decodePngAsync, decodePngPaletted, isPng, type PalettedPixels } from '../../src/core/image/png-decode.js';
import { encodeRgbaPngSync } from '../../src/core/image/png-encode.js';
import { pngFromChunks, pngHeader, refiltered, type Chunk } from '../support/png-chunks.js';
import { pillowDecode, pngSamples, type PngSample } from '../support/png-samples.js';

/**
 * Where Pillow 9.4 (MapProxy's reader) departs from the PNG specification, and we follow the specification (and
 * libpng): it opens 16-bit grey as 32-bit integers and clips them at 255 instead of keeping the high byte, and it
 * ignores the tRNS colour key of 1/2/4-bit grey and of 16-bit images.
 */
const PILLOW_DEVIATES = /grey16|grey[124]-trns|rgb16-trns/;

/** The first pixel where two RGBA buffers differ, for assertion messages. */
function firstDifference(a: Buffer, b: Buffer, width: number): string {
  for (let i = 0; i < Math.min(a.length, b.length); i += 4) {
    if (a.readUInt32BE(i) !== b.readUInt32BE(i)) {
      const p = i / 4;
      return `pixel ${p % width},${Math.floor(p / width)}: ${[...a.subarray(i, i + 4)]} vs ${[...b.subarray(i, i + 4)]}`;
    }
  }
  return `lengths ${a.length} and ${b.length}`;
}

function assertSame(actual: Buffer, expected: Buffer, width: number, what: string): void {
  assert.ok(actual.equals(expected), `${what}: ${firstDifference(actual, expected, width)}`);
}

let samples: PngSample[] = [];
before(() => {
  samples = pngSamples();
});

describe('PNG decoder on files written by Pillow and pypng', () => {
  it('decodes every colour type, bit depth and Adam7 interlacing as the PNG specification says', () => {
    assert.ok(samples.length >= 90, `${samples.length} samples`);
    const kinds = new Set(samples.map((s) => { const h = pngHeader(s.png); return `${h.colorType}/${h.depth}/${h.interlace}`; }));
    for (const kind of ['0/1/0', '0/2/0', '0/4/0', '0/8/0', '0/16/0', '2/8/0', '2/16/0', '3/1/0', '3/2/0', '3/4/0', '3/8/0', '4/8/0', '4/16/0', '6/8/0', '6/16/0',
      '0/1/1', '0/16/1', '2/16/1', '3/1/1', '3/8/1', '4/16/1', '6/8/1', '6/16/1']) {
      assert.ok(kinds.has(kind), `a sample of colour type/depth/interlace ${kind}`);
    }
    for (const s of samples) {
      const img = decodePng(s.png);
      assert.equal(img.width, s.width, s.name);
      assert.equal(img.height, s.height, s.name);
      assertSame(img.data, s.spec, s.width, s.name);
    }
  });

  it('gives Pillow’s pixels, except where Pillow breaks the specification', () => {
    let compared = 0;
    for (const s of samples) {
      assert.ok(s.pillow, `Pillow reads ${s.name}`);
      if (PILLOW_DEVIATES.test(s.name)) continue;
      assertSame(decodePng(s.png).data, s.pillow, s.width, s.name);
      compared++;
    }
    assert.ok(compared >= 80, `${compared} compared with Pillow`);
  });

  it('undoes all five filter types at every pixel size, in plain and Adam7 rows', () => {
    // pypng writes filter type 0 only; the same pixels refiltered row by row with each type must decode alike.
    const unfiltered = samples.filter((s) => s.writer === 'pypng');
    assert.ok(unfiltered.length >= 70);
    for (const s of unfiltered) {
      for (const shift of [0, 1, 2, 3, 4]) {
        const png = refiltered(s.png, (row, pass) => (row + pass + shift) % 5);
        assertSame(decodePng(png).data, s.spec, s.width, `${s.name} refiltered from type ${shift}`);
      }
    }
  });

  it('decodes interlaced PNGs written by libvips (sharp) like Pillow', async () => {
    const w = 45;
    const h = 31;
    const raw = Buffer.alloc(w * h * 4);
    for (let i = 0; i < raw.length; i++) raw[i] = (i % 4 === 3 ? (i >> 5) * 9 : i * 7 + (i >> 7)) & 255;
    const base = () => sharp(raw, { raw: { width: w, height: h, channels: 4 } });
    const pngs = await Promise.all([
      base().png({ progressive: true }).toBuffer(),
      base().removeAlpha().png({ progressive: true }).toBuffer(),
      base().png({ progressive: true, palette: true, colours: 256 }).toBuffer(),
      base().png({ progressive: true, palette: true, colours: 8 }).toBuffer(),
      base().greyscale().png({ progressive: true }).toBuffer(),
      base().toColourspace('rgb16').png({ progressive: true }).toBuffer(),
    ]);
    const pillow = pillowDecode(pngs);
    pngs.forEach((png, i) => {
      assert.equal(pngHeader(png).interlace, 1, `sharp case ${i} is interlaced`);
      assertSame(decodePng(png).data, pillow[i]!.rgba, w, `sharp case ${i} (${pillow[i]!.mode})`);
    });
  });

  it('decodes big images on the pool with the same pixels', async () => {
    const w = 640;
    const h = 480;
    const data = Buffer.alloc(w * h * 4);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 11)) & 255;
    const png = encodeRgbaPngSync({ data, width: w, height: h }, { alpha: true });
    const img = await decodePngAsync(png);
    assert.ok(img.data.equals(data));
    assert.ok(decodePng(png).data.equals(data));
  });
});

describe('palette PNGs kept as indices', () => {
  /** RGBA of pixel i through the palette, as composeWindow draws it. */
  const viaPalette = (px: PalettedPixels, i: number): Buffer => {
    const x = i % px.width;
    const y = Math.floor(i / px.width);
    return Buffer.from(Uint32Array.of(px.palette[px.indices[y * px.pitch + px.first + x]!]!).buffer);
  };

  it('gives the pixels of the RGBA decoder for every depth, with tRNS and Adam7', () => {
    const paletted = samples.filter((s) => pngHeader(s.png).colorType === 3);
    assert.ok(paletted.length >= 20);
    for (const s of paletted) {
      const px = decodePngPaletted(s.png);
      assert.ok(px, s.name);
      const rgba = Buffer.concat(Array.from({ length: s.width * s.height }, (_, i) => viaPalette(px, i)));
      assertSame(rgba, s.spec, s.width, s.name);
      const { depth, interlace } = pngHeader(s.png);
      // 8-bit plain rows are the indices in place, behind their filter bytes; one row when all rows are the same.
      if (depth === 8 && !interlace && px.pitch === 0) assert.deepEqual([px.first, px.indices.length], [1, s.width + 1], s.name);
      else assert.deepEqual([px.pitch, px.first], depth === 8 && !interlace ? [s.width + 1, 1] : [s.width, 0], s.name);
    }
  });

  it('keeps one row of an 8-bit image whose rows are all the same (a tile of one colour), every row otherwise', () => {
    const png = (rows: number[][]) => withChunk(palettePng(), 'IDAT', deflateSync(Buffer.from(rows.flatMap((r) => [0, ...r]))));
    const same = decodePngPaletted(png([[0, 1, 2, 1, 0], [0, 1, 2, 1, 0], [0, 1, 2, 1, 0]]))!;
    assert.deepEqual([same.pitch, same.first, [...same.indices]], [0, 1, [0, 0, 1, 2, 1, 0]]);
    // Filters that differ per row but give the same pixels: Sub on the first row, Up (all zero) below.
    const filtered = decodePngPaletted(withChunk(palettePng(), 'IDAT', deflateSync(Buffer.from([1, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0]))))!;
    assert.deepEqual([filtered.pitch, [...filtered.indices.subarray(1)]], [0, [2, 2, 2, 2, 2]]);
    const last = decodePngPaletted(png([[0, 1, 2, 1, 0], [0, 1, 2, 1, 0], [0, 1, 2, 1, 1]]))!;
    assert.deepEqual([last.pitch, last.indices.length], [6, 18], 'the last row differs');
  });

  it('refuses PNGs that are not paletted', () => {
    for (const s of samples.filter((x) => pngHeader(x.png).colorType !== 3)) assert.equal(decodePngPaletted(s.png), null, s.name);
  });
});

/** A small valid palette PNG to break in the tests below: 5×3, 8-bit, three entries, two with alpha. */
function palettePng(): Chunk[] {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(5, 0);
  ihdr.writeUInt32BE(3, 4);
  ihdr[8] = 8;
  ihdr[9] = 3;
  const rows = Buffer.from([0, 0, 1, 2, 1, 0, 2, 0, 1, 2, 2, 1, 0, 0, 0, 1, 1, 1]);
  return [
    { type: 'IHDR', data: ihdr },
    { type: 'PLTE', data: Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255]) },
    { type: 'tRNS', data: Buffer.from([0, 128]) },
    { type: 'IDAT', data: deflateSync(rows) },
    { type: 'IEND', data: Buffer.alloc(0) },
  ];
}

function withChunk(chunks: Chunk[], type: string, data: Buffer | null): Buffer {
  const out = chunks.flatMap((c) => (c.type !== type ? [c] : data ? [{ type, data }] : []));
  return pngFromChunks(out);
}

function withHeader(edit: (ihdr: Buffer) => void): Buffer {
  const chunks = palettePng();
  const ihdr = Buffer.from(chunks[0]!.data);
  edit(ihdr);
  return withChunk(chunks, 'IHDR', ihdr);
}

describe('broken PNGs are refused with a clear error', () => {
  it('decodes the unbroken test image', () => {
    const img = decodePng(pngFromChunks(palettePng()));
    assert.deepEqual([...img.data.subarray(0, 12)], [255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255]);
  });

  const cases: [string, () => Buffer, RegExp][] = [
    ['not a PNG', () => Buffer.from('GIF89a, not a PNG at all'), /not a PNG file/],
    ['cut inside the header', () => pngFromChunks(palettePng()).subarray(0, 20), /truncated PNG file/],
    ['a bad IHDR CRC', () => { const b = pngFromChunks(palettePng()); b[29] ^= 1; return b; }, /bad CRC in the IHDR chunk/],
    ['a bad PLTE CRC', () => { const b = pngFromChunks(palettePng()); b[33 + 12] ^= 1; return b; }, /bad CRC in the PLTE chunk/],
    ['a short IHDR', () => withChunk(palettePng(), 'IHDR', Buffer.alloc(12)), /IHDR chunk of 12 bytes/],
    ['no IHDR first', () => pngFromChunks(palettePng().slice(1)), /first chunk is PLTE, not IHDR/],
    ['zero width', () => withHeader((h) => h.writeUInt32BE(0, 0)), /PNG size 0x3 is not valid/],
    ['a huge declared size', () => withHeader((h) => { h.writeUInt32BE(100000, 0); h.writeUInt32BE(100000, 4); }), /above the limit of 178956970 pixels/],
    // 144 million pixels within the limit, over a few bytes of data: refused before anything of that size is allocated.
    ['a huge image over a few bytes of data', () => withHeader((h) => { h.writeUInt32BE(12000, 0); h.writeUInt32BE(12000, 4); }), /image data is truncated/],
    ['a width beyond 2^31', () => withHeader((h) => h.writeUInt32BE(0x80000000, 0)), /PNG size 2147483648x3 is not valid/],
    ['a bad bit depth', () => withHeader((h) => { h[8] = 3; }), /bit depth 3 is not valid for colour type 3/],
    ['16-bit palette', () => withHeader((h) => { h[8] = 16; }), /bit depth 16 is not valid for colour type 3/],
    ['a bad colour type', () => withHeader((h) => { h[9] = 5; }), /colour type 5 is not valid/],
    ['a bad interlace method', () => withHeader((h) => { h[12] = 2; }), /interlace method 2 is not valid/],
    ['a bad filter method', () => withHeader((h) => { h[11] = 1; }), /filter method 1 is not valid/],
    ['no PLTE', () => withChunk(palettePng(), 'PLTE', null), /palette image without a PLTE chunk/],
    ['a PLTE of partial entries', () => withChunk(palettePng(), 'PLTE', Buffer.alloc(8)), /PLTE chunk of 8 bytes/],
    ['a PLTE of 257 entries', () => withChunk(palettePng(), 'PLTE', Buffer.alloc(771)), /PLTE chunk of 771 bytes/],
    ['a tRNS longer than the palette', () => withChunk(palettePng(), 'tRNS', Buffer.alloc(4)), /tRNS chunk has 4 entries for a palette of 3/],
    ['no image data', () => withChunk(palettePng(), 'IDAT', null), /no image data/],
    ['image data that is not zlib', () => withChunk(palettePng(), 'IDAT', Buffer.from('nonsense data')), /does not inflate/],
    ['too little image data', () => withChunk(palettePng(), 'IDAT', deflateSync(Buffer.alloc(17))), /image data is truncated: 17 of 18 bytes/],
    ['the file cut in the image data', () => { const b = pngFromChunks(palettePng()); return b.subarray(0, b.length - 30); }, /image data is truncated/],
    ['an unknown filter type', () => withChunk(palettePng(), 'IDAT', deflateSync(Buffer.from([0, 0, 1, 2, 1, 0, 5, 0, 1, 2, 2, 1, 0, 0, 0, 1, 1, 1]))), /row 1 has an unknown filter type 5/],
    ['far more image data than declared', () => withChunk(palettePng(), 'IDAT', deflateSync(Buffer.alloc(100000))), /larger than its header declares/],
  ];
  for (const [name, make, message] of cases) {
    it(name, async () => {
      const png = make();
      assert.throws(() => decodePng(png), (err: unknown) => err instanceof Error && message.test(err.message), name);
      await assert.rejects(decodePngAsync(png), message);
      if (name !== 'not a PNG') assert.throws(() => decodePngPaletted(png), message);
    });
  }

  it('accepts what Pillow accepts: no IEND, trailing bytes, IDAT split anywhere, unknown chunks', () => {
    const full = pngFromChunks(palettePng());
    const expected = decodePng(full).data;
    assert.ok(decodePng(full.subarray(0, full.length - 12)).data.equals(expected), 'no IEND');
    assert.ok(decodePng(Buffer.concat([full, Buffer.from('garbage after the end')])).data.equals(expected), 'trailing bytes');
    const chunks = palettePng();
    const idat = chunks[3]!.data;
    const split = [chunks[0]!, { type: 'teXt', data: Buffer.from('hello') }, chunks[1]!, chunks[2]!,
      { type: 'IDAT', data: idat.subarray(0, 5) }, { type: 'IDAT', data: Buffer.alloc(0) }, { type: 'IDAT', data: idat.subarray(5) }, chunks[4]!];
    assert.ok(decodePng(pngFromChunks(split)).data.equals(expected), 'split IDAT and an unknown chunk');
  });

  it('gives indices beyond the palette opaque black, like libpng', () => {
    const png = withChunk(palettePng(), 'IDAT', deflateSync(Buffer.from([0, 200, 1, 2, 1, 0, 0, 0, 1, 2, 2, 1, 0, 0, 0, 1, 1, 1])));
    assert.deepEqual([...decodePng(png).data.subarray(0, 4)], [0, 0, 0, 255]);
    const px = decodePngPaletted(png)!;
    assert.equal(px.palette[px.indices[px.first]!], new Uint32Array(Uint8Array.from([0, 0, 0, 255]).buffer)[0]);
  });

  it('leaves bytes that are not a PNG to the other codecs', () => {
    assert.equal(isPng(Buffer.from('GIF89a')), false);
    assert.throws(() => decodePng(pngFromChunks(palettePng()).subarray(0, 40)), /truncated/);
  });
});
