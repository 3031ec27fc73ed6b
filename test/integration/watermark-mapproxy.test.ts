// Watermarks and upscale_tiles side by side with MapProxy 1.15 (Debian's), both in front of the same MapServer,
// each with its own cache directory: the same tiles get text, at the same place within a rasteriser's pixel
// (after the one documented layout change of MapProxy 7), and a cache with upscale_tiles serves the same pixels
// from the same upstream requests.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage, type DecodedImage } from '../support/images.js';
import { mapServerAvailable, startMapServer, type TestMapServer } from '../support/mapserver.js';
import { PYTHON, startReferenceMapProxy, type ReferenceMapProxy } from '../support/mapproxy-reference.js';
import { startOurServer, type OurServer } from '../support/our-app.js';

const skip = !mapServerAvailable() || !existsSync('/usr/lib/python3/dist-packages/mapproxy') ? 'MapServer or MapProxy 1.15 missing' : false;

const WATERMARK = { text: 'MapProxy', font_size: 24, opacity: 140 };

function config(baseDir: string, wms: string): string {
  return `
# paletted: false: no quantization, so a tile differs from its plain twin only where the text is
globals: {cache: {base_dir: ${baseDir}}, image: {paletted: false}}
services: {tms: {}}
layers:
  - {name: plain, title: plain, sources: [plain]}
  - {name: wm, title: wm, sources: [wm]}
  - {name: wide, title: wide, sources: [wide]}
  - {name: up, title: up, sources: [up]}
  - {name: bulk, title: bulk, sources: [bulk]}
caches:
  plain: {grids: [GLOBAL_WEBMERCATOR], sources: [ms], meta_size: [2, 2]}
  wm:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [ms]
    meta_size: [2, 2]
    watermark: {text: ${WATERMARK.text}, font_size: ${WATERMARK.font_size}, opacity: ${WATERMARK.opacity}, color: '#000080'}
  wide:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [ms]
    meta_size: [2, 2]
    watermark: {text: ${WATERMARK.text}, font_size: ${WATERMARK.font_size}, opacity: ${WATERMARK.opacity}, color: [0, 0, 128], spacing: wide}
  up:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [ms_coarse]
    upscale_tiles: 2
    cache_rescaled_tiles: true
  bulk:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [ms_tiles]
    meta_size: [2, 2]
    bulk_meta_tiles: true
sources:
  # MapServer asked tile by tile through a URL template: a tile source, which cannot draw meta tiles
  ms_tiles:
    type: tile
    grid: GLOBAL_WEBMERCATOR
    url: '${wms}SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=areas,lines,points&STYLES=&SRS=EPSG:3857&FORMAT=image/png&WIDTH=256&HEIGHT=256&BBOX=%(bbox)s'
  ms: {type: wms, req: {url: '${wms}', layers: 'areas,lines,points'}}
  # only levels 0-2 of GLOBAL_WEBMERCATOR (39135 m/px): finer tiles come from upscaling
  ms_coarse: {type: wms, max_res: 30000, req: {url: '${wms}', layers: 'areas,lines,points'}}
`;
}

/** The watermark's change to a tile: the weighted centre and the amount of |watermarked − plain|. */
function textInk(wm: DecodedImage, plain: DecodedImage) {
  let sx = 0, sy = 0, w = 0, left = 0, right = 0;
  for (let i = 0; i < wm.width * wm.height; i++) {
    let d = 0;
    for (let b = 0; b < 3; b++) d += Math.abs(wm.data[i * 4 + b] - plain.data[i * 4 + b]);
    const x = i % wm.width;
    sx += x * d;
    sy += Math.floor(i / wm.width) * d;
    w += d;
    if (x < 40) left += d;
    if (x >= wm.width - 40) right += d;
  }
  return { x: sx / (w || 1), y: sy / (w || 1), weight: w, left, right };
}

/** MapProxy 7 places a text line by its textbbox, 1.15 by its textsize: how much lower 7 draws it (Pillow). */
function layoutShift(): number {
  const r = spawnSync(PYTHON, ['-c', `
from PIL import Image, ImageDraw, ImageFont
import mapproxy.image.message as m, warnings
warnings.simplefilter('ignore')
f = ImageFont.truetype(m.font_file('DejaVu Sans'), ${WATERMARK.font_size})
d = ImageDraw.Draw(Image.new('RGBA', (1, 1)))
l, t, r, b = d.textbbox((0, 0), '${WATERMARK.text}', font=f)
w, h = d.textsize('${WATERMARK.text}', font=f)
print((128 - (b - t) // 2 + t) - (128 - h // 2))
`]);
  assert.equal(r.status, 0, r.stderr.toString());
  return Number(r.stdout.toString());
}

describe('watermark and upscale_tiles side by side with MapProxy 1.15', { skip }, () => {
  let dir: string;
  let mapserver: TestMapServer;
  let ours: OurServer;
  let theirs: ReferenceMapProxy;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'watermark-mapproxy-'));
    mapserver = await startMapServer();
    writeFileSync(join(dir, 'ours.yaml'), config(join(dir, 'ours-cache'), mapserver.url));
    writeFileSync(join(dir, 'theirs.yaml'), config(join(dir, 'theirs-cache'), mapserver.url));
    ours = await startOurServer(join(dir, 'ours.yaml'));
    theirs = await startReferenceMapProxy(join(dir, 'theirs.yaml'));
  });
  after(async () => {
    await ours?.stop();
    await theirs?.stop();
    await mapserver?.stop();
    if (dir && !process.env['KEEP_TEST_DIR']) rmSync(dir, { recursive: true, force: true });
  });

  async function tile(base: string, layer: string, z: number, x: number, y: number): Promise<DecodedImage> {
    const res = await fetch(`${base}/tms/1.0.0/${layer}/EPSG3857/${z}/${x}/${y}.png`);
    assert.equal(res.status, 200, `${base} ${layer} ${z}/${x}/${y}`);
    return decodeImage(Buffer.from(await res.arrayBuffer()));
  }

  it('draws the text on the same tiles, at the same place (MapProxy 7 layout), as MapProxy', async () => {
    const shift = layoutShift();
    const rows: string[] = [];
    for (const layer of ['wm', 'wide']) {
      for (const [x, y] of [[0, 0], [1, 0], [0, 1], [1, 1], [2, 1], [3, 2]]) {
        const ink = await Promise.all(
          [ours.url, theirs.url].map(async (base) => textInk(await tile(base, layer, 2, x, y), await tile(base, 'plain', 2, x, y))),
        );
        const [a, b] = ink as [ReturnType<typeof textInk>, ReturnType<typeof textInk>];
        rows.push(`${layer} 2/${x}/${y}: ours ${a.x.toFixed(2)},${a.y.toFixed(2)} w=${a.weight} | 1.15 ${b.x.toFixed(2)},${b.y.toFixed(2)} w=${b.weight}`);
        if (process.env['WM_DEBUG']) { console.log(rows.at(-1)); continue; }
        assert.equal(a.weight > 0, b.weight > 0, `text on ${layer} 2/${x}/${y} as MapProxy`);
        if (!b.weight) continue;
        // on both edges (placement 'b') where MapProxy has it
        assert.equal(a.left > a.weight / 10 && a.right > a.weight / 10, b.left > b.weight / 10 && b.right > b.weight / 10);
        assert.ok(Math.abs(a.x - b.x) < 1.5, `x ${a.x} vs ${b.x}`);
        assert.ok(Math.abs(a.y - (b.y + shift)) < 1.5, `y ${a.y} vs ${b.y} + ${shift}`);
        assert.ok(Math.abs(a.weight - b.weight) / b.weight < 0.15, `ink ${a.weight} vs ${b.weight}`);
      }
    }
    console.log(`# MapProxy 7 draws the text ${shift} px lower than 1.15\n# ${rows.join('\n# ')}`);
  });

  it('upscale_tiles: the same pixels from the same upstream requests', async () => {
    const counts: number[] = [];
    const images: DecodedImage[][] = [];
    for (const base of [ours.url, theirs.url]) {
      const before = mapserver.requests.length;
      const got: DecodedImage[] = [];
      // TMS level z is the grid's level z + 1 (MapProxy's TMS for GLOBAL_WEBMERCATOR): levels 2 and 1 are
      // upscaled from the cached grid level 2 (two and one levels up), level 4 is beyond upscale_tiles: 2 (an empty tile)
      for (const [z, x, y] of [[3, 8, 10], [2, 4, 5], [4, 16, 21], [1, 2, 2]]) got.push(await tile(base, 'up', z, x, y));
      images.push(got);
      counts.push(mapserver.requests.length - before);
    }
    console.log(`# upstream requests for the upscaled tiles: ours ${counts[0]}, MapProxy ${counts[1]}`);
    assert.equal(counts[0], counts[1], `upstream requests: ours ${counts[0]}, MapProxy ${counts[1]}`);
    assert.ok(counts[0]! > 0, 'the coarse levels came from MapServer');
    for (const [i, a] of images[0]!.entries()) {
      const b = images[1]![i]!;
      let sum = 0, max = 0;
      for (let k = 0; k < a.data.length; k++) {
        const d = Math.abs(a.data[k] - b.data[k]);
        sum += d;
        max = Math.max(max, d);
      }
      let drawn = 0;
      for (let k = 0; k < a.data.length; k += 4) if (a.data[k] < 250 || a.data[k + 1] < 250 || a.data[k + 2] < 250) drawn++;
      console.log(`# up tile ${i}: mean ${(sum / a.data.length).toFixed(3)} max ${max}, ${drawn} drawn pixels`);
      if (i < 2) assert.ok(drawn > 1000, 'an upscaled tile with features on it');
      assert.ok(sum / a.data.length < 1.5, `tile ${i}: mean difference ${sum / a.data.length}`);
    }
    // cache_rescaled_tiles: both stored the upscaled tile
    for (const who of ['ours-cache', 'theirs-cache']) {
      assert.ok(existsSync(join(dir, who, 'up_EPSG3857', '04', '000', '000', '008', '000', '000', '005.png')), `${who}: rescaled tile stored`);
    }
  });

  it('bulk_meta_tiles: one upstream request per tile of the meta tile, as MapProxy', async () => {
    const counts: number[] = [];
    const images: DecodedImage[] = [];
    for (const base of [ours.url, theirs.url]) {
      const before = mapserver.requests.length;
      images.push(await tile(base, 'bulk', 2, 4, 5));
      counts.push(mapserver.requests.length - before);
      await tile(base, 'bulk', 2, 5, 5); // its neighbour in the same 2x2 meta tile: from the cache
      counts.push(mapserver.requests.length - before);
    }
    console.log(`# upstream requests (after the first tile, after its neighbour): ours ${counts[0]}, ${counts[1]}; MapProxy ${counts[2]}, ${counts[3]}`);
    assert.deepEqual(counts, [4, 4, 4, 4]);
    const [a, b] = images as [DecodedImage, DecodedImage];
    let sum = 0;
    for (let k = 0; k < a.data.length; k++) sum += Math.abs(a.data[k] - b.data[k]);
    assert.ok(sum / a.data.length < 1, `mean difference ${sum / a.data.length}`);
  });
});
