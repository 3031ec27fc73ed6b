// Tile creation guarded by lock files: two TileManagers that share nothing but the cache and lock
// directories (as two processes would) create each meta tile once.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileCache } from '../../src/core/cache/file-cache.js';
import { MapExtent } from '../../src/core/geo/extent.js';
import { DEFAULT_GRIDS, tileGrid, type TileCoord } from '../../src/core/geo/grid.js';
import { MetaGrid } from '../../src/core/geo/meta-grid.js';
import { getSRS } from '../../src/core/geo/srs.js';
import { imageFormat } from '../../src/core/image/format.js';
import { ImageResult } from '../../src/core/image/image.js';
import { SourceError, type MapQuery, type MapSource } from '../../src/core/source/source.js';
import { CreationQueue } from '../../src/core/tiles/creation-queue.js';
import { FileLocks } from '../../src/core/tiles/file-locks.js';
import { SingleFlight } from '../../src/core/tiles/single-flight.js';
import { TileLocker } from '../../src/core/tiles/tile-locker.js';
import { TileManager } from '../../src/core/tiles/tile-manager.js';
import { tempDir, writeConfig } from '../support/configs.js';
import { get, createApp } from '../support/our-app.js';

class SlowSource implements MapSource {
  readonly supportsMetaTiles = true;
  readonly transparent = false;
  readonly extent = new MapExtent([-180, -90, 180, 90], getSRS('EPSG:4326'));
  calls: string[] = [];
  failNext = 0;
  async getMap(query: MapQuery): Promise<ImageResult> {
    this.calls.push(query.bbox.join(','));
    await new Promise((r) => setTimeout(r, 30));
    if (this.failNext > 0) {
      this.failNext--;
      throw new SourceError('upstream down');
    }
    const [w, h] = query.size;
    return ImageResult.fromRaw({ data: Buffer.alloc(w * h * 4, 200), width: w, height: h });
  }
}

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function processLike(cacheDir: string, source: SlowSource): TileManager {
  const grid = tileGrid(DEFAULT_GRIDS.GLOBAL_WEBMERCATOR);
  const cache = new FileCache({ directory: cacheDir, layout: 'tc', ext: 'png' });
  return new TileManager({
    name: 'c',
    grid,
    cache,
    sources: [source],
    format: imageFormat('image/png'),
    requestFormat: 'image/png',
    metaGrid: new MetaGrid(grid, [2, 2], 0),
    minimizeMetaRequests: false,
    concurrentTileCreators: 2,
    locks: new SingleFlight(),
    tileLocker: new TileLocker({ lockDir: join(cacheDir, 'tile_locks'), lockId: cache.lockId, timeout: 10, locks: new FileLocks() }),
    creationQueue: new CreationQueue({ maxActive: 4 }),
    transparent: false,
  });
}

describe('tile creation across processes', () => {
  it('creates each meta tile once for many concurrent requests in two "processes"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockcreate-'));
    dirs.push(dir);
    const source = new SlowSource();
    const a = processLike(dir, source);
    const b = processLike(dir, source);
    const coords: TileCoord[] = [];
    for (let x = 0; x < 8; x++) for (let y = 0; y < 2; y++) coords.push([x, y, 3]); // 4 meta tiles
    const requests = Array.from({ length: 64 }, (_, i) => (i % 2 ? a : b).loadTile(coords[i % coords.length]));
    const tiles = await Promise.all(requests);
    assert.ok(tiles.every((t) => t.data && t.data.length > 0));
    assert.equal(source.calls.length, 4, 'one upstream request per meta tile');
    assert.equal(new Set(source.calls).size, 4);
    assert.deepEqual(readdirSync(join(dir, 'tile_locks')), [], 'every lock file was removed on release');
  });

  it('releases the lock when the creation fails, so the next request creates the tile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockfail-'));
    dirs.push(dir);
    const source = new SlowSource();
    source.failNext = 1;
    const a = processLike(dir, source);
    const b = processLike(dir, source);
    await assert.rejects(a.loadTile([0, 0, 2]), SourceError);
    const tile = await b.loadTile([0, 0, 2]);
    assert.ok(tile.data);
    assert.equal(source.calls.length, 2);
  });

  it('uses no lock files for caches with disable_storage', async () => {
    const dir = tempDir('nostore-');
    dirs.push(dir);
    const app = await createApp(writeConfig(dir, `
services:
  tms:
layers:
  - name: l
    title: l
    sources: [c]
caches:
  c:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [d]
    disable_storage: true
    cache_dir: ${JSON.stringify(join(dir, 'cache'))}
sources:
  d:
    type: debug
`));
    const res = await get(app, '/tms/1.0.0/l/EPSG3857/1/0/0.png');
    assert.equal(res.status, 200);
    assert.equal(existsSync(join(dir, 'cache', 'tile_locks')), false);
  });
});
