// The CPU one meta tile costs on a cold miss or while seeding, without HTTP or a cache: the upstream's PNG decoded,
// cut into its 16 tiles, each quantized (FASTOCTREE) and written as a paletted PNG, as tile-creator.ts does it.
// The input is what the bench's upstream returns for one meta tile: a 1088² EPSG:3857 map rendered by MapServer
// from config/world.map (4×4 tiles of 256² with a 32 px buffer, bench/lib/configs.ts). Pillow runs the same steps
// as MapProxy does them (decode, crop, quantize, save with compress_type RLE) on the same bytes. The fused path
// (tile-creator.ts for an undecoded upstream PNG: decode and tiles in one native job, kernels/meta_tiles.h) is
// timed on the same inputs, and its tiles must be the two steps' bytes.
//
//   node --import tsx bench/meta-tile.ts [meta tiles to time, default 60]
//   MAPPROXY_TS_KERNELS=/tmp/x/pixel_kernels.node node --import tsx bench/meta-tile.ts     (another kernel build)
//   node --import tsx bench/meta-tile.ts 300 --memory fused|two-step    (one path only, 4 meta tiles in flight as
//                                                                         under load: peak RSS and garbage collections)
//
// CPU is process CPU time (every thread: the kernels run on the libuv pool), wall time one meta tile after the
// other. Not a test: speed is measured here, correctness in test/.
import { execFileSync } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BBox, Point, Size } from '../src/core/geo/bbox.js';
import { decode, encodePalettedTiles, encodePalettedTilesFromPng } from '../src/core/image/encode.js';
import { imageFormat } from '../src/core/image/format.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const count = Number(process.argv[2] ?? 60);
const memoryPath = process.argv[3] === '--memory' ? process.argv[4] : undefined;

// Upstream PNGs of a few different meta tiles (land, coast, sea), so no one image's compression decides.
const bboxes: BBox[] = [
  [-1500000, 4000000, 1000000, 6500000],
  [0, 5500000, 1250000, 6750000],
  [-2500000, 3500000, 500000, 6500000],
];
const pngs = bboxes.map((bbox) => {
  const q = `map=config/world.map&SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=world&STYLES=&SRS=EPSG:3857&BBOX=${bbox.join(',')}&WIDTH=1088&HEIGHT=1088&FORMAT=image/png`;
  return execFileSync('/usr/lib/cgi-bin/mapserv', ['-nh', `QUERY_STRING=${q}`], {
    cwd: REPO, env: { ...process.env, MAPSERVER_CONFIG_FILE: join(REPO, 'config/mapserver.conf') }, maxBuffer: 1 << 26,
  });
});
const size: Size = [256, 256];
const rects: { offset: Point; size: Size }[] = [];
for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) rects.push({ offset: [32 + x * 256, 32 + y * 256], size });
const png8 = imageFormat('image/png');

interface Phase { cpu: number; wall: number; walls: number[] }
const phase = (): Phase => ({ cpu: 0, wall: 0, walls: [] });
const phases: Record<'decode' | 'tiles' | 'total' | 'fused', Phase> = { decode: phase(), tiles: phase(), total: phase(), fused: phase() };
const cpuNow = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

async function metaTile(png: Buffer, timed: boolean): Promise<number> {
  const c0 = cpuNow(), t0 = performance.now();
  const raw = await decode(png);
  const c1 = cpuNow(), t1 = performance.now();
  const tiles = await encodePalettedTiles(raw, rects, png8, { transparent: false });
  const c2 = cpuNow(), t2 = performance.now();
  if (timed) {
    const add = (p: Phase, cpu: number, wall: number) => { p.cpu += cpu; p.wall += wall; p.walls.push(wall); };
    add(phases.decode, c1 - c0, t1 - t0);
    add(phases.tiles, c2 - c1, t2 - t1);
    add(phases.total, c2 - c0, t2 - t0);
  }
  const c3 = cpuNow(), t3 = performance.now();
  const fused = await encodePalettedTilesFromPng(png, [1088, 1088], rects, png8, { transparent: false });
  const c4 = cpuNow(), t4 = performance.now();
  if (!fused || fused.some((t, i) => !t.equals(tiles[i]!))) throw new Error('the fused path gave other tiles than decode + encodePalettedTiles');
  if (timed) {
    phases.fused.cpu += c4 - c3;
    phases.fused.wall += t4 - t3;
    phases.fused.walls.push(t4 - t3);
  }
  return tiles.reduce((n, t) => n + t.length, 0);
}

/** One path alone, `inFlight` meta tiles at a time: the process's peak RSS and its garbage collections. */
async function memory(path: string, inFlight: number): Promise<never> {
  if (path !== 'fused' && path !== 'two-step') throw new Error('--memory fused|two-step');
  const gcs = { count: 0, ms: 0 };
  new PerformanceObserver((list) => list.getEntries().forEach((e) => { gcs.count++; gcs.ms += e.duration; })).observe({ entryTypes: ['gc'] });
  const one = async (png: Buffer) => path === 'fused'
    ? encodePalettedTilesFromPng(png, [1088, 1088], rects, png8, { transparent: false })
    : encodePalettedTiles(await decode(png), rects, png8, { transparent: false });
  const start = process.resourceUsage().maxRSS;
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < count) await one(pngs[next++ % pngs.length]!);
  }));
  await new Promise((r) => setTimeout(r, 50)); // the last gc entries
  process.stdout.write(`${path}: ${count} meta tiles, ${inFlight} in flight: peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (${(start / 1024).toFixed(0)} MB before), ${gcs.count} garbage collections, ${gcs.ms.toFixed(0)} ms in them\n`);
  process.exit(0);
}
if (memoryPath) await memory(memoryPath, 4);

for (let i = 0; i < 20; i++) await metaTile(pngs[i % pngs.length], false);
let bytes = 0;
for (let i = 0; i < count; i++) bytes += await metaTile(pngs[i % pngs.length], true);

const dir = mkdtempSync(join(tmpdir(), 'meta-tile-'));
const inputs = pngs.map((p, i) => { const f = join(dir, `${i}.png`); writeFileSync(f, p); return f; });
const pillow = execFileSync('/usr/bin/python3', ['-c', `
import io, sys, time, zlib
from PIL import Image
pngs = [open(p, 'rb').read() for p in sys.argv[2:]]
n = int(sys.argv[1])
def meta(b):
    t0 = time.process_time()
    m = Image.open(io.BytesIO(b)); m.load(); m = m.convert('RGB')
    t1 = time.process_time()
    out = 0
    for y in range(4):
        for x in range(4):
            t = m.crop((32 + x * 256, 32 + y * 256, 288 + x * 256, 288 + y * 256)).quantize(256, Image.FASTOCTREE)
            buf = io.BytesIO(); t.save(buf, 'png', compress_type=3); out += len(buf.getvalue())
    return t1 - t0, time.process_time() - t1, out
for i in range(10): meta(pngs[i % len(pngs)])
d = e = 0
for i in range(n):
    a, b, _ = meta(pngs[i % len(pngs)]); d += a; e += b
print(f'{d / n * 1000:.2f} {e / n * 1000:.2f}')
`, String(count), ...inputs], { encoding: 'utf8' }).trim().split(' ').map(Number);
rmSync(dir, { recursive: true, force: true });


const per = (v: number) => (v / count).toFixed(2);
const median = (p: Phase) => [...p.walls].sort((a, b) => a - b)[p.walls.length >> 1]!.toFixed(2);
process.stdout.write([
  `${count} meta tiles of 1088² (${pngs.map((p) => `${(p.length / 1024).toFixed(0)} KB`).join(', ')} upstream PNGs), ${(bytes / count / 1024).toFixed(1)} KB of tiles each`,
  `  decode:               ${per(phases.decode.cpu)} ms CPU, ${median(phases.decode)} ms median wall   (Pillow ${pillow[0].toFixed(2)} ms CPU)`,
  `  quantize + 16 PNGs:   ${per(phases.tiles.cpu)} ms CPU, ${median(phases.tiles)} ms median wall   (Pillow ${pillow[1].toFixed(2)} ms CPU)`,
  `  meta tile:            ${per(phases.total.cpu)} ms CPU, ${median(phases.total)} ms median wall   (Pillow ${(pillow[0] + pillow[1]).toFixed(2)} ms CPU)`,
  `  fused (one job):      ${per(phases.fused.cpu)} ms CPU, ${median(phases.fused)} ms median wall`,
  '',
].join('\n'));
