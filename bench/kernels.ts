// Kernel micro-benchmark: each per-pixel step on the same inputs, in nanoseconds per pixel, for
//   - the native kernels (this tree),
//   - the JavaScript loops they replaced (the tree at JS_COMMIT, extracted with git into bench/.old-js),
//   - Pillow, as MapProxy calls it (bench/kernels_pillow.py through Debian's python3-pil),
//   - libvips through sharp, where it has the operation.
// The input is a real upstream image: a 1184² EPSG:3857 map of Europe rendered by MapServer from config/world.map
// (a 4×4 meta tile of 256² tiles with a 16 px buffer), and tiles cut from it as MapProxy stores them.
//
//   node --import tsx bench/kernels.ts            (writes bench/results/kernels.md and .json)
//
// Not a test: speed is measured here, correctness in test/.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { BBox, Point } from '../src/core/geo/bbox.js';
import { getSRS } from '../src/core/geo/srs.js';

/** The last commit whose pixel loops were JavaScript. */
const JS_COMMIT = '9002667';
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const OLD = join(REPO, 'bench', '.old-js');

type Impl = 'native' | 'js' | 'pillow' | 'libvips';
interface Row { kernel: string; ns: Partial<Record<Impl, number>> }

const work = mkdtempSync(join(tmpdir(), 'mapproxy-ts-kernels-'));
try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(OLD, { recursive: true, force: true });
}

async function main(): Promise<void> {
  // Inputs.
  const metaBBox: BBox = [-1500000, 4000000, 3000000, 8500000];
  const q = `map=config/world.map&SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=world&STYLES=&SRS=EPSG:3857&BBOX=${metaBBox.join(',')}&WIDTH=1184&HEIGHT=1184&FORMAT=image/png`;
  const metaPng = execFileSync('/usr/lib/cgi-bin/mapserv', ['-nh', `QUERY_STRING=${q}`], {
    cwd: REPO, env: { ...process.env, MAPSERVER_CONFIG_FILE: join(REPO, 'config/mapserver.conf') }, maxBuffer: 1 << 26,
  });
  writeFileSync(join(work, 'meta.png'), metaPng);
  execFileSync('/usr/bin/python3', ['-c', `
from PIL import Image
m = Image.open('${work}/meta.png').convert('RGB')
m.crop((16, 16, 272, 272)).quantize(256, Image.FASTOCTREE).save('${work}/tile-p.png', compress_type=3)
t = m.crop((272, 16, 528, 272)).convert('RGBA'); t.putalpha(200); t.save('${work}/tile-rgba.png')
`]);
  const tileP = readFileSync(join(work, 'tile-p.png'));
  const tileRgba = readFileSync(join(work, 'tile-rgba.png'));

  // The two implementations, loaded side by side.
  mkdirSync(OLD, { recursive: true });
  execFileSync('bash', ['-c', `git -C "${REPO}" archive ${JS_COMMIT} src/core | tar -x -C "${OLD}"`]);
  const now = await loadImpl(join(REPO, 'src/core'));
  const old = await loadImpl(join(OLD, 'src/core'));

  const meta = await now.decode(metaPng);
  const rects = [] as { offset: Point; size: [number, number] }[];
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) rects.push({ offset: [16 + x * 256, 16 + y * 256], size: [256, 256] });
  const png8 = now.imageFormat('image/png');
  const over = now.blankImage([1184, 1184], { transparent: true });
  for (let y = 100; y < 900; y++) over.data.fill(Buffer.from([255, 0, 0, 128]), (y * 1184 + 100) * 4, (y * 1184 + 900) * 4);
  const srcBBox: BBox = [metaBBox[0] + 10.5 * 3800, metaBBox[1] + 20.25 * 3800, metaBBox[0] + 1100.75 * 3800, metaBBox[1] + 900.5 * 3800];
  const s4326 = getSRS('EPSG:4326');
  const s3857 = getSRS('EPSG:3857');
  const toSrc = (pts: Point[]) => s4326.transformTo(s3857, pts);
  const dst4326: BBox = [-12, 35, 25, 59];

  const rows: Row[] = [];
  const add = async (kernel: string, pixels: number, impls: Partial<Record<'native' | 'js' | 'libvips', () => unknown>>) => {
    const ns: Row['ns'] = {};
    for (const [k, fn] of Object.entries(impls)) if (fn) ns[k as Impl] = await timePerPixel(fn, pixels);
    rows.push({ kernel, ns });
    process.stderr.write(`${kernel}: ${JSON.stringify(ns)}\n`);
  };
  const vipsDecode = (b: Buffer) => sharp(b).ensureAlpha().raw().toBuffer();
  await add('decode RGB 1184²', 1184 * 1184, { native: () => now.decode(metaPng), js: () => old.decode(metaPng), libvips: () => vipsDecode(metaPng) });
  await add('decode paletted tile', 256 * 256, { native: () => now.decode(tileP), js: () => old.decode(tileP), libvips: () => vipsDecode(tileP) });
  await add('decode RGBA tile', 256 * 256, { native: () => now.decode(tileRgba), js: () => old.decode(tileRgba), libvips: () => vipsDecode(tileRgba) });
  await add('meta tile → 16 paletted PNG tiles', 1024 * 1024, {
    native: () => now.encodePalettedTiles(meta, rects, png8),
    js: () => old.encodePalettedTiles(meta, rects, png8),
    libvips: () => Promise.all(rects.map((r) => sharp(meta.data, { raw: { width: 1184, height: 1184, channels: 4 } })
      .extract({ left: r.offset[0], top: r.offset[1], width: 256, height: 256 }).removeAlpha().png({ palette: true, colours: 256, dither: 0 }).toBuffer())),
  });
  for (const method of ['bicubic', 'bilinear'] as const) {
    await add(`resample ${method} 1184²→1024×768`, 1024 * 768, {
      native: () => now.resample(meta, metaBBox, srcBBox, [1024, 768], method),
      js: () => old.resample(meta, metaBBox, srcBBox, [1024, 768], method),
    });
  }
  await add('warp 3857→4326 512²', 512 * 512, {
    native: () => now.warp(meta, metaBBox, dst4326, [512, 512], toSrc, 'bicubic'),
    js: () => old.warp(meta, metaBBox, dst4326, [512, 512], toSrc, 'bicubic'),
  });
  await add('composite over (opacity 1)', 1184 * 1184, {
    native: () => now.mergeImages([{ image: meta }, { image: over }], [1184, 1184], { transparent: true }),
    js: () => old.mergeImages([{ image: meta }, { image: over }], [1184, 1184], { transparent: true }),
    libvips: () => sharp(meta.data, { raw: { width: 1184, height: 1184, channels: 4 } })
      .composite([{ input: over.data, raw: { width: 1184, height: 1184, channels: 4 } }]).raw().toBuffer(),
  });

  const py = spawnSync('/usr/bin/python3', [join(REPO, 'bench/kernels_pillow.py'), work], { encoding: 'utf8', cwd: work });
  if (py.status !== 0) throw new Error(`kernels_pillow.py failed: ${py.stderr}`);
  const pillow = JSON.parse(py.stdout) as Record<string, number>;
  for (const r of rows) {
    const key = Object.keys(pillow).find((k) => k.startsWith(r.kernel.replace(/ 512²$/, '')) || r.kernel.startsWith(k.split(' (')[0]!));
    if (key) r.ns.pillow = pillow[key];
  }

  const fmt = (v?: number) => (v === undefined ? '–' : v < 10 ? v.toFixed(2) : v.toFixed(1));
  const ratio = (a?: number, b?: number) => (a && b ? `${(b / a).toFixed(1)}×` : '–');
  const md = [
    '# Pixel kernels: nanoseconds per pixel (lower is better)', '',
    `${new Date().toISOString()}, ${process.version}; JS = the loops at ${JS_COMMIT}; best of several runs, one thread.`, '',
    '| kernel | native | JS (before) | Pillow | libvips (sharp) | native vs JS | native vs Pillow |', '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.kernel} | ${fmt(r.ns.native)} | ${fmt(r.ns.js)} | ${fmt(r.ns.pillow)} | ${fmt(r.ns.libvips)} | ${ratio(r.ns.native, r.ns.js)} | ${ratio(r.ns.native, r.ns.pillow)} |`),
    '',
  ].join('\n');
  const out = join(REPO, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'kernels.md'), md);
  writeFileSync(join(out, 'kernels.json'), JSON.stringify({ date: new Date().toISOString(), jsCommit: JS_COMMIT, rows }, null, 2) + '\n');
  process.stdout.write(md);
}

/** The image API of one tree (functions may be sync or async: both are awaited). */
async function loadImpl(core: string) {
  const img = (f: string) => import(join(core, 'image', f));
  const [encode, transform, merge, format, blank] = await Promise.all([img('encode.ts'), img('transform.ts'), img('merge.ts'), img('format.ts'), img('blank.ts')]);
  return {
    decode: encode.decode, encodePalettedTiles: encode.encodePalettedTiles,
    resample: transform.resample, warp: transform.warp, mergeImages: merge.mergeImages,
    imageFormat: format.imageFormat, blankImage: blank.blankImage,
  } as Record<string, (...a: any[]) => any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function timePerPixel(fn: () => unknown, pixels: number): Promise<number> {
  // Warm up for a while, not a call: the first hundred or so calls of a small kernel run several times slower
  // (JIT tiers, and glibc raising its mmap threshold once large buffers have been freed).
  for (const until = performance.now() + 400; performance.now() < until; ) await fn();
  let best = Infinity;
  const deadline = performance.now() + 1500;
  for (let i = 0; i < 50 && (i < 5 || performance.now() < deadline); i++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return (best * 1e6) / pixels;
}
