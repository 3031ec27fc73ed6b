import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileCache } from '../../src/core/cache/file-cache.js';
import { MapExtent } from '../../src/core/geo/extent.js';
import { DEFAULT_GRIDS, tileGrid, type TileCoord } from '../../src/core/geo/grid.js';
import { BBoxCoverage } from '../../src/core/geo/coverage.js';
import { MetaGrid } from '../../src/core/geo/meta-grid.js';
import { getSRS } from '../../src/core/geo/srs.js';
import { decode, encode } from '../../src/core/image/encode.js';
import { imageFormat } from '../../src/core/image/format.js';
import { ImageResult } from '../../src/core/image/image.js';
import type { RawImage } from '../../src/core/image/raw-image.js';
import type { MapQuery, MapSource } from '../../src/core/source/source.js';
import { SingleFlight } from '../../src/core/tiles/single-flight.js';
import { TileManager } from '../../src/core/tiles/tile-manager.js';
import type { RescaleOptions } from '../../src/core/tiles/tile-options.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const grid = tileGrid(DEFAULT_GRIDS.GLOBAL_WEBMERCATOR);
const png = imageFormat('image/png');

/** A tile with four quadrants of colours: top-left, top-right, bottom-left, bottom-right. */
function quadrants(colors: readonly (readonly number[])[]): RawImage {
  const data = Buffer.alloc(256 * 256 * 4);
  for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) data.set(colors[(y < 128 ? 0 : 2) + (x < 128 ? 0 : 1)], (y * 256 + x) * 4);
  return { data, width: 256, height: 256 };
}
const RED = [220, 0, 0, 255], GREEN = [0, 200, 0, 255], BLUE = [0, 0, 220, 255], GREY = [90, 90, 90, 255];

/** A source that counts its requests and has data only where `has` says so. */
class PatchySource implements MapSource {
  readonly transparent = false;
  readonly extent = new MapExtent(grid.bbox, grid.srs);
  calls: MapQuery[] = [];
  constructor(readonly supportsMetaTiles: boolean, private readonly has: (q: MapQuery) => boolean) {}
  async getMap(query: MapQuery): Promise<ImageResult | null> {
    this.calls.push(query);
    if (!this.has(query)) return null;
    const data = Buffer.alloc(query.size[0] * query.size[1] * 4, 255);
    return ImageResult.fromRaw({ data, width: query.size[0], height: query.size[1] });
  }
}

function setup(opts: { sources?: MapSource[]; rescale?: RescaleOptions; metaGrid?: MetaGrid | null; bulk?: boolean; coverage?: BBoxCoverage }) {
  const dir = mkdtempSync(join(tmpdir(), 'rescale-'));
  dirs.push(dir);
  const cache = new FileCache({ directory: dir, layout: 'tc', ext: 'png' });
  const manager = new TileManager({
    name: 'rescale', grid, cache, sources: opts.sources ?? [], format: png, requestFormat: 'image/png',
    metaGrid: opts.metaGrid ?? null, minimizeMetaRequests: false, concurrentTileCreators: 2, locks: new SingleFlight(),
    transparent: false, rescale: opts.rescale, bulkMetaTiles: opts.bulk, coverage: opts.coverage,
  });
  return { cache, manager };
}

async function pixel(data: Buffer | null, x: number, y: number): Promise<number[]> {
  assert.ok(data, 'a tile with data');
  const raw = await decode(data);
  return [...raw.data.subarray((y * raw.width + x) * 4, (y * raw.width + x) * 4 + 4)];
}

function near(actual: number[], expected: readonly number[], tol = 4) {
  assert.ok(actual.every((v, i) => Math.abs(v - expected[i]) <= tol), `${actual} is not ${expected}`);
}

describe('upscale_tiles', () => {
  it('draws a missing tile from the coarser level of a cache without sources, without storing it', async () => {
    const { cache, manager } = setup({ rescale: { levels: -1, store: false, resampling: 'nearest' } });
    await cache.storeMany([{ coord: [0, 0, 2], data: await encode(quadrants([RED, GREEN, BLUE, GREY]), png) }]);
    // (1, 1, 3) is the bottom-right quarter of (0, 0, 2) (origin nw: rows counted from the top)
    const [tile] = await manager.loadTiles([[1, 1, 3]]);
    near(await pixel(tile!.data, 128, 128), GREY);
    const [tl] = await manager.loadTiles([[0, 0, 3]]);
    near(await pixel(tl!.data, 10, 10), RED);
    near(await pixel(tl!.data, 250, 250), RED);
    assert.equal(await cache.load([1, 1, 3]), null, 'cache_rescaled_tiles is off');
  });

  it('stores rescaled tiles with cache_rescaled_tiles, and stops `levels` levels up', async () => {
    const { cache, manager } = setup({ rescale: { levels: -1, store: true, resampling: 'bilinear' } });
    await cache.storeMany([{ coord: [0, 0, 2], data: await encode(quadrants([RED, GREEN, BLUE, GREY]), png) }]);
    const [tile] = await manager.loadTiles([[1, 0, 3]]);
    near(await pixel(tile!.data, 128, 128), GREEN);
    assert.ok(await cache.load([1, 0, 3]), 'stored');
    // two levels below the cached tile: upscale_tiles 1 does not reach it
    const [far] = await manager.loadTiles([[3, 3, 4]]);
    assert.equal(far!.data, null);
  });

  it('rescales only when the sources have no data: a source with data is asked and wins', async () => {
    const empty = new PatchySource(true, () => false);
    const { cache, manager } = setup({ sources: [empty], rescale: { levels: -2, store: false, resampling: 'nearest' } });
    await cache.storeMany([{ coord: [0, 0, 1], data: await encode(quadrants([RED, GREEN, BLUE, GREY]), png) }]);
    const [tile] = await manager.loadTiles([[0, 0, 3]]);
    // the source was asked for the tile, then for its parent at level 2 (missing too), then level 1 came from the cache
    assert.deepEqual(empty.calls.map((q) => q.size), [[256, 256], [256, 256]]);
    near(await pixel(tile!.data, 100, 100), RED);

    const full = new PatchySource(true, () => true);
    const other = setup({ sources: [full], rescale: { levels: -2, store: false, resampling: 'nearest' } });
    await other.cache.storeMany([{ coord: [0, 0, 1], data: await encode(quadrants([RED, GREEN, BLUE, GREY]), png) }]);
    const [fromSource] = await other.manager.loadTiles([[0, 0, 3]]);
    near(await pixel(fromSource!.data, 100, 100), [255, 255, 255, 255]);
    assert.equal(full.calls.length, 1);
  });
});

describe('rescaling and the cache coverage', () => {
  it('never fills a tile outside the coverage, as MapProxy drops those tiles first', async () => {
    // the western half of the world
    const coverage = new BBoxCoverage([-20037508.34, -20037508.34, 0, 20037508.34], getSRS('EPSG:3857'));
    const { cache, manager } = setup({ coverage, rescale: { levels: -1, store: false, resampling: 'nearest' } });
    await cache.storeMany([{ coord: [0, 0, 0], data: await encode(quadrants([RED, GREEN, BLUE, GREY]), png) }]);
    const [west, east] = await manager.loadTiles([[0, 0, 1], [1, 0, 1]]);
    near(await pixel(west!.data, 10, 10), RED);
    assert.equal(east!.data, null);
  });
});

describe('downscale_tiles', () => {
  it('draws a missing tile from the four tiles of the finer level', async () => {
    const { cache, manager } = setup({ rescale: { levels: 1, store: false, resampling: 'bilinear' } });
    const colors: [TileCoord, number[]][] = [[[0, 0, 3], RED], [[1, 0, 3], GREEN], [[0, 1, 3], BLUE], [[1, 1, 3], GREY]];
    for (const [coord, c] of colors) await cache.storeMany([{ coord, data: await encode(quadrants([c, c, c, c]), png) }]);
    const [tile] = await manager.loadTiles([[0, 0, 2]]);
    near(await pixel(tile!.data, 60, 60), RED);
    near(await pixel(tile!.data, 200, 60), GREEN);
    near(await pixel(tile!.data, 60, 200), BLUE);
    near(await pixel(tile!.data, 200, 200), GREY);
  });
});

describe('bulk_meta_tiles', () => {
  it('asks a source without meta tiles for each tile of the meta tile, and stores them all', async () => {
    const tiles = new PatchySource(false, (q) => q.bbox[0] < 0); // data only west of Greenwich
    const { cache, manager } = setup({ sources: [tiles], metaGrid: new MetaGrid(grid, [2, 2], 0), bulk: true });
    const [tile] = await manager.loadTiles([[2, 2, 3]]);
    assert.ok(tile!.data);
    assert.equal(tiles.calls.length, 4, 'one request per tile of the 2x2 meta tile');
    assert.ok(tiles.calls.every((q) => q.size[0] === 256 && q.size[1] === 256));
    assert.ok(await cache.load([3, 3, 3]), 'a neighbour of the meta tile stored');
    assert.equal(await cache.load([4, 3, 3]), null, 'the meta tile is 2x2');
    await manager.loadTiles([[3, 2, 3]]);
    assert.equal(tiles.calls.length, 4, 'the neighbour came from the cache');
  });
});
