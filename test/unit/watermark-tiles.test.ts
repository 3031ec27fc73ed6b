import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileCache } from '../../src/core/cache/file-cache.js';
import { MapExtent } from '../../src/core/geo/extent.js';
import { DEFAULT_GRIDS, tileGrid, type TileCoord } from '../../src/core/geo/grid.js';
import { MetaGrid } from '../../src/core/geo/meta-grid.js';
import { getSRS } from '../../src/core/geo/srs.js';
import { decode } from '../../src/core/image/encode.js';
import { imageFormat } from '../../src/core/image/format.js';
import { ImageResult } from '../../src/core/image/image.js';
import type { RawImage } from '../../src/core/image/raw-image.js';
import { TileWatermark, watermarkPlacement } from '../../src/core/image/watermark.js';
import { watermarkBlend } from '../../src/core/native/watermark.js';
import type { MapQuery, MapSource } from '../../src/core/source/source.js';
import { SingleFlight } from '../../src/core/tiles/single-flight.js';
import { TileManager } from '../../src/core/tiles/tile-manager.js';
import { PYTHON } from '../support/mapproxy-reference.js';

const REFERENCE = new URL('../support/watermark_reference.py', import.meta.url).pathname;

function solid(width: number, height: number, rgba: readonly number[]): RawImage {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set(rgba, i * 4);
  return { data, width, height };
}

/** MapProxy's WatermarkImage (Debian's 1.15 with MapProxy 7's text boxes) on a solid tile, through Pillow. */
function pillowWatermark(args: Record<string, unknown>): Buffer {
  const r = spawnSync(PYTHON, [REFERENCE, JSON.stringify(args)], { maxBuffer: 1 << 24 });
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout;
}

/** How far the text's ink sits and how much there is: the weighted centre of the change in `band`. */
function ink(data: Buffer, width: number, bg: readonly number[], band: number) {
  let sx = 0, sy = 0, w = 0;
  for (let i = 0; i < data.length / 4; i++) {
    const d = Math.abs(data[i * 4 + band] - bg[band]);
    sx += (i % width) * d;
    sy += Math.floor(i / width) * d;
    w += d;
  }
  return { x: sx / w, y: sy / w, weight: w };
}

describe('watermark placement (MapProxy tile_watermark_placement)', () => {
  it('centres the text on even rows and puts it on both edges of odd rows', () => {
    assert.equal(watermarkPlacement([0, 0, 3], false), 'c');
    assert.equal(watermarkPlacement([5, 2, 3], false), 'c');
    assert.equal(watermarkPlacement([0, 1, 3], false), 'b');
    assert.equal(watermarkPlacement([4, 3, 3], false), 'b');
  });
  it("'wide' spacing: centred where row and column differ in parity, none elsewhere", () => {
    assert.equal(watermarkPlacement([0, 1, 3], true), 'c');
    assert.equal(watermarkPlacement([1, 0, 3], true), 'c');
    assert.equal(watermarkPlacement([0, 0, 3], true), null);
    assert.equal(watermarkPlacement([3, 1, 3], true), null);
  });
});

describe('watermark blend kernel', () => {
  it("blends as Pillow draws into an empty RGBA layer and pastes it with its alpha (every band, alpha too)", () => {
    const img = solid(3, 1, [10, 20, 250, 255]);
    img.data.set([10, 20, 250, 100], 8);
    // full cover, half cover, full cover over a half transparent pixel: values from Pillow 9.4
    watermarkBlend(img, Uint8Array.from([255, 128, 255]), [200, 100, 50], 30, true);
    assert.deepEqual([...img.data.subarray(0, 4)], [32, 29, 226, 229]);
    assert.deepEqual([...img.data.subarray(4, 8)], [21, 25, 238, 241]);
    assert.deepEqual([...img.data.subarray(8, 12)], [32, 29, 226, 92]);
  });
  it('leaves alpha alone for an opaque cache and pixels without coverage untouched', () => {
    const img = solid(2, 1, [10, 20, 250, 255]);
    watermarkBlend(img, Uint8Array.from([0, 255]), [200, 100, 50], 30, false);
    assert.deepEqual([...img.data], [10, 20, 250, 255, 32, 29, 226, 255]);
  });
  it('refuses a coverage of the wrong size', () => {
    assert.throws(() => watermarkBlend(solid(2, 2, [0, 0, 0, 0]), new Uint8Array(3), [0, 0, 0], 30, true), RangeError);
  });
});

describe('watermark drawn like MapProxy 7 (Pillow and DejaVu Sans as the reference)', () => {
  const cases = [
    { text: 'MapProxy', font_size: 24, placement: 'c', coord: [0, 0, 3] },
    { text: '(c) Omniscale', font_size: 24, placement: 'b', coord: [0, 1, 3] },
    { text: 'Hello World', font_size: 40, placement: 'c', coord: [2, 2, 5] },
    { text: 'two\nlines', font_size: 18, placement: 'c', coord: [0, 0, 1] },
  ] as const;
  for (const c of cases) {
    for (const transparent of [false, true]) {
      it(`'${c.text.replace('\n', '\\n')}' ${c.font_size}px placement ${c.placement}${transparent ? ', transparent tile' : ''}`, async () => {
        const bg = transparent ? [10, 200, 30, 120] : [200, 220, 240, 255];
        const ours = solid(256, 256, bg);
        const wm = new TileWatermark({ text: c.text, opacity: 80, fontSize: c.font_size, color: [0, 0, 90], spacing: 'default' });
        await wm.draw(ours, c.coord, transparent);
        const ref = pillowWatermark({
          text: c.text, font_size: c.font_size, opacity: 80, color: [0, 0, 90], placement: c.placement,
          width: 256, height: 256, bg, mode: transparent ? 'RGBA' : 'RGB',
        });
        assert.equal(ref.length, ours.data.length);
        // Glyph rasterisers differ (librsvg vs FreeType with TrueType hinting): the ink sits within a pixel of
        // Pillow's, with about as much of it (hinting snaps small glyphs' stems to whole pixels: up to 10 % more
        // ink at 18 px), and most pixels are equal.
        const a = ink(ours.data, 256, bg, 0);
        const b = ink(ref, 256, bg, 0);
        assert.ok(Math.abs(a.x - b.x) < 1.5 && Math.abs(a.y - b.y) < 1.5, `ink at ${a.x},${a.y}; Pillow ${b.x},${b.y}`);
        assert.ok(Math.abs(a.weight - b.weight) / b.weight < 0.12, `ink ${a.weight}, Pillow ${b.weight}`);
        let sum = 0;
        for (let i = 0; i < ref.length; i++) sum += Math.abs(ref[i] - ours.data[i]);
        assert.ok(sum / ref.length < 0.6, `mean difference ${sum / ref.length} per byte`);
        if (!transparent) for (let i = 3; i < ref.length; i += 4) assert.equal(ours.data[i], 255);
      });
    }
  }
});

class SolidSource implements MapSource {
  readonly supportsMetaTiles = true;
  readonly transparent = false;
  readonly extent = new MapExtent([-180, -90, 180, 90], getSRS('EPSG:4326'));
  async getMap(query: MapQuery): Promise<ImageResult> {
    return ImageResult.fromRaw(solid(query.size[0], query.size[1], [200, 220, 240, 255]));
  }
}

describe('watermarked caches', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  for (const meta of [true, false]) {
    it(`draws the watermark before the tiles are stored (${meta ? 'meta tiles' : 'single tiles'})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'wm-'));
      dirs.push(dir);
      const grid = tileGrid(DEFAULT_GRIDS.GLOBAL_WEBMERCATOR);
      const manager = new TileManager({
        name: 'wm', grid, cache: new FileCache({ directory: dir, layout: 'tc', ext: 'png' }), sources: [new SolidSource()],
        format: imageFormat('image/png'), requestFormat: 'image/png', metaGrid: meta ? new MetaGrid(grid, [2, 2], 0) : null,
        minimizeMetaRequests: false, concurrentTileCreators: 2, locks: new SingleFlight(), transparent: false,
        watermark: new TileWatermark({ text: 'MapProxy', opacity: 200, fontSize: 24, color: [0, 0, 0], spacing: 'wide' }),
      });
      const coords: TileCoord[] = [[0, 0, 2], [1, 0, 2], [0, 1, 2], [1, 1, 2]];
      const tiles = await manager.loadTiles(coords);
      const stored = new FileCache({ directory: dir, layout: 'tc', ext: 'png' });
      for (const [i, c] of coords.entries()) {
        const fromStore = await stored.load(c);
        assert.ok(fromStore && tiles[i]?.data);
        assert.deepEqual(fromStore.data, tiles[i]!.data, 'the stored tile is the one served');
        const raw = await decode(fromStore.data);
        const dark = ink(raw.data, 256, [200, 220, 240, 255], 0).weight;
        // 'wide': text on (x + y) odd only
        if ((c[0] + c[1]) % 2 === 1) assert.ok(dark > 50_000, `text on ${c}`);
        else assert.equal(dark, 0, `no text on ${c}`);
      }
      assert.ok(readFileSync(join(dir, '02', '000', '000', '001', '000', '000', '000.png')).length > 0);
    });
  }
});
