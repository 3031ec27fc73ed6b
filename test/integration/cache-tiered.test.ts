// The tiered cache with a file tier in front of a real S3 tier (s3rver): two daemons with their own disks share
// one bucket, seeding and cleanup reach both tiers, and an S3 that goes away leaves the daemon serving.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { cacheBackend } from '../../src/core/cache/registry.js';
import { loadConfig } from '../../src/core/config/load-config.js';
import { tileGrid } from '../../src/core/geo/grid.js';
import { NO_METRICS } from '../../src/core/metrics.js';
import { tempDir, writeConfig } from '../support/configs.js';
import { networkCacheConfig, networkCacheSetup, type NetworkCacheSetup } from '../support/network-cache-setup.js';
import { createApp, get } from '../support/our-app.js';
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from '../support/s3-server.js';
import { waitUntil, waitUntilEqual } from '../support/wait-until.js';

// s3rver's credentials through the environment, as for boto3 and the AWS SDK alike
const awsDir = tempDir('aws-');
writeFileSync(join(awsDir, 'credentials'), `[default]\naws_access_key_id = ${S3RVER_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${S3RVER_CREDENTIALS.secretAccessKey}\n`);
for (const v of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION']) delete process.env[v];
process.env.AWS_SHARED_CREDENTIALS_FILE = join(awsDir, 'credentials');
process.env.AWS_EC2_METADATA_DISABLED = 'true';

let s3: S3Server;
let inspect: S3Client;
before(async () => {
  s3 = await startS3Server({ buckets: ['shared', 'seeded'] });
  inspect = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
});
after(async () => {
  inspect.destroy();
  await s3.remove();
  rmSync(awsDir, { recursive: true, force: true });
});

const keysIn = async (bucket: string) =>
  ((await inspect.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).sort();

function filesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** A file tier of its own in front of the shared bucket. */
const tieredYaml = (fileDir: string, bucket: string) =>
  `{type: tiered, tiers: [{type: file, directory: '${fileDir}', directory_layout: tms}, {type: s3, bucket_name: ${bucket}, directory: c, directory_layout: tms, endpoint_url: '${s3.endpoint}', region_name: us-east-1}]}`;

describe('a file tier in front of an S3 tier', () => {
  let s: NetworkCacheSetup;
  let disk: string;
  before(async () => {
    disk = tempDir('tiered-disk-');
    s = await networkCacheSetup(tieredYaml(join(disk, 'one'), 'shared'));
  });
  after(async () => {
    await s.close();
    rmSync(disk, { recursive: true, force: true });
  });

  it('a second daemon with an empty disk serves the first daemon\'s tiles from S3 and keeps them on its disk', async () => {
    const one = await s.app();
    const tile = await get(one, '/tms/1.0.0/l/EPSG3857/1/0/0.png');
    assert.equal(tile.status, 200);
    assert.equal(s.ours.requests.length, 1, 'one meta tile');
    // level 1 of the TMS is the grid's level 2; the meta tile of 2x2 holds four tiles, in both tiers (the asked
    // one stored before the answer, the others right after)
    const four = ['2/0/2.png', '2/0/3.png', '2/1/2.png', '2/1/3.png'];
    assert.deepEqual(await waitUntilEqual(() => filesIn(join(disk, 'one')), () => four, 'the meta tile on disk'), four);
    const keys = four.map((f) => `c/${f}`);
    assert.deepEqual(await waitUntilEqual(() => keysIn('shared'), () => keys, 'the meta tile in S3'), keys);

    const twoConfig = writeConfig(join(disk, 'daemon-two'), networkCacheConfig(join(disk, 'daemon-two'), s.ours.url, tieredYaml(join(disk, 'two'), 'shared')));
    const two = await createApp(twoConfig, { metrics: NO_METRICS });
    try {
      const again = await get(two, '/tms/1.0.0/l/EPSG3857/1/0/0.png');
      assert.ok(again.body.equals(tile.body));
      assert.equal(s.ours.requests.length, 1, 'no upstream request: the tile came from S3');
      for (let i = 0; i < 100 && filesIn(join(disk, 'two')).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(filesIn(join(disk, 'two')), ['2/0/3.png'], 'copied to the second daemon\'s disk');
    } finally {
      await two.runtime.close();
    }
  });

  it('daemons sharing the bucket share their tile locks\' identity: the lock id is the S3 tier\'s', () => {
    const target = { cacheName: 'c', gridKey: 'GLOBAL_WEBMERCATOR', grid: tileGrid({ srs: 'EPSG:3857', origin: 'nw', name: 'GLOBAL_WEBMERCATOR' }), fileExt: 'png', mimeType: 'image/png' };
    const lockIds = [join(disk, 'one'), join(disk, 'two')].map((fileDir) => {
      const file = writeConfig(tempDir('tiered-lock-'), networkCacheConfig(disk, s.ours.url, tieredYaml(fileDir, 'shared')));
      const backend = loadConfig(file).config.caches['c']!.backend as { type: string; options: { tiers: { type: string; options: unknown }[] } };
      const tiered = cacheBackend(backend.type)!.open(backend.options, target);
      const s3Tier = cacheBackend('s3')!.open(backend.options.tiers[1]!.options, target);
      assert.equal(tiered.lockId, s3Tier.lockId);
      return tiered.lockId;
    });
    assert.equal(lockIds[0], lockIds[1]);
  });

  it('S3 gone: tiles on the disk are served, new tiles are created, kept on the disk, and the failed S3 writes counted', async () => {
    const writeErrors: string[] = [];
    const app = await s.app({ metrics: { ...NO_METRICS, cacheWriteError: (cache, code) => void writeErrors.push(`${cache}:${code}`) }, log: { warn: () => {}, error: () => {} } });
    await s3.stop();
    try {
      const before = s.ours.requests.length;
      assert.equal((await get(app, '/tms/1.0.0/l/EPSG3857/1/0/0.png')).status, 200, 'from the disk');
      assert.equal(s.ours.requests.length, before);
      const fresh = await get(app, '/tms/1.0.0/l/EPSG3857/1/2/2.png');
      assert.equal(fresh.status, 200);
      assert.equal(s.ours.requests.length, before + 1);
      // the asked tile is stored (or its store fails) before the answer, the rest of the meta tile right after
      const meta = ['2/2/0.png', '2/2/1.png', '2/3/0.png', '2/3/1.png'];
      await waitUntil(() => writeErrors.length >= 4 && meta.every((f) => filesIn(join(disk, 'one')).includes(f)), 'the meta tile\'s 4 stores');
      const kept = filesIn(join(disk, 'one'));
      for (const f of meta) assert.ok(kept.includes(f), `${f} in ${kept.join(' ')}`);
      assert.ok(writeErrors.length === 4 && writeErrors.every((e) => e === 'c:ECONNREFUSED'), writeErrors.join(', '));
    } finally {
      await s3.start();
    }
  });
});

describe('seeding and cleaning a tiered cache', () => {
  it('seeds into both tiers; cleanups remove from both', async () => {
    const disk = tempDir('tiered-seed-');
    const s = await networkCacheSetup(tieredYaml(join(disk, 'files'), 'seeded'));
    try {
      assert.deepEqual(await s.seedThenClean(), { created: 21, removed: [16, 2, 0] });
      assert.deepEqual(filesIn(join(disk, 'files')), ['0/0/0.png', '1/1/0.png', '1/1/1.png']);
      assert.deepEqual(await keysIn('seeded'), ['c/0/0/0.png', 'c/1/1/0.png', 'c/1/1/1.png']);
    } finally {
      await s.close();
      rmSync(disk, { recursive: true, force: true });
    }
  });
});
