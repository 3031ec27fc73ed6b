// link_single_color_images side by side with MapProxy 1.15: the same configuration seeded by mapproxy-seed and by
// our seed command, from the same upstream WMS, gives the same files, the same symlinks (names and targets) and
// the same pixels. 1.15 knows only symlinks (true); hard links are MapProxy 7's and tested in the unit test.
// Bytes: the opaque cache's single colour files are byte-identical; other tiles may differ where our truecolour
// PNG writer differs from Pillow's (an opaque tile of a transparent cache is written as RGB, Pillow writes RGBA).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { decodePng } from '../../src/core/image/png-decode.js';
import { PYTHON } from '../support/mapproxy-reference.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const skip = existsSync('/usr/bin/mapproxy-seed') ? false : 'MapProxy 1.15 (mapproxy-seed) not installed';

let dir: string;
let wms: Server;

/**
 * A WMS whose map depends on the position only, so both seeders get the same pixels for a tile whatever they
 * ask: the west is one opaque red, the north-east has stripes of two blues 2 000 km wide, the south-east is
 * transparent (white for opaque requests). Some tiles of each level are of one colour, others are not.
 */
async function renderMap(params: URLSearchParams): Promise<Buffer> {
  const width = Number(params.get('WIDTH'));
  const height = Number(params.get('HEIGHT'));
  const [minx, miny, maxx, maxy] = params.get('BBOX')!.split(',').map(Number) as [number, number, number, number];
  const transparent = params.get('TRANSPARENT')?.toLowerCase() === 'true';
  const data = Buffer.alloc(width * height * 4);
  for (let row = 0; row < height; row++) {
    const y = maxy - ((row + 0.5) * (maxy - miny)) / height;
    for (let col = 0; col < width; col++) {
      const x = minx + ((col + 0.5) * (maxx - minx)) / width;
      const rgba = x < 0 ? [254, 0, 4, 255]
        : y >= 0 ? (Math.floor(x / 2e6) % 2 === 0 ? [10, 20, 200, 255] : [40, 90, 250, 255])
        : transparent ? [0, 0, 0, 0] : [255, 255, 255, 255];
      data.set(rgba, (row * width + col) * 4);
    }
  }
  let img = sharp(data, { raw: { width, height, channels: 4 } });
  if (!transparent) img = img.removeAlpha();
  return img.png().toBuffer();
}

function config(cacheRoot: string, wmsUrl: string): string {
  return `
services: {tms: }
globals:
  image: {paletted: false}
layers:
  - {name: t, title: t, sources: [overlay]}
  - {name: o, title: o, sources: [base]}
caches:
  overlay:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [transparent_wms]
    format: image/png
    meta_size: [2, 2]
    link_single_color_images: true
    cache: {type: file, directory: ${cacheRoot}/overlay}
  base:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [opaque_wms]
    format: image/png
    meta_size: [2, 2]
    link_single_color_images: true
    cache: {type: file, directory_layout: tms, directory: ${cacheRoot}/base}
sources:
  transparent_wms: {type: wms, req: {url: '${wmsUrl}', layers: map, transparent: true}}
  opaque_wms: {type: wms, req: {url: '${wmsUrl}', layers: map}}
`;
}

const SEED = 'seeds:\n  all: {caches: [overlay, base], levels: {from: 0, to: 3}}\n';

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) => child.on('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, out });
  }));
}

/** Every entry below `root` but the tile locks: a file, or a symlink and its target as written. */
function listing(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.name === 'tile_locks') continue;
      if (e.isDirectory()) walk(p);
      else out.set(relative(root, p), lstatSync(p).isSymbolicLink() ? `-> ${readlinkSync(p)}` : 'file');
    }
  };
  walk(root);
  return out;
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'links-mapproxy-'));
  wms = createServer((req, res) => {
    const params = new URLSearchParams(Object.fromEntries([...new URL(req.url!, 'http://x').searchParams].map(([k, v]) => [k.toUpperCase(), v])));
    renderMap(params).then(
      (png) => res.writeHead(200, { 'content-type': 'image/png' }).end(png),
      (err) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((r) => wms.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(wms.address() as AddressInfo).port}/wms?`;
  for (const side of ['mapproxy', 'ours']) {
    mkdirSync(join(dir, side));
    writeFileSync(join(dir, side, 'mapproxy.yaml'), config(join(dir, side, 'cache'), url));
    writeFileSync(join(dir, side, 'seed.yaml'), SEED);
  }
});

after(async () => {
  if (skip) return;
  wms.closeAllConnections();
  await new Promise((r) => wms.close(r));
  if (!process.env['KEEP_TEST_DIR']) rmSync(dir, { recursive: true, force: true });
});

test('seeded by mapproxy-seed and by us: the same files, symlinks and link targets, the same pixels', { skip }, async () => {
  const theirs = await run(PYTHON, ['/usr/bin/mapproxy-seed', '-f', 'mapproxy.yaml', '-s', 'seed.yaml', '-c', '1'], join(dir, 'mapproxy'));
  assert.equal(theirs.code, 0, theirs.out);
  const ours = await run(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src/cli/main.ts'), 'seed',
    '-f', 'mapproxy.yaml', '-s', 'seed.yaml', '-c', '2', '-q'], join(dir, 'ours'));
  assert.equal(ours.code, 0, ours.out);

  for (const cache of ['overlay', 'base']) {
    const a = join(dir, 'mapproxy', 'cache', cache);
    const b = join(dir, 'ours', 'cache', cache);
    const expected = listing(a);
    const got = listing(b);
    const links = [...expected.values()].filter((v) => v.startsWith('->')).length;
    assert.ok(links > 20 && links < expected.size - 20, `${cache}: MapProxy linked ${links} of ${expected.size}: a test of both kinds`);
    assert.deepEqual([...got.entries()].sort(), [...expected.entries()].sort(), `${cache}: files and symlinks`);
    for (const name of expected.keys()) {
      const [pa, pb] = [decodePng(readFileSync(join(a, name))), decodePng(readFileSync(join(b, name)))];
      assert.ok(pa.data.equals(pb.data), `${cache}/${name}: pixels`);
    }
  }
  for (const name of readdirSync(join(dir, 'mapproxy/cache/base/single_color_tiles'))) {
    const shared = (side: string) => readFileSync(join(dir, side, 'cache/base/single_color_tiles', name));
    assert.ok(shared('ours').equals(shared('mapproxy')), `base/single_color_tiles/${name}: bytes`);
  }
  // the colours' names: the transparent cache's images are RGBA in MapProxy, the opaque cache's RGB
  assert.deepEqual(readdirSync(join(dir, 'ours/cache/overlay/single_color_tiles')).sort(), ['00000000.png', 'fe0004ff.png']);
  assert.deepEqual(readdirSync(join(dir, 'ours/cache/base/single_color_tiles')).sort(), ['fe0004.png', 'ffffff.png']);
});
