// The azureblob cache against a real Azure Blob protocol server (azurite): blob names as MapProxy 7's
// cache/azureblob.py builds them (its location functions are MapProxy 1.15's, which has no azureblob cache), its
// options and defaults with AZURE_STORAGE_CONNECTION_STRING winning, content type and times from Last-Modified,
// meta tiles as parallel uploads, a missing container, a wrong account key, a slow and a vanished server,
// seeding and cleanup.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { AzureBlobCache, type AzureBlobCacheOptions } from '../../src/core/cache/azureblob-cache.js';
import { CacheWriteError } from '../../src/core/cache/cache-write-error.js';
import { objectKey } from '../../src/core/cache/object-key.js';
import type { DirectoryLayout } from '../../src/core/cache/paths.js';
import { loadConfig } from '../../src/core/config/load-config.js';
import type { TileCoord } from '../../src/core/geo/grid.js';
import { startAzurite, type AzuriteServer } from '../support/azurite-server.js';
import { tempDir, writeConfig } from '../support/configs.js';
import { startDelayingProxy } from '../support/delaying-proxy.js';
import { PYTHON } from '../support/mapproxy-reference.js';
import { checkGivesUpInTime, checkGoneBeforeStore, checkRemoveLevel, checkServerAway, checkStoreLoadRemove, assertRefused, errorLines, fakePng, type StoreView } from '../support/object-store-checks.js';
import { networkCacheSetup, type NetworkCacheSetup } from '../support/network-cache-setup.js';
import { get } from '../support/our-app.js';

const WRONG_KEY = Buffer.alloc(64, 7).toString('base64');

let azurite: AzuriteServer;
let tiles: ContainerClient;
let appContainer: ContainerClient;
before(async () => {
  delete process.env.AZURE_STORAGE_CONNECTION_STRING;
  azurite = await startAzurite();
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString());
  tiles = service.getContainerClient('tiles');
  appContainer = service.getContainerClient('app');
  await tiles.create();
  await appContainer.create();
});
after(async () => azurite.remove());

const cache = (o: Partial<AzureBlobCacheOptions> = {}) => new AzureBlobCache({
  containerName: 'tiles', basePath: 'c/GLOBAL_WEBMERCATOR', layout: 'tms', ext: 'png', concurrency: 4,
  connectionString: azurite.connectionString(), timeout: 2, ...o,
});
const namesIn = async (container: ContainerClient, prefix: string) => {
  const names: string[] = [];
  for await (const b of container.listBlobsFlat({ prefix })) names.push(b.name);
  return names.sort();
};
const view: StoreView = {
  list: (prefix) => namesIn(tiles, prefix),
  async head(key) {
    const props = await tiles.getBlobClient(key).getProperties();
    return { lastModified: props.lastModified!.getTime() / 1000, contentType: props.contentType };
  },
  name: (key) => `azureblob://tiles/${key}`,
};

describe('azureblob cache', () => {
  it('blob names are MapProxy\'s tile locations without the leading slash; the lock id is MapProxy 7\'s', () => {
    const layouts: DirectoryLayout[] = ['tms', 'tc', 'mp', 'reverse_tms', 'quadkey', 'arcgis'];
    const bases = ['c/GLOBAL_WEBMERCATOR', '/abs/tiles', '', 'a//b/'];
    const coords: TileCoord[] = [[0, 0, 0], [3, 4, 2], [1234567, 7654321, 23]];
    // MapProxy 7's AzureBlobCache.tile_key: _tile_location(tile, base_path, file_ext).lstrip('/'), and its
    // lock_cache_id: 'azureblob-' + md5(base_path + container_name)
    const script = `
import hashlib, json, sys
from mapproxy.cache import path
from mapproxy.cache.tile import Tile
args = json.loads(sys.argv[1])
out = []
for base in args['bases']:
    for layout in args['layouts']:
        location, _ = path.location_funcs(layout=layout)
        out.append({
            'lock': 'azureblob-' + hashlib.md5(base.encode('utf-8') + b'tiles').hexdigest(),
            'keys': [location(Tile(tuple(t)), base, 'png').lstrip('/') for t in args['coords']],
        })
print(json.dumps(out))
`;
    const theirs = JSON.parse(execFileSync(PYTHON, ['-c', script, JSON.stringify({ layouts, bases, coords })]).toString()) as { lock: string; keys: string[] }[];
    let i = 0;
    for (const basePath of bases) {
      for (const layout of layouts) {
        const expected = theirs[i++]!;
        assert.deepEqual(coords.map((c) => objectKey(layout, basePath, c, 'png')), expected.keys, `${layout} below '${basePath}'`);
        assert.equal(cache({ layout, basePath }).lockId, expected.lock, `lock id below '${basePath}'`);
      }
    }
  });

  it('reads MapProxy 7\'s options: defaults, globals.cache.azureblob, AZURE_STORAGE_CONNECTION_STRING first; missing ones are errors', () => {
    const dir = tempDir('azure-conf-');
    const dev = azurite.connectionString();
    try {
      const file = writeConfig(dir, `
globals:
  cache:
    azureblob: {container_name: global-container, connection_string: '${dev}'}
services: {tms: }
layers: [{name: l, title: l, sources: [a]}]
caches:
  a: {grids: [GLOBAL_WEBMERCATOR, GLOBAL_GEODETIC], sources: [], cache: {type: azureblob}}
  b: {grids: [GLOBAL_WEBMERCATOR], sources: [], cache: {type: azureblob, container_name: c, connection_string: 'UseDevelopmentStorage=true',
      directory: tiles/b, directory_layout: quadkey, timeout: 3}}
`);
      const opts = (loaded: ReturnType<typeof loadConfig>, name: string) => (loaded.config.caches[name]!.backend as { options: unknown }).options;
      const loaded = loadConfig(file);
      assert.deepEqual(opts(loaded, 'a'), {
        connectionString: dev, containerName: 'global-container', directoryLayout: 'tms', timeout: 10,
        basePaths: { GLOBAL_WEBMERCATOR: 'a/GLOBAL_WEBMERCATOR', GLOBAL_GEODETIC: 'a/GLOBAL_GEODETIC' },
      });
      assert.deepEqual(opts(loaded, 'b'), {
        connectionString: 'UseDevelopmentStorage=true', containerName: 'c', directoryLayout: 'quadkey', timeout: 3, basePaths: { GLOBAL_WEBMERCATOR: 'tiles/b' },
      });
      process.env.AZURE_STORAGE_CONNECTION_STRING = 'AccountName=fromenv;AccountKey=a2V5';
      try {
        assert.equal((opts(loadConfig(file), 'b') as { connectionString: string }).connectionString, 'AccountName=fromenv;AccountKey=a2V5');
      } finally {
        delete process.env.AZURE_STORAGE_CONNECTION_STRING;
      }

      assertRefused(dir, `{type: azureblob, connection_string: '${dev}'}`, /caches\.a\.cache\.container_name.*no container_name configured for Azure Blob cache a/);
      assertRefused(dir, '{type: azureblob, container_name: c}', /caches\.a\.cache\.connection_string.*no connection_string configured/);
      assertRefused(dir, '{type: azureblob, container_name: c, connection_string: garbage}', /connection_string.*neither AccountName and AccountKey nor BlobEndpoint and SharedAccessSignature/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stores a meta tile as parallel uploads with MapProxy\'s content type, loads it with times from Last-Modified, removes tiles', async () => {
    await checkStoreLoadRemove(cache({ basePath: 'store/GLOBAL_WEBMERCATOR' }), view, 'store/GLOBAL_WEBMERCATOR/');
    const props = await tiles.getBlobClient('store/GLOBAL_WEBMERCATOR/3/5/6.png').getProperties();
    assert.equal(props.blobType, 'BlockBlob');
    // MapProxy 7 sets image/<ext> whatever the format
    const tiff = cache({ basePath: 'store/GLOBAL_WEBMERCATOR', ext: 'tiff' });
    await tiff.store([0, 0, 0], fakePng(1));
    assert.equal((await view.head('store/GLOBAL_WEBMERCATOR/0/0/0.tiff')).contentType, 'image/tiff');
    await tiff.close();
  });

  it('removes a level by listing its prefix: only tiles older than the limit, a dry run reports', async () => {
    const c = cache({ basePath: 'levels' });
    await checkRemoveLevel(c, view, 'levels/');
    await c.close();
  });

  it('a missing container, a wrong account key: loads and stores fail with a message saying so, stores as CacheWriteError', async () => {
    const missing = cache({ containerName: 'no-such-container' });
    const wrong = cache({ connectionString: azurite.connectionString(WRONG_KEY) });
    try {
      await assert.rejects(missing.load([0, 0, 0]), /azureblob cache: cannot load azureblob:\/\/no-such-container\/c\/GLOBAL_WEBMERCATOR\/0\/0\/0\.png: container 'no-such-container' does not exist/);
      await assert.rejects(missing.store([0, 0, 0], fakePng(1)), (err: unknown) => err instanceof CacheWriteError && err.code === 'ENOENT' && /container 'no-such-container' does not exist/.test(err.message));
      await assert.rejects(wrong.load([0, 0, 0]), /cannot load .*: access denied \(AuthorizationFailure\): check the connection string's account key/);
      await assert.rejects(wrong.timestamp([0, 0, 0]), /cannot look up .*: access denied/);
      await assert.rejects(wrong.store([0, 0, 0], fakePng(1)), (err: unknown) => err instanceof CacheWriteError && err.code === 'EACCES');
      const denied = await wrong.load([0, 0, 0]).then(() => '', (e: Error) => e.message);
      assert.ok(denied.includes('access denied') && !denied.includes(WRONG_KEY.slice(0, 12)), `no key in messages: ${denied}`);
    } finally {
      await missing.close();
      await wrong.close();
    }
  });

  it('a slow server: every operation gives up at the timeout with a message saying so; a vanished one fails at once', async () => {
    const proxy = await startDelayingProxy(azurite.port, 3000);
    const slowEndpoint = `${proxy.url}/devstoreaccount1`;
    const slow = cache({ connectionString: azurite.connectionString().replace(azurite.blobEndpoint, slowEndpoint), timeout: 0.5 });
    try {
      await checkGivesUpInTime(slow, slowEndpoint);
    } finally {
      await slow.close();
      await proxy.close();
    }
    await checkServerAway(cache({ basePath: 'away' }), azurite, /http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1/);
  });
});

describe('azureblob cache in the app', () => {
  let s: NetworkCacheSetup;
  before(async () => {
    s = await networkCacheSetup(`{type: azureblob, container_name: app, connection_string: '${azurite.connectionString()}'}`);
  });
  after(async () => s.close());

  it('a missing container: the request fails with the service\'s error, the log says why', async () => {
    const bad = await networkCacheSetup(`{type: azureblob, container_name: missing, connection_string: '${azurite.connectionString()}'}`);
    try {
      const lines: string[] = [];
      const res = await get(await bad.app({ log: errorLines(lines) }), '/tms/1.0.0/l/EPSG3857/1/0/0.png');
      assert.equal(res.status, 500);
      assert.ok(lines.some((l) => /container 'missing' does not exist/.test(l)), lines.join('\n'));
    } finally {
      await bad.close();
    }
  });

  it('tiles are stored where MapProxy 7 puts them and served from there without asking the source', async () => {
    const app = await s.app({ log: errorLines([]) });
    const first = await get(app, '/tms/1.0.0/l/EPSG3857/3/0/0.png');
    assert.equal(first.status, 200);
    // MapProxy's TMS skips the global mercator grid's first level: TMS level 3 is level 4 (origin nw: row 15)
    assert.deepEqual(await appContainer.getBlobClient('c/GLOBAL_WEBMERCATOR/4/0/15.png').downloadToBuffer(), first.body);
    const requests = s.ours.requests.length;
    const again = await get(app, '/tms/1.0.0/l/EPSG3857/3/0/0.png');
    assert.deepEqual(again.body, first.body);
    assert.equal(s.ours.requests.length, requests, 'served from the container');
    assert.ok(again.headers['last-modified'], 'with the blob\'s time');
  });

  it('the server gone between load and store: the source\'s tile is served, the failed stores counted and logged', async () => {
    // TMS level 2 is the grid's level 3 (MapProxy's TMS skips the first level of global mercator)
    await checkGoneBeforeStore(s, azurite, (prefix) => namesIn(appContainer, prefix), {
      levelPrefix: 'c/GLOBAL_WEBMERCATOR/3/',
      logged: /cache c: azureblob cache: cannot store tile azureblob:\/\/app\/c\/GLOBAL_WEBMERCATOR\/3\/\d\/\d\.png: cannot reach/,
    });
  });

  it('seeds into the container, cleans up a level by listing it, a coverage tile by tile, and keeps fresh tiles', async () => {
    const seeded = await networkCacheSetup(`{type: azureblob, container_name: app, directory: seeded, connection_string: '${azurite.connectionString()}'}`);
    try {
      assert.deepEqual(await seeded.seedThenClean(), { created: 1 + 4 + 16, removed: [16, 2, 0] });
      assert.deepEqual(await namesIn(appContainer, 'seeded/'), ['seeded/0/0/0.png', 'seeded/1/1/0.png', 'seeded/1/1/1.png']);
    } finally {
      await seeded.close();
    }
  });
});
