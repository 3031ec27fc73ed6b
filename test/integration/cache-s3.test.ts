// The s3 cache against a real S3 protocol server (s3rver): MapProxy's object keys and lock ids (asked of
// MapProxy 1.15's own S3Cache), its options and defaults, times from LastModified, meta tiles as parallel PUTs,
// use_http_get, a missing bucket, wrong credentials, a slow S3 and an S3 that goes away, seeding and cleanup,
// and MapProxy 1.15 serving our tiles and we serving its tiles from the same bucket.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CacheWriteError } from '../../src/core/cache/cache-write-error.js';
import { objectKey } from '../../src/core/cache/object-key.js';
import type { DirectoryLayout } from '../../src/core/cache/paths.js';
import { S3Cache, type S3CacheOptions } from '../../src/core/cache/s3-cache.js';
import { loadConfig } from '../../src/core/config/load-config.js';
import type { TileCoord } from '../../src/core/geo/grid.js';
import { tempDir, writeConfig } from '../support/configs.js';
import { startDelayingProxy } from '../support/delaying-proxy.js';
import { PYTHON, startReferenceMapProxy } from '../support/mapproxy-reference.js';
import { checkGivesUpInTime, checkGoneBeforeStore, checkRemoveLevel, checkServerAway, checkStoreLoadRemove, assertRefused, errorLines, fakePng, type StoreView } from '../support/object-store-checks.js';
import { networkCacheSetup, type NetworkCacheSetup } from '../support/network-cache-setup.js';
import { get } from '../support/our-app.js';
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from '../support/s3-server.js';

// Credentials and region as an operator gives them to boto3 and the AWS SDK alike: shared files named by the
// environment (inherited by MapProxy 1.15), a `wrong` profile with a key s3rver does not know.
const awsDir = tempDir('aws-');
writeFileSync(join(awsDir, 'credentials'), `[default]\naws_access_key_id = ${S3RVER_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${S3RVER_CREDENTIALS.secretAccessKey}\n[wrong]\naws_access_key_id = NOTAKEY\naws_secret_access_key = NOTASECRET\n`);
writeFileSync(join(awsDir, 'config'), '[default]\nregion = us-east-1\n[profile wrong]\nregion = us-east-1\n');
for (const v of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION']) delete process.env[v];
process.env.AWS_SHARED_CREDENTIALS_FILE = join(awsDir, 'credentials');
process.env.AWS_CONFIG_FILE = join(awsDir, 'config');
process.env.AWS_EC2_METADATA_DISABLED = 'true';

let s3: S3Server;
let inspect: S3Client;
before(async () => {
  s3 = await startS3Server({ buckets: ['tiles', 'app', 'sbs'] });
  inspect = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
});
after(async () => {
  inspect.destroy();
  await s3.remove();
  rmSync(awsDir, { recursive: true, force: true });
});

const cache = (o: Partial<S3CacheOptions> = {}) => new S3Cache({
  bucketName: 'tiles', basePath: 'c/GLOBAL_WEBMERCATOR', layout: 'tms', ext: 'png', concurrency: 4,
  endpointUrl: s3.endpoint, regionName: 'us-east-1', timeout: 2, ...o,
});
const keysIn = async (bucket: string, prefix: string) =>
  ((await inspect.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();
const view: StoreView = {
  list: (prefix) => keysIn('tiles', prefix),
  async head(key) {
    const head = await inspect.send(new HeadObjectCommand({ Bucket: 'tiles', Key: key }));
    return { lastModified: head.LastModified!.getTime() / 1000, contentType: head.ContentType };
  },
  name: (key) => `s3://tiles/${key}`,
};

describe('s3 cache', () => {
  it('object keys and lock ids are those of MapProxy 1.15\'s S3Cache, for every layout and odd directories', () => {
    const layouts: DirectoryLayout[] = ['tms', 'tc', 'mp', 'reverse_tms', 'quadkey', 'arcgis'];
    const bases = ['c/GLOBAL_WEBMERCATOR', '/abs/tiles', '', 'a//b/', 'x/./y'];
    const coords: TileCoord[] = [[0, 0, 0], [3, 4, 2], [12, 5, 4], [1234567, 7654321, 23]];
    const script = `
import json, sys
from mapproxy.cache import path
from mapproxy.cache.s3 import S3Cache
from mapproxy.cache.tile import Tile
args = json.loads(sys.argv[1])
out = []
for base in args['bases']:
    c = S3Cache(base, 'png', bucket_name='tiles', endpoint_url=args['endpoint'], region_name='us-east-1')
    for layout in args['layouts']:
        # what S3Cache.__init__ sets for directory_layout, without a client (and a HEAD of the bucket) per layout
        c._tile_location, _ = path.location_funcs(layout=layout)
        out.append({'lock': c.lock_cache_id, 'keys': [c.tile_key(Tile(tuple(t))) for t in args['coords']]})
print(json.dumps(out))
`;
    const theirs = JSON.parse(execFileSync(PYTHON, ['-c', script, JSON.stringify({ layouts, bases, coords, endpoint: s3.endpoint })], { cwd: awsDir }).toString()) as { lock: string; keys: string[] }[];
    let i = 0;
    for (const basePath of bases) {
      for (const layout of layouts) {
        const expected = theirs[i++]!;
        assert.deepEqual(coords.map((c) => objectKey(layout, basePath, c, 'png')), expected.keys, `${layout} below '${basePath}'`);
        assert.equal(cache({ layout, basePath }).lockId, expected.lock, `lock id of ${layout} below '${basePath}'`);
      }
    }
  });

  it('reads MapProxy 7\'s options: defaults, globals.cache.s3, include_grid_name; a missing bucket is a configuration error', () => {
    const dir = tempDir('s3-conf-');
    try {
      const file = writeConfig(dir, `
globals:
  cache:
    s3: {bucket_name: global-bucket, region_name: eu-west-1, use_http_get: true, endpoint_url: 'http://s3.example:9000'}
services: {tms: }
layers: [{name: l, title: l, sources: [a]}]
caches:
  a: {grids: [GLOBAL_WEBMERCATOR, GLOBAL_GEODETIC], sources: [], cache: {type: s3, bucket_name: b}}
  b:
    grids: [GLOBAL_WEBMERCATOR, GLOBAL_GEODETIC]
    sources: []
    cache: {type: s3, bucket_name: b, directory: /tiles/b, include_grid_name: true, directory_layout: tc, region_name: eu-central-1,
            endpoint_url: 'http://minio:9000', profile_name: tiles, access_control_list: public-read, use_http_get: false, timeout: 2.5}
  c: {grids: [GLOBAL_WEBMERCATOR], sources: [], cache: {type: s3, directory: '', region: eu-north-1}}
`);
      const loaded = loadConfig(file);
      const opts = (name: string) => (loaded.config.caches[name]!.backend as { options: unknown }).options;
      assert.deepEqual(opts('a'), {
        bucketName: 'b', directoryLayout: 'tms', basePaths: { GLOBAL_WEBMERCATOR: 'a/GLOBAL_WEBMERCATOR', GLOBAL_GEODETIC: 'a/GLOBAL_GEODETIC' },
        useHttpGet: true, timeout: 10, regionName: 'eu-west-1', endpointUrl: 'http://s3.example:9000',
      });
      assert.deepEqual(opts('b'), {
        bucketName: 'b', directoryLayout: 'tc', basePaths: { GLOBAL_WEBMERCATOR: '/tiles/b/GLOBAL_WEBMERCATOR', GLOBAL_GEODETIC: '/tiles/b/GLOBAL_GEODETIC' },
        useHttpGet: false, timeout: 2.5, profileName: 'tiles', regionName: 'eu-central-1', endpointUrl: 'http://minio:9000', accessControlList: 'public-read',
      });
      // an empty directory is used as it is (MapProxy's `is None` check): tiles right at the bucket's root
      assert.deepEqual((opts('c') as { basePaths: unknown }).basePaths, { GLOBAL_WEBMERCATOR: '' });
      assert.equal((opts('c') as { bucketName: string }).bucketName, 'global-bucket');
      assert.ok(loaded.warnings.some((w) => /caches\.c\.cache\.region: .*region_name/.test(w)), loaded.warnings.join('\n'));

      assertRefused(dir, '{type: s3}', /caches\.a\.cache\.bucket_name.*no bucket_name configured for s3 cache a/);
      assertRefused(dir, '{type: s3, bucket_name: b, access_control_list: public}', /access_control_list.*public-read/);
      assertRefused(dir, '{type: s3, bucket_name: b, directory_layout: flat}', /directory_layout.*expected one of/);
      assertRefused(dir, '{type: s3, bucket_name: b, timeout: 0}', /timeout.*positive/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stores a meta tile as parallel PUTs, loads it with times from LastModified, removes tiles', async () => {
    await checkStoreLoadRemove(cache({ basePath: 'store/GLOBAL_WEBMERCATOR' }), view, 'store/GLOBAL_WEBMERCATOR/');
  });

  it('removes a level by listing its prefix: only tiles older than the limit, a dry run reports, other layouts walk', async () => {
    const c = cache({ basePath: 'levels' });
    await checkRemoveLevel(c, view, 'levels/');
    await c.close();
    const jpeg = cache({ basePath: 'levels', ext: 'jpeg' });
    await jpeg.store([0, 0, 1], fakePng(9));
    assert.equal(await cache({ basePath: 'levels' }).removeLevel(1, 0), 0, 'not a tile of this cache');
    assert.equal(await jpeg.removeLevel(1, 0), 1);
    await jpeg.close();
    assert.equal(await cache({ basePath: 'levels', layout: 'quadkey' }).removeLevel(1, 0), null);
    assert.equal(await cache({ basePath: 'levels', layout: 'reverse_tms' }).removeLevel(1, 0), null);
  });

  it('content types as MapProxy sets them: image/png and image/jpeg, none for other formats', async () => {
    const jpeg = cache({ basePath: 'ct', ext: 'jpeg' });
    const tiff = cache({ basePath: 'ct', ext: 'tiff' });
    await jpeg.store([0, 0, 0], fakePng(1));
    await tiff.store([0, 0, 0], fakePng(2));
    const type = async (key: string) => (await inspect.send(new HeadObjectCommand({ Bucket: 'tiles', Key: key }))).ContentType;
    assert.equal(await type('ct/0/0/0.jpeg'), 'image/jpeg');
    assert.notEqual(await type('ct/0/0/0.tiff'), 'image/tiff');
    await jpeg.close();
    await tiff.close();
  });

  it('access_control_list goes with every PUT as S3\'s canned ACL header', async () => {
    const tap = await startDelayingProxy(s3.port, 0);
    const c = cache({ endpointUrl: tap.url, basePath: 'acl', accessControlList: 'public-read' });
    try {
      await c.storeMany([{ coord: [0, 0, 1], data: fakePng(1) }, { coord: [1, 0, 1], data: fakePng(2) }]);
      const puts = tap.sent().split(/(?=PUT \/)/).filter((r) => r.startsWith('PUT /tiles/acl/1/'));
      assert.equal(puts.length, 2, tap.sent());
      for (const put of puts) {
        assert.match(put, /\r\nx-amz-acl: public-read\r\n/i);
        assert.match(put, /\r\ncontent-type: image\/png\r\n/i);
      }
    } finally {
      await c.close();
      await tap.close();
    }
  });

  it('use_http_get reads tiles anonymously by plain HTTP GET; a missing tile (403 or 404) is a miss', async () => {
    // the wrong profile cannot sign a request s3rver accepts: the tiles it loads came by anonymous GET
    const writer = cache({ basePath: 'public' });
    const reader = cache({ basePath: 'public', useHttpGet: true, profileName: 'wrong' });
    try {
      await writer.store([1, 2, 3], fakePng(42));
      const stored = await writer.load([1, 2, 3]);
      assert.deepEqual(await reader.load([1, 2, 3]), stored);
      assert.equal(await reader.timestamp([1, 2, 3]), stored!.timestamp);
      assert.equal(await reader.load([2, 2, 3]), null);
      assert.equal(await reader.isCached([2, 2, 3]), false);
      await assert.rejects(reader.store([2, 2, 3], fakePng(1)), /access denied \(InvalidAccessKeyId\)/);
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  it('a missing bucket, wrong credentials: loads and stores fail with a message saying so, stores as CacheWriteError', async () => {
    const missing = cache({ bucketName: 'no-such-bucket' });
    const wrong = cache({ profileName: 'wrong' });
    try {
      await assert.rejects(missing.load([0, 0, 0]), /s3 cache: cannot load s3:\/\/no-such-bucket\/c\/GLOBAL_WEBMERCATOR\/0\/0\/0\.png: bucket 'no-such-bucket' does not exist/);
      await assert.rejects(missing.store([0, 0, 0], fakePng(1)), (err: unknown) => err instanceof CacheWriteError && err.code === 'ENOENT' && /bucket 'no-such-bucket' does not exist/.test(err.message));
      // a HEAD answer has no body to tell a missing bucket from a missing tile
      assert.equal(await missing.isCached([0, 0, 0]), false);
      await assert.rejects(wrong.load([0, 0, 0]), /cannot load .*: access denied \(InvalidAccessKeyId\): check the credentials/);
      await assert.rejects(wrong.timestamp([0, 0, 0]), /cannot look up .*: access denied/);
      await assert.rejects(wrong.store([0, 0, 0], fakePng(1)), (err: unknown) => err instanceof CacheWriteError && err.code === 'EACCES');
    } finally {
      await missing.close();
      await wrong.close();
    }
  });

  it('a slow S3: every operation gives up at the timeout with a message saying so, none hangs', async () => {
    const proxy = await startDelayingProxy(s3.port, 3000);
    const slow = cache({ endpointUrl: proxy.url, timeout: 0.5 });
    try {
      await checkGivesUpInTime(slow, proxy.url);
    } finally {
      await slow.close();
      await proxy.close();
    }
  });

  it('an S3 that goes away: operations fail at once with the reason; once it is back, the same store works again', async () => {
    await checkServerAway(cache({ basePath: 'away' }), s3, /http:\/\/127\.0\.0\.1:\d+/);
  });
});

describe('s3 cache in the app', () => {
  let s: NetworkCacheSetup;
  before(async () => {
    s = await networkCacheSetup(`{type: s3, bucket_name: app, endpoint_url: '${s3.endpoint}', region_name: us-east-1}`);
  });
  after(async () => s.close());

  it('a missing bucket or wrong credentials: the request fails with the service\'s error, the log says why', async () => {
    for (const [yaml, reason] of [
      [`{type: s3, bucket_name: missing, endpoint_url: '${s3.endpoint}'}`, /bucket 'missing' does not exist/],
      [`{type: s3, bucket_name: app, endpoint_url: '${s3.endpoint}', profile_name: wrong}`, /access denied \(InvalidAccessKeyId\)/],
    ] as const) {
      const bad = await networkCacheSetup(yaml);
      try {
        const lines: string[] = [];
        const res = await get(await bad.app({ log: errorLines(lines) }), '/tms/1.0.0/l/EPSG3857/1/0/0.png');
        assert.equal(res.status, 500);
        assert.ok(lines.some((l) => reason.test(l)), lines.join('\n'));
        assert.equal(bad.ours.requests.length, 0, 'no tile is created for a cache that cannot be read');
      } finally {
        await bad.close();
      }
    }
  });

  it('S3 gone between load and store: the source\'s tile is served, the failed stores counted and logged', async () => {
    // TMS level 2 is the grid's level 3 (MapProxy's TMS skips the first level of global mercator)
    await checkGoneBeforeStore(s, s3, (prefix) => keysIn('app', prefix), {
      levelPrefix: 'c/GLOBAL_WEBMERCATOR/3/',
      logged: /cache c: s3 cache: cannot store tile s3:\/\/app\/c\/GLOBAL_WEBMERCATOR\/3\/\d\/\d\.png: cannot reach/,
    });
  });

  it('a slow S3 in the app: the request fails within the timeout, it does not hang', async () => {
    const proxy = await startDelayingProxy(s3.port, 5000);
    const slow = await networkCacheSetup(`{type: s3, bucket_name: app, endpoint_url: '${proxy.url}', timeout: 1}`);
    try {
      const lines: string[] = [];
      const t0 = Date.now();
      const res = await get(await slow.app({ log: errorLines(lines) }), '/tms/1.0.0/l/EPSG3857/1/0/0.png');
      assert.equal(res.status, 500);
      assert.ok(Date.now() - t0 < 3000, `answered in ${Date.now() - t0} ms`);
      assert.ok(lines.some((l) => /no answer from .* within 1 s/.test(l)), lines.join('\n'));
    } finally {
      await slow.close();
      await proxy.close();
    }
  });

  it('seeds into S3, cleans up a level by listing it, a coverage tile by tile, and keeps fresh tiles', async () => {
    const seeded = await networkCacheSetup(`{type: s3, bucket_name: app, directory: seeded, endpoint_url: '${s3.endpoint}'}`);
    try {
      const result = await seeded.seedThenClean();
      assert.deepEqual(result, { created: 1 + 4 + 16, removed: [16, 2, 0] });
      assert.deepEqual(await keysIn('app', 'seeded/'), ['seeded/0/0/0.png', 'seeded/1/1/0.png', 'seeded/1/1/1.png']);
    } finally {
      await seeded.close();
    }
  });

  it('side by side with MapProxy 1.15: each serves the other\'s tiles byte for byte, without asking its source', async () => {
    const sbs = await networkCacheSetup(`{type: s3, bucket_name: sbs, endpoint_url: '${s3.endpoint}', region_name: us-east-1}`);
    const ref = await startReferenceMapProxy(sbs.theirConfig);
    try {
      const app = await sbs.app({ log: errorLines([]) });
      // MapProxy writes level 3's first meta tile (red, from its upstream); we serve it
      const theirs = await fetch(`${ref.url}/tms/1.0.0/l/EPSG3857/3/0/0.png`);
      assert.equal(theirs.status, 200, ref.log());
      const theirTile = Buffer.from(await theirs.arrayBuffer());
      // MapProxy's TMS skips the global mercator grid's first level: TMS level 3 is level 4, whose last row
      // (origin nw) is TMS row 0
      const object = await inspect.send(new GetObjectCommand({ Bucket: 'sbs', Key: 'c/GLOBAL_WEBMERCATOR/4/0/15.png' }));
      assert.deepEqual(Buffer.from(await object.Body!.transformToByteArray()), theirTile, 'MapProxy stored the tile it served under its key');
      assert.equal(object.ContentType, 'image/png');
      const ourRequests = sbs.ours.requests.length;
      const ours = await get(app, '/tms/1.0.0/l/EPSG3857/3/0/0.png');
      assert.equal(ours.status, 200);
      assert.deepEqual(ours.body, theirTile);
      // MapProxy answers a tile it read from S3 with the object's time, as we do
      const again = await fetch(`${ref.url}/tms/1.0.0/l/EPSG3857/3/0/0.png`);
      await again.arrayBuffer();
      assert.equal(ours.headers['last-modified'], again.headers.get('last-modified'));
      assert.equal(sbs.ours.requests.length, ourRequests, 'no request to our source');

      // we write level 3's last meta tile (blue); MapProxy serves ours
      const ourTile = await get(app, '/tms/1.0.0/l/EPSG3857/3/7/7.png');
      assert.equal(ourTile.status, 200);
      assert.ok(sbs.ours.requests.length > ourRequests);
      const theirRequests = sbs.theirs.requests.length;
      const served = await fetch(`${ref.url}/tms/1.0.0/l/EPSG3857/3/7/7.png`);
      assert.equal(served.status, 200);
      assert.deepEqual(Buffer.from(await served.arrayBuffer()), ourTile.body);
      assert.equal(sbs.theirs.requests.length, theirRequests, 'no request to MapProxy\'s source');
    } finally {
      await ref.stop();
      await sbs.close();
    }
  });
});
