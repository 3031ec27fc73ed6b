// The fused meta tile job (kernels/meta_tiles.h through encodePalettedTilesFromPng): an upstream PNG decoded and
// its tiles quantized and written in one native call must give exactly the bytes of the two steps it replaces
// (decode to RGBA, then encodePalettedTiles), for every kind of PNG an upstream sends, transparent and opaque
// caches, and tiles that reach outside the meta image; and anything it does not take must fall back to the
// decoder, so that errors and their messages stay those of the decoder.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import type { Point, Size } from '../../src/core/geo/bbox.js';
import { decode, encodePalettedTiles, encodePalettedTilesFromPng, encodePalettedTilesFromPngStaged } from '../../src/core/image/encode.js';
import { imageFormat, type ImageFormat } from '../../src/core/image/format.js';
import { pngImageData } from '../../src/core/image/png-decode.js';
import { kernel } from '../../src/core/native/kernels.js';
import { metaTilesPng, metaTilesPngStaged } from '../../src/core/native/meta-tiles.js';
import { packedPngHeader } from '../../src/core/native/png.js';
import { pngChunks, pngFromChunks } from '../support/png-chunks.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TILE = 128;
const BUFFER = 16;
const SIDE = 4 * TILE + 2 * BUFFER;
const SIZE: Size = [SIDE, SIDE];
const NONE = new Int32Array(0);

/** A meta tile of MapServer's world map (config/world.map), as the bench's upstream draws it. */
function mapserver(transparent: boolean): Buffer {
  const q = `map=config/world.map&SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=world&STYLES=&SRS=EPSG:3857&BBOX=-2500000,3500000,1500000,7500000&WIDTH=${SIDE}&HEIGHT=${SIDE}&FORMAT=image/png&TRANSPARENT=${transparent ? 'TRUE' : 'FALSE'}`;
  return execFileSync('/usr/lib/cgi-bin/mapserv', ['-nh', `QUERY_STRING=${q}`], {
    cwd: REPO, env: { ...process.env, MAPSERVER_CONFIG_FILE: join(REPO, 'config/mapserver.conf') }, maxBuffer: 1 << 26,
  });
}

const inside = (): { offset: Point; size: Size }[] =>
  Array.from({ length: 16 }, (_, i) => ({ offset: [BUFFER + (i % 4) * TILE, BUFFER + (i >> 2) * TILE] as Point, size: [TILE, TILE] as Size }));
/** A grid whose bbox is not tile-aligned: tiles leave the image on every side, one lies wholly outside. */
const stickingOut = (): { offset: Point; size: Size }[] => [
  ...inside().map((t) => ({ offset: [t.offset[0] - 70, t.offset[1] + 90] as Point, size: t.size })),
  { offset: [SIDE - 30, -50], size: [TILE, TILE] },
  { offset: [SIDE + 10, 5], size: [TILE, 64] },
];

/**
 * Tiles in no order of rows, of different heights, overlapping, one wholly above the image: the job decodes a window
 * of rows as high as the highest tile and moves it up and down as the tiles ask.
 */
const shuffled = (): { offset: Point; size: Size }[] => [
  ...inside().reverse(),
  { offset: [40, 100], size: [TILE, 3 * TILE] },
  { offset: [BUFFER, BUFFER + TILE], size: [TILE, TILE] },
  { offset: [0, -2 * TILE], size: [TILE, TILE] },
  { offset: [SIDE - 1, SIDE - 1], size: [TILE, TILE] },
];

let pngs: Map<string, Buffer>;
before(() => {
  const dir = mkdtempSync(join(tmpdir(), 'meta-tiles-'));
  try {
    writeFileSync(join(dir, 'opaque.png'), mapserver(false));
    writeFileSync(join(dir, 'transparent.png'), mapserver(true));
    const names = execFileSync('/usr/bin/python3', [join(REPO, 'test/support/meta_tile_pngs.py'), join(dir, 'opaque.png'), join(dir, 'transparent.png'), dir], { encoding: 'utf8' })
      .trim().split('\n');
    pngs = new Map(names.map((n) => [n, readFileSync(join(dir, `${n}.png`))]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const png8 = imageFormat('image/png');
const formats: [string, ImageFormat][] = [
  ['fastoctree', png8],
  ['mediancut', { ...png8, quantizer: 'mediancut' }],
  ['64 colours', { ...png8, colors: 64 }],
];

async function twoSteps(png: Buffer, tiles: { offset: Point; size: Size }[], format: ImageFormat, transparent: boolean): Promise<Buffer[]> {
  return encodePalettedTiles(await decode(png), tiles, format, { transparent });
}

describe('the fused meta tile job gives the two steps\' tiles byte for byte', () => {
  it('covers the kinds of PNG it should', () => {
    const kinds = [...pngs.keys()];
    assert.deepEqual(kinds, ['rgb8', 'rgba8', 'paletted-trns', 'paletted4', 'grey8', 'greyalpha8', 'rgb16', 'rgba16-adam7', 'rgba8-adam7']);
    const header = (n: string) => pngImageData(pngs.get(n)!).header;
    assert.deepEqual([header('paletted-trns').colorType, !!pngImageData(pngs.get('paletted-trns')!).trns], [3, true]);
    assert.deepEqual([header('paletted4').colorType, header('paletted4').depth], [3, 4]);
    assert.deepEqual([header('rgba16-adam7').depth, header('rgba16-adam7').interlace], [16, 1]);
  });

  for (const transparent of [true, false]) {
    for (const [layout, tiles] of [['inside', inside], ['sticking out', stickingOut], ['shuffled', shuffled]] as const) {
      it(`${transparent ? 'transparent' : 'opaque'} cache, tiles ${layout}`, async () => {
        for (const [kind, png] of pngs) {
          for (const [name, format] of formats) {
            if (name !== 'fastoctree' && kind !== 'rgba8' && kind !== 'paletted-trns') continue;
            const expected = await twoSteps(png, tiles(), format, transparent);
            const fused = await encodePalettedTilesFromPng(png, SIZE, tiles(), format, { transparent });
            assert.ok(fused, `${kind}, ${name}: taken`);
            assert.equal(fused.length, expected.length);
            fused.forEach((t, i) => assert.ok(t.equals(expected[i]!), `${kind}, ${name}: tile ${i} differs`));
          }
        }
      });
    }
  }

  it('a small meta tile runs inline and gives the same bytes', async () => {
    const small = pngs.get('rgba8')!;
    const raw = await decode(small);
    const crop = Buffer.alloc(100 * 60 * 4);
    for (let y = 0; y < 60; y++) raw.data.copy(crop, y * 400, ((y + 200) * SIDE + 200) * 4, ((y + 200) * SIDE + 300) * 4);
    const { encodeRgbaPngSync } = await import('../../src/core/image/png-encode.js');
    const png = encodeRgbaPngSync({ data: crop, width: 100, height: 60 }, { alpha: true });
    const tiles = [{ offset: [-10, -10] as Point, size: [64, 64] as Size }, { offset: [50, 20] as Point, size: [64, 64] as Size }];
    const expected = await twoSteps(png, tiles, png8, true);
    const fused = await encodePalettedTilesFromPng(png, [100, 60], tiles, png8, { transparent: true });
    assert.deepEqual(fused, expected);
  });
});

describe('the asked tiles first', () => {
  // out of order and spread over the meta tile: rows from the top, the middle and the bottom
  const ASKED = [9, 0, 15, 6];

  it('are handed out as the asked tiles of the all-at-once job, in the asked order, and all tiles stay the same', async () => {
    for (const [kind, png] of pngs) {
      for (const transparent of [true, false]) {
        // staged first: the pool thread's memory then holds the rows of another image, not of this one
        const staged = encodePalettedTilesFromPngStaged(png, SIZE, inside(), png8, { transparent }, ASKED);
        const asked = await staged.asked;
        const expected = await twoSteps(png, inside(), png8, transparent);
        assert.ok(asked, `${kind}: taken`);
        assert.equal(asked.length, ASKED.length);
        asked.forEach((t, k) => assert.ok(t.equals(expected[ASKED[k]!]!), `${kind}: asked tile ${ASKED[k]} differs`));
        assert.deepEqual(await staged.all, expected, kind);
      }
    }
  });

  it('the kernel calls onEarly once, from the pool, with the asked tiles in the asked order', async () => {
    const data = pngImageData(pngs.get('rgba8')!);
    const raw = kernel<(...args: unknown[]) => Promise<Buffer[] | false>>('metaTilesPng');
    const rects = Int32Array.from(inside().flatMap((t) => [t.offset[0], t.offset[1], t.size[0], t.size[1]]));
    const options = Int32Array.from([256, 0, 1, 255, 255, 255]);
    const calls: Buffer[][] = [];
    const all = await raw(data.compressed, packedPngHeader(data.header), new Uint8Array(0), new Uint8Array(0), SIDE, SIDE, rects, options, true,
      Int32Array.from(ASKED), (tiles: Buffer[]) => calls.push(tiles));
    // the early call may reach this thread after the job's end, never after the next turn of the event loop
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(all);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0], ASKED.map((i) => all[i]));
    // asked indices are checked: out of range, repeated, not an Int32Array
    const args = (asked: unknown) => [data.compressed, packedPngHeader(data.header), new Uint8Array(0), new Uint8Array(0), SIDE, SIDE, rects, options, true, asked, null];
    assert.throws(() => raw(...args(Int32Array.from([16]))), RangeError);
    assert.throws(() => raw(...args(Int32Array.from([-1]))), RangeError);
    assert.throws(() => raw(...args(Int32Array.from([3, 3]))), RangeError);
    assert.throws(() => raw(...args([0])), RangeError);
    assert.throws(() => raw(...[...args(NONE).slice(0, 10), 'no function']), RangeError);
  });

  it('a PNG damaged late in its stream hands out no tile: the decoder says why', async () => {
    const png = pngs.get('rgb8')!;
    const data = pngImageData(png);
    const rows = decodeRows(png);
    const rowBytes = 1 + SIDE * 3;
    const lastRow = Buffer.from(rows);
    lastRow[rowBytes * (SIDE - 1)] = 7; // filter type 7 in the last row
    const corrupt = Buffer.from(data.compressed);
    corrupt[corrupt.length - 1] ^= 0x01; // the stream's checksum, after every row
    const raw = kernel<(...args: unknown[]) => Promise<Buffer[] | false>>('metaTilesPng');
    const rects = Int32Array.from(inside().flatMap((t) => [t.offset[0], t.offset[1], t.size[0], t.size[1]]));
    const options = Int32Array.from([256, 0, 0, 255, 255, 255]);
    for (const [what, stream] of [['a bad filter type in the last row', deflateSync(lastRow)], ['a bad checksum', corrupt]] as const) {
      const bytes = withStream(png, stream);
      const staged = encodePalettedTilesFromPngStaged(bytes, SIZE, inside(), png8, { transparent: false }, [0]);
      assert.equal(await staged.asked, null, what);
      assert.equal(await staged.all, null, what);
      const calls: unknown[] = [];
      const job = raw(stream, packedPngHeader(data.header), new Uint8Array(0), new Uint8Array(0), SIDE, SIDE, rects, options, true, Int32Array.from([0]), () => calls.push(1));
      await job.then(() => undefined, () => undefined);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(calls, [], `${what}: onEarly not called`);
    }
    await assert.rejects(decode(withStream(png, deflateSync(lastRow))), /filter/);
  });
});

/** The PNG's inflated rows (filter bytes and all). */
function decodeRows(png: Buffer): Buffer {
  return inflateSync(pngImageData(png).compressed);
}

/** The PNG with its image data replaced by `stream` (one IDAT). */
function withStream(png: Buffer, stream: Uint8Array): Buffer {
  const chunks = pngChunks(png);
  const first = chunks.findIndex((c) => c.type === 'IDAT');
  const rest = chunks.filter((c) => c.type !== 'IDAT');
  rest.splice(first, 0, { type: 'IDAT', data: Buffer.from(stream) });
  return pngFromChunks(rest);
}

describe('what the fused job does not take falls back to the decoder', () => {
  /** The PNG with its image data replaced by `stream` (one IDAT). */
  const withStream = (png: Buffer, stream: Uint8Array) => {
    const chunks = pngChunks(png);
    const first = chunks.findIndex((c) => c.type === 'IDAT');
    const rest = chunks.filter((c) => c.type !== 'IDAT');
    rest.splice(first, 0, { type: 'IDAT', data: Buffer.from(stream) });
    return pngFromChunks(rest);
  };

  it('another size, a broken file, a stream cut short or corrupt, rows that do not unfilter: null', async () => {
    const png = pngs.get('rgb8')!;
    const stream = pngImageData(png).compressed;
    const rowBytes = 1 + SIDE * 3;
    const badRows = Buffer.alloc(rowBytes * SIDE);
    badRows[rowBytes * 7] = 9; // filter type 9 in row 7
    const corrupt = Buffer.from(stream);
    corrupt[corrupt.length - 2] ^= 0x55; // the checksum
    const cases: [string, Buffer, Size][] = [
      ['another size', png, [SIDE, SIDE - 1]],
      ['not a PNG', Buffer.from('no image at all'), SIZE],
      ['a bad CRC before the image data', Buffer.concat([png.subarray(0, 29), Buffer.from([png[29]! ^ 1]), png.subarray(30)]), SIZE],
      ['a stream cut short', withStream(png, stream.subarray(0, stream.length - 100)), SIZE],
      ['a corrupt stream', withStream(png, corrupt), SIZE],
      ['more rows than declared', withStream(png, deflateSync(Buffer.concat([badRows, Buffer.alloc(10)]))), SIZE],
      ['a bad filter type', withStream(png, deflateSync(badRows)), SIZE],
    ];
    for (const [what, bytes, size] of cases) {
      assert.equal(await encodePalettedTilesFromPng(bytes, size, inside(), png8, { transparent: false }), null, what);
    }
  });

  it('the kernel checks sizes itself', async () => {
    const data = pngImageData(pngs.get('rgb8')!);
    const opts = { colors: 256, quantizer: 'fastoctree', alpha: true, background: [255, 255, 255] } as const;
    const rect = { x: 0, y: 0, width: 8, height: 8 };
    await assert.rejects(metaTilesPng(data, SIDE, SIDE + 1, [rect], opts), RangeError);
    await assert.rejects(metaTilesPng(data, SIDE, SIDE, [], opts), RangeError);
    await assert.rejects(metaTilesPng({ ...data, header: { ...data.header, depth: 7 } }, SIDE, SIDE, [rect], opts), /depth/);
    const paletted = pngImageData(pngs.get('paletted-trns')!);
    await assert.rejects(metaTilesPng({ ...paletted, plte: new Uint8Array(5) }, SIDE, SIDE, [rect], opts), /PLTE/);
    await assert.rejects(metaTilesPng({ ...paletted, trns: new Uint8Array(300) }, SIDE, SIDE, [rect], opts), /tRNS/);
    await assert.rejects(metaTilesPng(data, SIDE, SIDE, [{ ...rect, width: 0 }], opts), RangeError);
    // The kernel's own checks, past the TypeScript ones.
    const raw = kernel<(...args: unknown[]) => unknown>('metaTilesPng');
    const header = packedPngHeader(data.header);
    const none = new Uint8Array(0);
    const rects = Int32Array.from([0, 0, 8, 8]);
    const options = Int32Array.from([256, 0, 1, 255, 255, 255]);
    assert.throws(() => raw(data.compressed, header, none, none, SIDE, SIDE + 1, rects, options, false, NONE, null), RangeError);
    assert.throws(() => raw(data.compressed, header, none, none, SIDE, SIDE, new Int32Array(0), options, false, NONE, null), RangeError);
    assert.throws(() => raw(data.compressed, header, none, none, SIDE, SIDE, Int32Array.from([0, 0, 8]), options, false, NONE, null), RangeError);
    assert.throws(() => raw(data.compressed, header, none, none, SIDE, SIDE, Int32Array.from([0, 0, 1 << 17, 8]), options, false, NONE, null), RangeError);
    assert.throws(() => raw(data.compressed, header, none, none, SIDE, SIDE, rects, Int32Array.from([0, 0, 1, 0, 0, 0]), false, NONE, null), RangeError);
    assert.throws(() => raw(data.compressed, header.subarray(0, 4), none, none, SIDE, SIDE, rects, options, false, NONE, null), RangeError);
    assert.throws(() => raw(data.compressed, header, none, none, SIDE, SIDE, rects, options), TypeError);
    assert.equal((raw(data.compressed, header, none, none, SIDE, SIDE, rects, options, false, NONE, null) as Buffer[]).length, 1);
    // Asked tiles: indices of the rects, each once, in an Int32Array (the wrapper and the kernel both refuse others).
    const two = Int32Array.from([0, 0, 8, 8, 8, 0, 8, 8]);
    for (const asked of [Int32Array.from([2]), Int32Array.from([-1]), Int32Array.from([1, 1]), Int32Array.from([0, 1, 0])]) {
      assert.throws(() => raw(data.compressed, header, none, none, SIDE, SIDE, two, options, true, asked, null), RangeError, `asked ${asked.join(',')}`);
    }
    assert.throws(() => raw(data.compressed, header, none, none, SIDE, SIDE, two, options, true, Float64Array.from([0]), null), RangeError);
    assert.throws(() => raw(data.compressed, header, none, none, SIDE, SIDE, two, options, true, Int32Array.from([1]), 'early'), RangeError);
    const both = [rect, { ...rect, x: 8 }];
    for (const asked of [[2], [-1], [1, 1], [0.5]]) {
      await assert.rejects(metaTilesPngStaged(data, SIDE, SIDE, both, opts, asked).all, RangeError, `asked ${asked.join(',')}`);
    }
    // Declared huge over a few bytes: not taken, nothing of the declared size allocated.
    const huge = { ...data, header: { ...data.header, width: 13000, height: 13000 }, compressed: data.compressed.subarray(0, 50) };
    assert.equal(await metaTilesPng(huge, 13000, 13000, [rect], opts), null);
  });
});

