// A map's decoded tiles (layer/map-tiles.ts): decoded when the map is drawn, the buffers decoded for it alone freed
// as soon as its last draw has ended (native releaseArrayBuffers), never the tier's; maps drawn on the pool take
// turns before decoding.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Size } from '../../src/core/geo/bbox.js';
import { tileMosaic } from '../../src/core/image/compose.js';
import { encode } from '../../src/core/image/encode.js';
import { imageFormat } from '../../src/core/image/format.js';
import type { DeferredPixels } from '../../src/core/image/image.js';
import { resampledMosaic } from '../../src/core/image/mosaic-map.js';
import { decodeTilePixels, type TilePixels } from '../../src/core/image/tile-pixels.js';
import { DecodedTiles } from '../../src/core/layer/decoded-tiles.js';
import { ownBuffer, PoolMapTurns, releasingTiles, type DecodedMapTiles } from '../../src/core/layer/map-tiles.js';
import { releaseArrayBuffers } from '../../src/core/native/memory.js';
import { POOL_THREADS } from '../../src/core/native/pool.js';

const SIDE = 256;
const png8 = imageFormat('image/png');

/** A paletted 256² tile of stripes (not one colour, so its indices are a whole 66 KB buffer). */
async function stripes(shift: number): Promise<Buffer> {
  const data = Buffer.alloc(SIDE * SIDE * 4, 255);
  for (let i = 0; i < SIDE * SIDE; i++) data[i * 4] = (((i % SIDE) + shift) >> 4) * 16;
  return encode({ data, width: SIDE, height: SIDE }, png8);
}

const detached = (b: ArrayBuffer) => b.byteLength === 0;

describe('releaseArrayBuffers', () => {
  it('frees whole ArrayBuffers now and leaves anything else alone', () => {
    const a = new ArrayBuffer(100_000);
    const view = new Uint8Array(a);
    view[5] = 7;
    assert.equal(releaseArrayBuffers([a, {} as ArrayBuffer, 3 as unknown as ArrayBuffer]), 100_000);
    assert.equal(a.byteLength, 0, 'detached');
    assert.equal(view.length, 0, 'its views read as empty');
    assert.equal(releaseArrayBuffers([a]), 0, 'a detached buffer again: nothing');
    assert.throws(() => releaseArrayBuffers('x' as unknown as ArrayBuffer[]), /array of ArrayBuffers/);
  });

  it('ownBuffer takes a decoded tile\'s own buffer, never a slice of a shared one', async () => {
    const pixels = await decodeTilePixels(await stripes(0));
    assert.equal(pixels.kind, 'paletted');
    const own = ownBuffer(pixels);
    assert.ok(own && own.byteLength >= SIDE * SIDE, 'the indices are their own buffer');
    const slab = new ArrayBuffer(200_000);
    const sliced: TilePixels = { kind: 'rgba', raw: { data: Buffer.from(slab, 1000, SIDE * 4 * 100), width: SIDE, height: 100 } };
    assert.equal(ownBuffer(sliced), null, 'a view into a bigger buffer');
    const small: TilePixels = { kind: 'rgba', raw: { data: Buffer.alloc(64), width: 4, height: 4 } };
    assert.equal(ownBuffer(small), null, 'too small to be worth it (and Node\'s pool)');
  });
});

describe('a map\'s tiles', () => {
  const size: Size = [200, 200];
  const gridSize: Size = [2, 1];

  /** Two tiles decoded for the map, counting decodings; drawn as a real resampled mosaic. */
  async function map(pooled = false) {
    const bytes = await Promise.all([stripes(0), stripes(3)]);
    const decodings: DecodedMapTiles[] = [];
    const decode = async (): Promise<DecodedMapTiles> => {
      const pixels = await Promise.all(bytes.map(decodeTilePixels));
      const d = { pixels, own: pixels.map((p) => ownBuffer(p)!) };
      decodings.push(d);
      return d;
    };
    const make = (pixels: DecodedMapTiles['pixels']): DeferredPixels =>
      resampledMosaic(tileMosaic(pixels, gridSize, [SIDE, SIDE], { x: 0, y: 0, width: 2 * SIDE, height: SIDE }), [0, 0, 2, 1], [0.2, 0.1, 1.8, 0.9], size, 'bicubic');
    return { deferred: releasingTiles(size, pooled ? new PoolMapTurns() : null, decode, make), decodings, make, decode };
  }

  it('are decoded when the map is drawn and freed when it is done; drawn again, decoded again, same bytes', async () => {
    const { deferred, decodings, make, decode } = await map();
    assert.equal(decodings.length, 0, 'nothing decoded before the map is drawn');
    const q = { colors: 256 } as Parameters<DeferredPixels['palettedPng']>[0];
    const first = await deferred.palettedPng(q);
    assert.equal(decodings.length, 1);
    assert.ok(decodings[0]!.own.every(detached), 'the map\'s own tiles were freed');
    const expected = await make((await decode()).pixels).palettedPng(q);
    assert.ok(first.equals(expected), 'the same bytes as a map drawn from tiles never freed');
    const raw = await deferred.draw();
    assert.equal(decodings.length, 3, 'drawn again: decoded again');
    assert.equal(raw.data.length, 200 * 200 * 4);
    assert.ok(decodings[2]!.own.every(detached));
  });

  it('draws in flight together share one decoding, freed after the last', async () => {
    const { deferred, decodings } = await map();
    const q = { colors: 256 } as Parameters<DeferredPixels['palettedPng']>[0];
    const [a, b] = await Promise.all([deferred.palettedPng(q), deferred.draw()]);
    assert.ok(a.length > 0 && b.data.length > 0);
    assert.equal(decodings.length, 1);
    assert.ok(decodings[0]!.own.every(detached));
  });

  it('maps drawn on the pool take turns before decoding: one more than the pool\'s threads at once', async () => {
    let open = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    const slow = (): DeferredPixels => ({
      size,
      draw: () => Promise.reject(new Error('not drawn here')),
      palettedPng: async () => {
        open++;
        most = Math.max(most, open);
        await new Promise<void>((r) => gates.push(r));
        open--;
        return Buffer.alloc(1);
      },
    });
    let decoded = 0;
    const decode = async (): Promise<DecodedMapTiles> => {
      decoded++;
      return { pixels: [], own: [] };
    };
    const q = { colors: 256 } as Parameters<DeferredPixels['palettedPng']>[0];
    const turns = new PoolMapTurns();
    assert.equal(turns.slots, POOL_THREADS + 1);
    const maps = Array.from({ length: POOL_THREADS + 4 }, () => releasingTiles(size, turns, decode, slow).palettedPng(q));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.equal(decoded, POOL_THREADS + 1, 'the others wait undecoded');
    while (gates.length) {
      gates.shift()!();
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(maps);
    assert.equal(decoded, POOL_THREADS + 4);
    assert.equal(most, POOL_THREADS + 1);
  });

  it('a tile the tier keeps (or gives) is not the map\'s own, so it is never freed', async () => {
    const tier = new DecodedTiles();
    const tile = { coord: [1, 2, 3] as const, data: await stripes(5), timestamp: 1, cacheable: true };
    assert.equal((await tier.decoded('c', tile)).own, true, 'the first decoding is the caller\'s');
    const kept = await tier.decoded('c', tile);
    assert.equal(kept.own, false, 'the second is kept');
    const again = await tier.decoded('c', tile);
    assert.equal(again.own, false);
    assert.equal(again.pixels, kept.pixels);
  });
});
