import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createApp } from '../../src/core/app.js';
import { encode } from '../../src/core/image/encode.js';
import { imageFormat } from '../../src/core/image/format.js';
import { DecodedTiles } from '../../src/core/layer/decoded-tiles.js';
import type { Tile } from '../../src/core/tiles/tile.js';

/** The tile's pixels from the tier, whether it kept them or not. */
const pixels = (tier: DecodedTiles, cache: string, tile: Tile) => tier.decoded(cache, tile).then((d) => d.pixels);

const dir = mkdtempSync(join(tmpdir(), 'mapproxy-ts-decoded-'));

async function tile(x: number, colors: boolean): Promise<Tile> {
  const data = Buffer.alloc(256 * 256 * 4, 255);
  for (let i = 0; i < data.length; i += 4) data[i] = (i / 4 + x) % 251;
  const format = colors ? imageFormat('image/png') : imageFormat('image/png', { paletted: false });
  return { coord: [x, 0, 5], data: await encode({ data, width: 256, height: 256 }, format), timestamp: 1, cacheable: true };
}

describe('decoded tiles of a worker (server.decoded_tiles_mb)', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps decoded tiles up to its bound and decodes evicted ones again', async () => {
    // RGBA tiles of 256 KB each in a 1 MB tier: the fifth evicts the first.
    const tier = new DecodedTiles(1024 * 1024);
    const tiles = await Promise.all([0, 1, 2, 3, 4].map((x) => tile(x, false)));
    // A tile is kept from its second request on.
    await pixels(tier, 'c', tiles[0]!);
    const first = await pixels(tier, 'c', tiles[0]!);
    assert.equal(await pixels(tier, 'c', tiles[0]!), first, 'a kept tile is the same object');
    for (const t of tiles.slice(1)) {
      await pixels(tier, 'c', t);
      await pixels(tier, 'c', t);
    }
    assert.notEqual(await pixels(tier, 'c', tiles[0]!), first, 'the oldest tile was evicted and decoded again');
  });

  it('is configured in the server: section; 0 keeps none, a negative size is an error naming the key', async () => {
    const conf = (extra: string) => {
      const f = join(dir, 'mapproxy.yaml');
      writeFileSync(f, `
services: {wms: {md: {title: T}}}
layers: [{name: dbg, title: D, sources: [dbg_cache]}]
caches: {dbg_cache: {grids: [GLOBAL_WEBMERCATOR], sources: [dbg], cache: {type: file, directory: ${JSON.stringify(join(dir, 'c'))}}}}
sources: {dbg: {type: debug}}
${extra}`);
      return f;
    };
    await assert.rejects(createApp(conf('server: {decoded_tiles_mb: -1}')), /server\.decoded_tiles_mb/);
    const app = await createApp(conf('server: {decoded_tiles_mb: 0}'));
    const res = await app.handle({
      method: 'GET', path: '/service', headers: { host: 'localhost' },
      query: 'SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=dbg&STYLES=&SRS=EPSG:3857&BBOX=-20037508,-20037508,0,0&WIDTH=300&HEIGHT=300&FORMAT=image/png',
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['Content-Type'], 'image/png');
    await app.runtime.close();
  });

  it('maps drawn again and again, one after the other and at once, free their own tiles and keep the tier\'s', async () => {
    // layer/map-tiles.ts frees the tiles a map decoded for itself once it is drawn; a tile the tier kept must stay
    // whole for the next maps, or their kernels would find its buffer empty.
    const yaml = (extra: string) => {
      const f = join(dir, 'again.yaml');
      writeFileSync(f, `
services: {wms: {md: {title: T}, srs: ['EPSG:3857', 'EPSG:4326']}}
layers: [{name: dbg, title: D, sources: [dbg_cache]}]
caches: {dbg_cache: {grids: [GLOBAL_WEBMERCATOR], sources: [dbg], cache: {type: file, directory: ${JSON.stringify(join(dir, 'again'))}}}}
sources: {dbg: {type: debug}}
${extra}`);
      return f;
    };
    const map = (srs: string, bbox: string) =>
      `SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=dbg&STYLES=&SRS=${srs}&BBOX=${bbox}&WIDTH=600&HEIGHT=500&FORMAT=image/png`;
    const queries = [map('EPSG:3857', '-2000000,4000000,3000000,8000000'), map('EPSG:4326', '-15,35,25,65')];
    const draw = async (app: Awaited<ReturnType<typeof createApp>>, query: string) => {
      const res = await app.handle({ method: 'GET', path: '/service', headers: { host: 'localhost' }, query });
      assert.equal(res.status, 200, String(res.body).slice(0, 300));
      return res.body as Buffer;
    };
    // The maps without a tier: every tile decoded for its map alone.
    const plain = await createApp(yaml('server: {decoded_tiles_mb: 0}'));
    const reference: Buffer[] = [];
    for (const q of queries) reference.push(await draw(plain, q));
    await plain.runtime.close();
    const app = await createApp(yaml(''));
    for (let round = 0; round < 3; round++) {
      for (const [i, q] of queries.entries()) assert.ok((await draw(app, q)).equals(reference[i]!), `round ${round}, map ${i}`);
    }
    const together = await Promise.all(queries.flatMap((q) => [q, q, q]).map((q) => draw(app, q)));
    together.forEach((body, k) => assert.ok(body.equals(reference[Math.floor(k / 3)]!), `map ${k} drawn at once`));
    await app.runtime.close();
  });
});
