// Meta tiles from an upstream PNG take the fused native job (decode and tiles in one call) when the cache stores
// paletted PNG. Whatever the upstream answers, the outcome must be the decoder's: the same tiles for a good image,
// and for a wrong size or a PNG that does not decode the same source errors, with the same messages.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { rmSync } from 'node:fs';
import { decode, encodePalettedTiles } from '../../src/core/image/encode.js';
import { imageFormat } from '../../src/core/image/format.js';
import { decodePngAsync } from '../../src/core/image/png-decode.js';
import { encodeRgbaPngSync } from '../../src/core/image/png-encode.js';
import { pngChunks, pngFromChunks } from '../support/png-chunks.js';
import { tempDir, writeConfig } from '../support/configs.js';
import { createApp, get } from '../support/our-app.js';

const META = 512; // meta_size 2×2 of 256² tiles, no buffer

function picture(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const x = i % width, y = Math.floor(i / width);
    data.set([(x * 3) & 255, (y * 5) & 255, ((x ^ y) * 7) & 255, x < 40 ? 0 : 255], i * 4);
  }
  return encodeRgbaPngSync({ data, width, height }, { alpha: true });
}

/** A 512² PNG whose row 9 has filter type 7: chunks fine, the image data inflates, the rows do not decode. */
function badRows(): Buffer {
  const rows = Buffer.alloc((1 + META * 4) * META);
  rows[(1 + META * 4) * 9] = 7;
  const chunks = pngChunks(picture(META, META)).filter((c) => c.type !== 'IDAT');
  chunks.splice(1, 0, { type: 'IDAT', data: deflateSync(rows) });
  return pngFromChunks(chunks);
}

const answers: Record<string, Buffer> = { good: picture(META, META), wrongsize: picture(256, 256), badrows: badRows() };
let server: Server;
let url: string;
const dirs: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    const params = new URL(req.url ?? '/', 'http://x').searchParams;
    const layer = [...params].find(([k]) => k.toUpperCase() === 'LAYERS')?.[1] ?? '';
    res.writeHead(200, { 'content-type': 'image/png' }).end(answers[layer]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wms`;
});
after(() => {
  server.close();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

async function app(transparent: boolean) {
  const dir = tempDir('fused-png-');
  dirs.push(dir);
  const names = Object.keys(answers);
  const yaml = `
services:
  tms:
layers:
${names.map((n) => `  - name: ${n}\n    title: ${n}\n    sources: [c_${n}]`).join('\n')}
caches:
${names.map((n) => `  c_${n}:\n    grids: [GLOBAL_WEBMERCATOR]\n    sources: [s_${n}]\n    meta_size: [2, 2]\n    meta_buffer: 0\n    format: image/png\n    cache_dir: ${JSON.stringify(join(dir, 'cache'))}`).join('\n')}
sources:
${names.map((n) => `  s_${n}:\n    type: wms\n    req:\n      url: ${url}\n      layers: ${n}\n      transparent: ${transparent}`).join('\n')}
`;
  return createApp(writeConfig(dir, yaml));
}

for (const transparent of [true, false]) {
  it(`${transparent ? 'transparent' : 'opaque'} source: the tiles of a good PNG are those of decode + encodePalettedTiles`, async () => {
    const ours = await app(transparent);
    const expected = await encodePalettedTiles(
      await decode(answers.good!),
      [[0, 0], [256, 0], [0, 256], [256, 256]].map((offset) => ({ offset: offset as [number, number], size: [256, 256] as [number, number] })),
      imageFormat('image/png'),
      { transparent },
    );
    // level 1 of GLOBAL_WEBMERCATOR is one meta tile of 2×2; TMS rows count from the bottom
    const got = await Promise.all([[0, 1], [1, 1], [0, 0], [1, 0]].map(([x, y]) => get(ours, `/tms/1.0.0/good/EPSG3857/1/${x}/${y}.png`)));
    got.forEach((r, i) => {
      assert.equal(r.status, 200);
      assert.ok(r.body.equals(expected[i]!), `tile ${i}`);
    });
  });
}

it('a PNG of another size and one that does not decode are source errors with the decoder\'s messages', async () => {
  const ours = await app(false);
  const wrong = await get(ours, '/tms/1.0.0/wrongsize/EPSG3857/1/0/0.png');
  assert.equal(wrong.status, 500);
  assert.match(wrong.body.toString(), /the source returned an image of 256x256 pixels instead of 512x512/);
  const why = await decodePngAsync(answers.badrows!).then(() => assert.fail('the bad rows decoded'), (err: Error) => err.message);
  const bad = await get(ours, '/tms/1.0.0/badrows/EPSG3857/1/0/0.png');
  assert.equal(bad.status, 500);
  assert.ok(bad.body.toString().includes(`could not decode the image returned by the source: ${why}`), bad.body.toString());
});
