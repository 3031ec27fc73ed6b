// max_tile_limit side by side with MapProxy 1.15 (Debian's): WMS GetMap on caches with the global limit and with a
// cache's own (0: no limit). The same requests are refused with the same ServiceException text (the whole
// rectangle of tiles counts and reaching the limit is too many), the others answered with an image by both.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReferenceMapProxy, type ReferenceMapProxy } from '../support/mapproxy-reference.js';
import { startOurServer, type OurServer } from '../support/our-app.js';

const skip = !existsSync('/usr/lib/python3/dist-packages/mapproxy') ? 'MapProxy 1.15 missing' : false;

function config(baseDir: string): string {
  return `
globals: {cache: {base_dir: ${baseDir}, max_tile_limit: 6}}
services: {wms: {srs: ['EPSG:3857']}}
layers:
  - {name: limited, title: limited, sources: [limited]}
  - {name: own, title: own, sources: [own]}
  - {name: unlimited, title: unlimited, sources: [unlimited]}
caches:
  limited: {grids: [GLOBAL_WEBMERCATOR], sources: [dbg], disable_storage: true}
  own: {grids: [GLOBAL_WEBMERCATOR], sources: [dbg], disable_storage: true, max_tile_limit: 2}
  unlimited: {grids: [GLOBAL_WEBMERCATOR], sources: [dbg], disable_storage: true, max_tile_limit: 0}
sources:
  dbg: {type: debug}
`;
}

const W = 20037508.342789244;
// sizes and bboxes that touch 1, 2, 4, 6, 9 and many tiles
const QUERIES: [number, number, [number, number, number, number]][] = [
  [256, 256, [-W, -W, W, W]],
  [256, 256, [0, 0, W / 2, W / 2]],
  [512, 256, [-W, 0, W, W]],
  [512, 512, [-W, -W, W, W]],
  [600, 300, [-W, 0, W, W]],
  [700, 700, [-W, -W, W, W]],
  [2000, 1500, [-W / 3, -W / 4, W / 3, W / 4]],
];

async function answer(base: string, layer: string, [w, h, bbox]: (typeof QUERIES)[number]): Promise<string> {
  const q = `SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=${layer}&STYLES=&SRS=EPSG:3857&BBOX=${bbox.join(',')}&WIDTH=${w}&HEIGHT=${h}&FORMAT=image/png`;
  const res = await fetch(`${base}/service?${q}`);
  const type = res.headers.get('content-type') ?? '';
  const body = await res.text();
  if (type.startsWith('image/')) return 'image';
  const m = /<ServiceException[^>]*>([\s\S]*?)<\/ServiceException>/.exec(body);
  return m ? m[1]!.trim() : `${res.status} ${body.slice(0, 200)}`;
}

describe('max_tile_limit side by side with MapProxy 1.15', { skip }, () => {
  let dir: string;
  let ours: OurServer;
  let theirs: ReferenceMapProxy;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'max-tile-limit-'));
    writeFileSync(join(dir, 'ours.yaml'), config(join(dir, 'ours-cache')));
    writeFileSync(join(dir, 'theirs.yaml'), config(join(dir, 'theirs-cache')));
    ours = await startOurServer(join(dir, 'ours.yaml'));
    theirs = await startReferenceMapProxy(join(dir, 'theirs.yaml'));
  });

  after(async () => {
    await ours?.stop();
    await theirs?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the same requests with the same text', async () => {
    const seen = new Set<string>();
    for (const layer of ['limited', 'own', 'unlimited']) {
      for (const q of QUERIES) {
        const theirsSays = await answer(theirs.url, layer, q);
        assert.equal(await answer(ours.url, layer, q), theirsSays, `${layer} ${q[0]}x${q[1]} ${q[2].join(',')}`);
        seen.add(`${layer}: ${theirsSays === 'image' ? 'image' : 'refused'}`);
      }
    }
    // what the comparison covers: each limit lets some requests through and refuses others, and 0 refuses none
    assert.deepEqual([...seen].sort(), ['limited: image', 'limited: refused', 'own: image', 'own: refused', 'unlimited: image']);
  });
});
