// Quantized tiles compared with what MapProxy 1.15 stores (TileSplitter + img_to_buf with Pillow 9.4, run by
// test/support/quantize_reference.py): the same palette and the same indices, pixel for pixel, on maps rendered
// by MapServer from the Natural Earth data in config/ and on synthetic antialiased images with partial alpha.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decode } from '../../src/core/image/encode.js';
import { decodePngPaletted } from '../../src/core/image/png-decode.js';
import { quantizeTiles, type IndexedImage, type Quantizer, type TileWindow } from '../../src/core/image/quantize.js';
import type { RawImage } from '../../src/core/image/raw-image.js';
import { tempDir, writeConfig } from '../support/configs.js';
import { localHttpServer } from '../support/local-http.js';
import { createApp, get } from '../support/our-app.js';

const REPO = join(import.meta.dirname, '..', '..');
const REFERENCE = join(REPO, 'test/support/quantize_reference.py');

interface Case {
  image: RawImage;
  tiles: TileWindow[];
  colors: number;
  quantizer: Quantizer;
  transparent: boolean;
}

/** A tile as MapProxy stores it: its PNG's PLTE and tRNS chunks and its pixels as indices. */
interface StoredTile {
  plte: Buffer;
  trns: Buffer;
  indices: Buffer;
}

function mapproxyTiles(cases: Case[]): StoredTile[][] {
  const dir = tempDir('quantize-ref-');
  try {
    const manifest = cases.map((c, i) => {
      const path = join(dir, `${i}.rgba`);
      writeFileSync(path, c.image.data);
      const { width, height } = c.image;
      const tiles = c.tiles.map((t) => [t.offset[0], t.offset[1], t.size[0], t.size[1]]);
      return { path, width, height, tiles, colors: c.colors, quantizer: c.quantizer, transparent: c.transparent };
    });
    const out = execFileSync('/usr/bin/python3', [REFERENCE], { input: JSON.stringify({ cases: manifest }), maxBuffer: 1 << 30 });
    const parsed = JSON.parse(out.toString()) as { plte: string; trns: string; indices: string }[][];
    return parsed.map((tiles) =>
      tiles.map((t) => ({ plte: Buffer.from(t.plte, 'hex'), trns: Buffer.from(t.trns, 'hex'), indices: Buffer.from(t.indices, 'base64') })),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same indices, and every palette entry both have the same (entries past the PNG's PLTE are unused zeros). */
function assertSameAsMapProxy(ours: IndexedImage, ref: StoredTile, what: string): void {
  assert.equal(ref.indices.length, ours.indices.length, `${what}: pixel count`);
  let differing = 0;
  for (let i = 0; i < ours.indices.length; i++) if (ours.indices[i] !== ref.indices[i]) differing++;
  assert.equal(differing, 0, `${what}: ${differing} of ${ours.indices.length} indices differ from MapProxy's`);
  const entries = Math.min(ours.palette.length / 4, ref.plte.length / 3);
  assert.ok(entries > Math.max(...ours.indices), `${what}: every index used is in both palettes`);
  for (let i = 0; i < entries; i++) {
    const theirs = [ref.plte[i * 3], ref.plte[i * 3 + 1], ref.plte[i * 3 + 2], i < ref.trns.length ? ref.trns[i] : 255];
    assert.deepEqual([...ours.palette.subarray(i * 4, i * 4 + 4)], theirs, `${what}: palette entry ${i}`);
  }
}

/** A map from MapServer (config/world.map: Natural Earth countries, borders, labels), as the mapserv CGI draws it. */
async function mapServerMap(bbox: string, size: number, transparent: boolean): Promise<RawImage> {
  const format = transparent ? 'image/png;%20mode=32bit&TRANSPARENT=TRUE' : 'image/png';
  const query = `map=${REPO}/config/world.map&SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=countries,borders,labels&STYLES=&SRS=EPSG:4326&BBOX=${bbox}&WIDTH=${size}&HEIGHT=${size}&FORMAT=${format}`;
  const out = execFileSync('sh', [join(REPO, 'config/mapserv.sh')], { env: { ...process.env, QUERY_STRING: query, REQUEST_METHOD: 'GET' }, maxBuffer: 1 << 28 });
  const png = out.subarray(out.indexOf(Buffer.from([0x89, 0x50, 0x4e, 0x47])));
  const img = await decode(png);
  assert.equal(img.width, size);
  return img;
}

/** Antialiased shapes, strokes and text with partial alpha over a gradient, drawn by librsvg. */
async function antialiased(size: number): Promise<RawImage> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">
    <defs><linearGradient id="g"><stop offset="0" stop-color="#2a6" stop-opacity="0.2"/><stop offset="1" stop-color="#c52" stop-opacity="0.9"/></linearGradient></defs>
    <rect x="10" y="10" width="${size - 60}" height="${size / 2}" fill="url(#g)"/>
    <circle cx="${size / 2}" cy="${size / 2}" r="${size / 3}" fill="none" stroke="#134" stroke-width="3.5" stroke-opacity="0.7"/>
    <path d="M 5 ${size - 20} Q ${size / 2} 0 ${size - 5} ${size - 40}" stroke="#f0a" stroke-width="1.3" fill="none"/>
    <text x="30" y="${size - 30}" font-size="27" fill="#222" fill-opacity="0.85">Quantized like MapProxy</text>
  </svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** The 16 tiles of a 4×4 meta tile with an 80-pixel buffer (1184² pixels), and two that reach outside it. */
function metaTiles(): TileWindow[] {
  const tiles: TileWindow[] = [];
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) tiles.push({ offset: [80 + x * 256, 80 + y * 256], size: [256, 256] });
  tiles.push({ offset: [-130, 1000], size: [256, 256] }, { offset: [1000, -90], size: [256, 256] });
  return tiles;
}

test('each tile of a MapServer meta tile: the palette and indices MapProxy stores, for both quantizers, opaque and transparent', async () => {
  const opaque = await mapServerMap('2,38,22,58', 1184, false);
  const clear = await mapServerMap('-12,30,18,60', 1184, true);
  const cases: Case[] = [];
  for (const quantizer of ['fastoctree', 'mediancut'] as const) {
    cases.push({ image: clear, tiles: metaTiles(), colors: 256, quantizer, transparent: true });
    cases.push({ image: opaque, tiles: metaTiles(), colors: 256, quantizer, transparent: false });
  }
  cases.push({ image: clear, tiles: metaTiles().slice(5, 7), colors: 64, quantizer: 'fastoctree', transparent: true });
  cases.push({ image: opaque, tiles: metaTiles().slice(5, 7), colors: 32, quantizer: 'mediancut', transparent: false });
  const refs = mapproxyTiles(cases);
  for (const [i, c] of cases.entries()) {
    const ours = await quantizeTiles(c.image, c.tiles, { colors: c.colors, quantizer: c.quantizer, alpha: c.transparent });
    ours.forEach((tile, t) => assertSameAsMapProxy(tile, refs[i]![t]!, `${c.quantizer} ${c.transparent ? 'transparent' : 'opaque'} ${c.colors} tile ${t}`));
  }
});

test('synthetic images: antialiased strokes and text, partial alpha, a full gradient, a few near colours, noise', async () => {
  const svg = await antialiased(300);
  const gradient: RawImage = { data: Buffer.alloc(256 * 256 * 4), width: 256, height: 256 };
  for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) gradient.data.set([x, y, (x * y) >> 8, y < 40 ? 0 : y < 90 ? x : 255], (y * 256 + x) * 4);
  const near: RawImage = { data: Buffer.alloc(64 * 64 * 4), width: 64, height: 64 };
  const reds = [[255, 0, 0, 255], [254, 1, 0, 255], [250, 3, 2, 255], [0, 0, 255, 128], [10, 20, 30, 0]];
  for (let i = 0; i < 64 * 64; i++) near.data.set(reds[(i * 7 + (i >> 6)) % reds.length]!, i * 4);
  // More than 65536 colours: Pillow's median cut counts them with a bit less per channel.
  const noisy: RawImage = { data: Buffer.alloc(300 * 300 * 4), width: 300, height: 300 };
  let seed = 7;
  const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  for (let i = 0; i < 300 * 300; i++) noisy.data.set([next(), next(), (i >> 4) & 255, 255], i * 4);
  const whole = (img: RawImage): TileWindow[] => [{ offset: [0, 0], size: [img.width, img.height] }, { offset: [-40, 30], size: [256, 256] }];
  // An opaque target: we flatten onto bgcolor where MapProxy's quantize() drops alpha (see encode.ts), so both
  // are given the flattened pixels.
  const flat = async (img: RawImage): Promise<RawImage> => {
    const raw = { width: img.width, height: img.height, channels: 4 as const };
    return { ...img, data: await sharp(img.data, { raw }).flatten({ background: '#ffffff' }).ensureAlpha().raw().toBuffer() };
  };
  const cases: Case[] = [];
  for (const quantizer of ['fastoctree', 'mediancut'] as const) {
    for (const image of [svg, gradient, near]) {
      cases.push({ image, tiles: whole(image), colors: 256, quantizer, transparent: true });
      cases.push({ image: await flat(image), tiles: whole(image), colors: 256, quantizer, transparent: false });
    }
    cases.push({ image: gradient, tiles: whole(gradient), colors: 16, quantizer, transparent: true });
    cases.push({ image: noisy, tiles: [{ offset: [0, 0], size: [300, 300] }], colors: 256, quantizer, transparent: false });
  }
  const refs = mapproxyTiles(cases);
  for (const [i, c] of cases.entries()) {
    const ours = await quantizeTiles(c.image, c.tiles, { colors: c.colors, quantizer: c.quantizer, alpha: c.transparent });
    ours.forEach((tile, t) => assertSameAsMapProxy(tile, refs[i]![t]!, `case ${i} ${c.quantizer} transparent ${c.transparent} colors ${c.colors} tile ${t}`));
  }
});

/** The palette (as its PLTE and tRNS chunks give it) and indices of a paletted PNG we wrote. */
function readIndexedPng(png: Buffer): IndexedImage {
  const p = decodePngPaletted(png);
  assert.ok(p, 'a paletted PNG');
  let entries = 0;
  for (let pos = 8; pos < png.length; pos += 12 + png.readUInt32BE(pos)) {
    if (png.toString('latin1', pos + 4, pos + 8) === 'PLTE') entries = png.readUInt32BE(pos) / 3;
  }
  const palette = Buffer.from(p.palette.buffer, p.palette.byteOffset, entries * 4);
  const indices = new Uint8Array(p.width * p.height);
  for (let y = 0; y < p.height; y++) indices.set(p.indices.subarray(y * p.pitch + p.first, y * p.pitch + p.first + p.width), y * p.width);
  return { palette, indices, width: p.width, height: p.height };
}

test('mapproxy.yaml `encoding_options.quantizer` reaches the encoder: cached tiles equal what MapProxy stores', async () => {
  const map = await mapServerMap('-180,-90,180,90', 512, true);
  const upstreamPng = await sharp(map.data, { raw: { width: 512, height: 512, channels: 4 } }).png().toBuffer();
  const { base, dispatchers } = await localHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end(upstreamPng);
  });
  const dir = tempDir('quantizer-config-');
  try {
    for (const quantizer of ['mediancut', 'fastoctree'] as const) {
      const app = await createApp(
        writeConfig(dir, `
services:
  tms:
layers:
  - name: world
    title: World
    sources: [world_cache]
caches:
  world_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [world_wms]
    meta_size: [2, 2]
    meta_buffer: 0
    cache:
      type: file
      directory: ${JSON.stringify(join(dir, quantizer))}
    image:
      encoding_options:
        quantizer: ${quantizer}
sources:
  world_wms:
    type: wms
    req:
      url: ${base}/wms
      layers: world
      transparent: true
`),
        { dispatchers, log: { warn() {}, error() {} } },
      );
      // Level 1 is one 2×2 meta tile of 512² pixels: TMS (x, y) with y up, at offset (256 x, 256 (1 - y)).
      const coords = [[0, 1], [1, 1], [0, 0], [1, 0]] as const;
      const tiles: TileWindow[] = coords.map(([x, y]) => ({ offset: [256 * x, 256 * (1 - y)], size: [256, 256] }));
      const [refs] = mapproxyTiles([{ image: map, tiles, colors: 256, quantizer, transparent: true }]);
      for (const [i, [x, y]] of coords.entries()) {
        const res = await get(app, `/tms/1.0.0/world/EPSG3857/1/${x}/${y}.png`);
        assert.equal(res.status, 200);
        const stored = readIndexedPng(res.body);
        assertSameAsMapProxy(stored, refs![i]!, `${quantizer} tile ${x},${y}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
