import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { FileCache } from '../../src/core/cache/file-cache.js';
import type { BBox } from '../../src/core/geo/bbox.js';
import { MapExtent } from '../../src/core/geo/extent.js';
import { BBoxCoverage } from '../../src/core/geo/coverage.js';
import { DEFAULT_GRIDS, tileGrid, type TileCoord } from '../../src/core/geo/grid.js';
import { MetaGrid } from '../../src/core/geo/meta-grid.js';
import { getSRS } from '../../src/core/geo/srs.js';
import { imageFormat } from '../../src/core/image/format.js';
import { ImageResult } from '../../src/core/image/image.js';
import { CacheMapLayer } from '../../src/core/layer/cache-map-layer.js';
import type { MapQuery, MapSource } from '../../src/core/source/source.js';
import { SingleFlight } from '../../src/core/tiles/single-flight.js';
import { TileManager } from '../../src/core/tiles/tile-manager.js';

/** A source that paints a solid colour and counts its calls, with a delay so requests overlap. */
class CountingSource implements MapSource {
  readonly supportsMetaTiles = true;
  readonly transparent = false;
  readonly extent = new MapExtent([-180, -90, 180, 90], getSRS('EPSG:4326'));
  calls: MapQuery[] = [];
  async getMap(query: MapQuery): Promise<ImageResult> {
    this.calls.push(query);
    await new Promise((r) => setTimeout(r, 20));
    const [w, h] = query.size;
    const data = Buffer.alloc(w * h * 4);
    for (let i = 0; i < w * h; i++) data.set([200, 30, 30, 255], i * 4);
    return ImageResult.fromRaw({ data, width: w, height: h });
  }
}

/** Paletted PNG quantisation may move a colour by a unit or two. */
function assertColor(actual: Buffer, expected: number[]) {
  const got = [...actual.subarray(0, 4)];
  assert.ok(got.every((v, i) => Math.abs(v - expected[i]) <= 3), `colour ${got} is not ${expected}`);
}

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup(metaSize: [number, number] = [2, 2], metaBuffer = 10) {
  const dir = mkdtempSync(join(tmpdir(), 'tm-'));
  dirs.push(dir);
  const grid = tileGrid(DEFAULT_GRIDS.GLOBAL_WEBMERCATOR);
  const source = new CountingSource();
  const format = imageFormat('image/png');
  const manager = new TileManager({
    name: 'test',
    grid,
    cache: new FileCache({ directory: dir, layout: 'tc', ext: 'png' }),
    sources: [source],
    format,
    requestFormat: 'image/png',
    metaGrid: new MetaGrid(grid, metaSize, metaBuffer),
    minimizeMetaRequests: false,
    concurrentTileCreators: 2,
    locks: new SingleFlight(),
    transparent: false,
  });
  return { dir, grid, source, manager };
}

describe('tile manager', () => {
  it('creates a whole meta tile with one source request and stores every tile', async () => {
    const { source, manager } = setup();
    const tiles = await manager.loadTiles([[2, 3, 3], [3, 3, 3], [2, 2, 3]]);
    assert.equal(source.calls.length, 1, 'one request for the meta tile');
    const q = source.calls[0];
    assert.deepEqual(q.size, [512 + 20, 512 + 20], 'meta size plus buffer on both sides');
    for (const t of tiles) {
      assert.ok(t?.data);
      const meta = await sharp(t.data).metadata();
      assert.equal(meta.width, 256);
      assert.equal(meta.height, 256);
    }
    const again = await manager.loadTiles([[3, 2, 3]]);
    assert.equal(source.calls.length, 1, 'the fourth tile of the meta tile was stored too');
    assert.ok(again[0]?.data);
  });

  it('shares one creation between concurrent requests for tiles of the same meta tile', async () => {
    const { source, manager } = setup([4, 4], 0);
    const coords: TileCoord[] = [];
    for (let x = 0; x < 4; x++) for (let y = 0; y < 4; y++) coords.push([x, y, 3]);
    await Promise.all(coords.map((c) => manager.loadTile(c)));
    assert.equal(source.calls.length, 1);
  });

  it('treats tiles stored before refresh_before as stale', async () => {
    const { source, manager, grid, dir } = setup([1, 1], 0);
    await manager.loadTile([0, 0, 1]);
    const stale = new TileManager({ ...manager.options, expireTimestamp: () => Date.now() / 1000 + 10 });
    await stale.loadTile([0, 0, 1]);
    assert.equal(source.calls.length, 2);
    assert.ok(grid && dir);
  });
});

describe('cache map layer', () => {
  it('draws a WMS query from tiles, in the cache SRS and reprojected', async () => {
    const { source, manager, grid } = setup([2, 2], 0);
    const layer = new CacheMapLayer({
      managers: [manager],
      extent: new MapExtent(grid.bbox, grid.srs),
      transparent: false,
      maxTileLimit: 500,
      resampling: 'bicubic',
    });
    const bbox: BBox = [-2e6, -2e6, 2e6, 2e6];
    const img = await layer.getMap({ bbox, size: [300, 200], srs: getSRS('EPSG:3857'), format: 'image/png', transparent: false });
    assert.ok(img);
    const raw = await img.raw();
    assert.equal(raw.width, 300);
    assert.equal(raw.height, 200);
    assertColor(raw.data.subarray(0, 4), [200, 30, 30, 255]);
    assert.ok(source.calls.length >= 1);

    const geo = await layer.getMap({ bbox: [-10, -10, 10, 10], size: [100, 100], srs: getSRS('EPSG:4326'), format: 'image/png', transparent: false });
    const graw = await geo!.raw();
    assert.equal(graw.width, 100);
    assertColor(graw.data.subarray(50 * 400 + 200, 50 * 400 + 204), [200, 30, 30, 255]);
  });

  it('pastes a query that is partly outside the grid into a transparent canvas', async () => {
    const { manager } = setup([2, 2], 0);
    const layer = new CacheMapLayer({
      managers: [manager],
      extent: new MapExtent(manager.grid.bbox, manager.grid.srs),
      transparent: true,
      maxTileLimit: 500,
      resampling: 'nearest',
    });
    const img = await layer.getMap({
      bbox: [-180, -90, 0, 90],
      size: [200, 200],
      srs: getSRS('EPSG:4326'),
      format: 'image/png',
      transparent: true,
    });
    const raw = await img!.raw();
    assert.equal(raw.data[3], 0, 'north of 85.05° is outside the mercator grid: transparent');
    const mid = (100 * 200 + 100) * 4;
    assert.equal(raw.data[mid + 3], 255);
  });
});

describe('coverage clip', () => {
  it('masks created tiles outside a clipping cache coverage and creates nothing outside it', async () => {
    const { manager, grid, source } = setup([1, 1], 0);
    // The western half of tile (0, 0, 1) (nw origin: the north-west quarter of the world).
    const coverage = new BBoxCoverage([-20037508.34, 0, -10018754.17, 20037508.34], getSRS('EPSG:3857'), true);
    const clipped = new TileManager({ ...manager.options, coverage });
    const tile = await clipped.loadTile([0, 0, 1]);
    const raw = await ImageResult.fromEncoded(tile.data!).raw();
    const alphaAt = (x: number, y: number) => raw.data[(y * raw.width + x) * 4 + 3];
    assert.equal(alphaAt(10, 128), 255, 'inside the coverage');
    assert.equal(alphaAt(240, 128), 0, 'outside the coverage');
    const calls = source.calls.length;
    const outside = await clipped.loadTile([1, 1, 1]);
    assert.equal(outside.data, null, 'a tile outside the coverage is blank');
    assert.equal(source.calls.length, calls, 'and no source was asked');
    assert.ok(grid);
  });
});
