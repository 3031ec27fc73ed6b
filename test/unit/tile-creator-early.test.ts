// A cold miss is answered with its own tile once that tile is encoded and stored, while the rest of its meta tile is
// encoded and stored under the same lock: the lock is released only when every tile is stored, so whoever waited on
// it (another process) finds them all, and a request of this process that joins the creation gets its tile from it.
// A failure in that late part is logged and counted, never thrown at anyone who did not ask for those tiles.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { deflateSync, inflateSync } from 'node:zlib';
import type { Dimensions, TileToStore } from '../../src/core/cache/cache.js';
import { FileCache } from '../../src/core/cache/file-cache.js';
import { MapExtent } from '../../src/core/geo/extent.js';
import { DEFAULT_GRIDS, tileGrid } from '../../src/core/geo/grid.js';
import { MetaGrid } from '../../src/core/geo/meta-grid.js';
import { getSRS } from '../../src/core/geo/srs.js';
import { decodePngAsync, pngImageData } from '../../src/core/image/png-decode.js';
import { encodePalettedTiles } from '../../src/core/image/encode.js';
import { imageFormat } from '../../src/core/image/format.js';
import { ImageResult } from '../../src/core/image/image.js';
import { encodeRgbaPngSync } from '../../src/core/image/png-encode.js';
import type { MapQuery, MapSource } from '../../src/core/source/source.js';
import type { HeldLock } from '../../src/core/tiles/file-locks.js';
import { FileLocks } from '../../src/core/tiles/file-locks.js';
import { SingleFlight } from '../../src/core/tiles/single-flight.js';
import type { TileLock } from '../../src/core/tiles/tile-lock.js';
import { TileLocker } from '../../src/core/tiles/tile-locker.js';
import { TileManager } from '../../src/core/tiles/tile-manager.js';
import { pngChunks, pngFromChunks } from '../support/png-chunks.js';

const META = 1024; // 4×4 tiles of 256², no buffer: level 2 of GLOBAL_WEBMERCATOR is one meta tile

/** A picture with something different in every tile, as an upstream's PNG. */
function picture(): Buffer {
  const data = Buffer.alloc(META * META * 4);
  for (let i = 0; i < META * META; i++) {
    const x = i % META, y = Math.floor(i / META);
    data.set([(x * 3 + y) & 255, (y * 5) & 255, ((x ^ y) * 7) & 255, 255], i * 4);
  }
  return encodeRgbaPngSync({ data, width: META, height: META }, { alpha: false });
}

/** The PNG with filter type 7 in its last row: every chunk and the stream's checksum fine, the rows do not decode. */
function badLastRow(png: Buffer): Buffer {
  const rows = inflateSync(pngImageData(png).compressed);
  rows[rows.length - (1 + META * 3)] = 7;
  const chunks = pngChunks(png).filter((c) => c.type !== 'IDAT');
  chunks.splice(1, 0, { type: 'IDAT', data: deflateSync(rows) });
  return pngFromChunks(chunks);
}

const GOOD = picture();

class PngSource implements MapSource {
  readonly supportsMetaTiles = true;
  readonly transparent = false;
  readonly extent = new MapExtent([-180, -90, 180, 90], getSRS('EPSG:4326'));
  calls = 0;
  constructor(private readonly png: Buffer) {}
  async getMap(query: MapQuery): Promise<ImageResult> {
    this.calls++;
    assert.deepEqual(query.size, [META, META]);
    return ImageResult.fromEncoded(this.png);
  }
}

/** A file cache that records its stores and can hold back (or fail) every store after the first. */
class GatedCache extends FileCache {
  readonly stores: string[][] = [];
  private open: () => void = () => undefined;
  gate: Promise<void> | null = null;
  failLater: Error | null = null;

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open();
  }

  override async storeMany(tiles: readonly TileToStore[], dims?: Dimensions): Promise<void> {
    this.stores.push(tiles.map((t) => t.coord.join('/')));
    if (this.stores.length > 1) {
      if (this.gate) await this.gate;
      if (this.failLater) throw this.failLater;
    }
    return super.storeMany(tiles, dims);
  }
}

/** A tile lock that records when it is taken and released. */
class RecordingLock implements TileLock {
  constructor(private readonly events: string[]) {}
  async lock(): Promise<HeldLock> {
    this.events.push('lock');
    return { path: '', waitedMs: 0, release: async () => void this.events.push('release') };
  }
}

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const grid = tileGrid(DEFAULT_GRIDS.GLOBAL_WEBMERCATOR);
const format = imageFormat('image/png');

function manager(cache: FileCache, source: MapSource, opts: { lock?: TileLock; log?: string[]; storeFailures?: 'fail' } = {}): TileManager {
  const log = opts.log ?? [];
  return new TileManager({
    name: 'c',
    grid,
    cache,
    sources: [source],
    format,
    requestFormat: 'image/png',
    metaGrid: new MetaGrid(grid, [4, 4], 0),
    minimizeMetaRequests: false,
    concurrentTileCreators: 2,
    locks: new SingleFlight(),
    tileLocker: opts.lock,
    transparent: false,
    storeFailures: opts.storeFailures,
    log: { warn: (m: string) => void log.push(m), error: (m: string) => void log.push(m) },
  });
}

function gatedCache(): GatedCache & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'early-'));
  dirs.push(dir);
  return Object.assign(new GatedCache({ directory: dir, layout: 'tc', ext: 'png' }), { dir });
}

/** The 16 tiles of level 2 as the all-at-once path writes them, by "x/y/z". */
async function expectedTiles(): Promise<Map<string, Buffer>> {
  const meta = new MetaGrid(grid, [4, 4], 0).metaTile([0, 0, 2]);
  const datas = await encodePalettedTiles(await decodePngAsync(GOOD), meta.tiles.map((t) => ({ offset: t.offset, size: [256, 256] })), format, { transparent: false });
  return new Map(meta.tiles.map((t, i) => [t.coord.join('/'), datas[i]!]));
}

describe('a cold miss is answered before its meta tile is done', () => {
  it('the asked tile is stored, then answered, while the others are stored before the lock is released', async () => {
    const events: string[] = [];
    const cache = gatedCache();
    const tiles = manager(cache, new PngSource(GOOD), { lock: new RecordingLock(events) });
    cache.hold();
    const tile = await tiles.loadTile([1, 2, 2]);
    events.push('answer');
    assert.deepEqual(cache.stores[0], ['1/2/2'], 'the asked tile stored on its own, first');
    assert.deepEqual(events, ['lock', 'answer'], 'answered with the lock still held');
    assert.ok((await tiles.loadCached([1, 2, 2])) !== null, 'the asked tile is in the cache when answered');
    assert.equal(await tiles.loadCached([0, 0, 2]), null, 'its siblings are not yet');
    cache.release();
    await waitFor(() => events.includes('release'));
    assert.equal(cache.stores.length, 2);
    assert.equal(cache.stores[1]!.length, 15, 'the other 15 tiles in one batch');
    assert.ok(!cache.stores[1]!.includes('1/2/2'));
    const expected = await expectedTiles();
    assert.ok(tile.data?.equals(expected.get('1/2/2')!), 'the early tile is the all-at-once tile');
    for (const [key, data] of expected) {
      const [x = 0, y = 0, z = 0] = key.split('/').map(Number);
      const cached = await tiles.loadCached([x, y, z]);
      assert.ok(cached?.data?.equals(data), `tile ${key} stored before the release, the all-at-once bytes`);
    }
  });

  it('a request of the same process for a sibling during the late part gets its tile from the creation', async () => {
    const cache = gatedCache();
    const source = new PngSource(GOOD);
    const tiles = manager(cache, source);
    cache.hold();
    await tiles.loadTile([0, 0, 2]);
    const seen: { sibling?: Buffer | null } = {};
    const pending = tiles.loadTile([3, 3, 2]).then((t) => (seen.sibling = t.data));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(!('sibling' in seen), 'the sibling waits for its tile to be stored');
    cache.release();
    await pending;
    assert.equal(source.calls, 1, 'one upstream request for both');
    assert.ok(seen.sibling?.equals((await expectedTiles()).get('3/3/2')!));
    assert.ok(await cache.isCached([3, 3, 2]), 'stored before it was answered');
  });

  it('another process waiting on the lock finds all 16 tiles and asks no source', async () => {
    const cache = gatedCache();
    const lockDir = join(cache.dir, 'tile_locks');
    const locker = () => new TileLocker({ lockDir, lockId: cache.lockId, timeout: 10, locks: new FileLocks() });
    const first = new PngSource(GOOD);
    const second = new PngSource(GOOD);
    const one = manager(cache, first, { lock: locker() });
    const other = manager(new FileCache({ directory: cache.dir, layout: 'tc', ext: 'png' }), second, { lock: locker() });
    cache.hold();
    await one.loadTile([2, 1, 2]);
    const waiting = other.loadTile([1, 1, 2]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    cache.release();
    const tile = await waiting;
    assert.equal(second.calls, 0, 'found in the cache once the lock was free');
    assert.equal(tile.cacheStatus, 'hit');
    assert.ok(tile.data?.equals((await expectedTiles()).get('1/1/2')!));
  });

  it('a store failure in the late part is logged and counted, and the asked tile is served', async () => {
    const log: string[] = [];
    const cache = gatedCache();
    cache.failLater = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    const events: string[] = [];
    const tiles = manager(cache, new PngSource(GOOD), { lock: new RecordingLock(events), log });
    const tile = await tiles.loadTile([0, 3, 2]);
    assert.ok(tile.data);
    await waitFor(() => events.includes('release'));
    assert.equal(log.length, 1, log.join('\n'));
    assert.match(log[0]!, /no space left on device/);
    assert.ok(await cache.isCached([0, 3, 2]));
    assert.ok(!(await cache.isCached([0, 0, 2])));
  });

  it('a PNG damaged in its last row gives the decoder\'s error and stores nothing', async () => {
    const bad = badLastRow(GOOD);
    const why = await decodePngAsync(bad).then(() => assert.fail('the bad row decoded'), (err: Error) => err.message);
    const cache = gatedCache();
    const tiles = manager(cache, new PngSource(bad));
    await assert.rejects(tiles.loadTile([0, 0, 2]), (err: Error) => err.message.includes(`could not decode the image returned by the source: ${why}`));
    assert.deepEqual(cache.stores, []);
  });

  it('seeding (store failures fail) stores all 16 before it answers, and a failure fails it', async () => {
    const cache = gatedCache();
    const tiles = manager(cache, new PngSource(GOOD), { storeFailures: 'fail' });
    await tiles.loadTile([0, 0, 2]);
    assert.deepEqual(cache.stores.map((s) => s.length), [16]);
    const failing = gatedCache();
    failing.failLater = new Error('no space left on device');
    failing.stores.push(['an earlier batch']);
    await assert.rejects(manager(failing, new PngSource(GOOD), { storeFailures: 'fail' }).loadTile([0, 0, 2]), /no space left/);
  });
});

/** Polls `ready` until it holds (5 s at most). */
async function waitFor(ready: () => boolean): Promise<void> {
  const until = Date.now() + 5000;
  while (!ready()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
