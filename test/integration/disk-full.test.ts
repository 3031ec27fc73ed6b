// A cache directory on a small tmpfs that fills up or turns read-only (the tests run as root): tiles are still
// served from the debug source, each failed write is counted and logged, nothing half-written stays in the cache,
// and caching resumes once there is space again. Seeding on the full disk stops at once with a clear message.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type App } from '../../src/core/app.js';
import { EXIT, runSeedCommand } from '../../src/cli/seed-command.js';
import { WorkerMetrics } from '../../src/worker/metrics.js';
import { get } from '../support/our-app.js';
import { filesWithSizes, Tmpfs } from '../support/tmpfs.js';
import { metricSum } from './daemon-support.js';

const config = (baseDir: string) => `
globals:
  cache: {base_dir: ${baseDir}}
services:
  tms:
layers:
  - {name: dbg, title: Debug, sources: [dbg_cache]}
caches:
  dbg_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [dbg]
    cache: {type: file, directory: ${baseDir}/tiles, directory_layout: tms}
sources:
  dbg: {type: debug}
`;

const tileUrl = (z: number, x: number, y: number) => `/tms/1.0.0/dbg/EPSG3857/${z}/${x}/${y}.png`;
const tilePng = /^\d+\/\d+\/\d+\.png$/;

describe('a cache on a full or read-only disk', () => {
  let disk: Tmpfs;
  let app: App;
  let reference: App;
  let refDir: string;
  const metrics = new WorkerMetrics(1, { defaultMetrics: false });

  before(async () => {
    disk = Tmpfs.mount(1024);
    refDir = fs.mkdtempSync(join(tmpdir(), 'disk-full-ref-'));
    for (const dir of [disk.dir, refDir]) fs.writeFileSync(join(dir, 'mapproxy.yaml'), config(dir));
    // the configuration file lives on the tmpfs too; loading it is done before the disk fills
    app = await createApp(join(disk.dir, 'mapproxy.yaml'), { metrics });
    reference = await createApp(join(refDir, 'mapproxy.yaml'));
  });

  after(async () => {
    await app?.runtime.close();
    await reference?.runtime.close();
    disk?.unmount();
    fs.rmSync(refDir, { recursive: true, force: true });
  });

  const writeErrors = async (code: string) =>
    metricSum(await metrics.registry.metrics(), 'mapproxy_cache_write_errors_total', `code="${code}"`);

  /** Requests a tile from the app under test and checks it is the debug source's tile, byte for byte. */
  async function servedTile(z: number, x: number, y: number): Promise<Buffer> {
    const res = await get(app, tileUrl(z, x, y));
    assert.equal(res.status, 200, `tile ${z}/${x}/${y}: ${res.body}`);
    assert.equal(res.headers['Content-Type'] ?? res.headers['content-type'], 'image/png');
    const ref = await get(reference, tileUrl(z, x, y));
    assert.equal(ref.status, 200);
    assert.ok(res.body.equals(ref.body), `tile ${z}/${x}/${y} is the debug source's tile`);
    return res.body;
  }

  /** The tile files in the cache (the lock directory aside). */
  const tileFiles = () => filesWithSizes(join(disk.dir, 'tiles')).filter((f) => !f.path.startsWith('tile_locks/'));

  /** Whether the cache holds a file with exactly these bytes (every debug tile differs: it shows its coordinates). */
  const isCached = (body: Buffer) => tileFiles().some((f) => fs.readFileSync(join(disk.dir, 'tiles', f.path)).equals(body));

  /** No zero-length tile, no left-over temporary file, every tile file a whole PNG. */
  function assertNothingHalfWritten(): void {
    for (const f of tileFiles()) {
      assert.match(f.path, tilePng, `unexpected file ${f.path}`);
      assert.ok(f.size > 0, `zero-length tile ${f.path}`);
      const data = fs.readFileSync(join(disk.dir, 'tiles', f.path));
      assert.ok(data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${f.path} is a PNG`);
      assert.ok(data.subarray(-8, -4).equals(Buffer.from('IEND')), `${f.path} ends with IEND (not truncated)`);
    }
  }

  function captureErrors(t: TestContext): string[] {
    const lines: string[] = [];
    t.mock.method(console, 'error', (...args: unknown[]) => lines.push(args.map(String).join(' ')));
    t.mock.method(console, 'warn', (...args: unknown[]) => lines.push(args.map(String).join(' ')));
    return lines;
  }

  test('tiles are cached while there is space', async () => {
    const body = await servedTile(1, 0, 0);
    assert.ok(isCached(body));
    assert.equal(tileFiles().length, 1);
    assert.equal(await writeErrors('ENOSPC'), 0);
  });

  test('a full disk: tiles come from the source, each failed write is counted, the log says why once', async (t) => {
    const log = captureErrors(t);
    disk.fill();
    const coords = [[3, 0, 0], [3, 1, 1], [3, 4, 4], [4, 2, 3], [4, 3, 3]] as const;
    for (const [z, x, y] of coords) assert.equal(isCached(await servedTile(z, x, y)), false, `${z}/${x}/${y} is not cached`);
    // and asked again, they are created again (nothing of them was kept), each failure counted
    for (const [z, x, y] of coords.slice(0, 2)) await servedTile(z, x, y);
    assert.equal(await writeErrors('ENOSPC'), coords.length + 2);
    const spaceLines = log.filter((l) => /no space left on device \(ENOSPC\)/.test(l));
    assert.equal(spaceLines.length, 1, `one log line per interval, not one per tile:\n${log.join('\n')}`);
    assert.match(spaceLines[0], /^cache dbg_cache: cannot store tile .*: no space left on device \(ENOSPC\); serving tiles from the source without caching them$/);
    assertNothingHalfWritten();
    // the tile cached before the disk filled is still served from the cache
    assert.ok(isCached((await get(app, tileUrl(1, 0, 0))).body));
    assert.equal(tileFiles().length, 1);
  });

  test('space freed: caching resumes, and the log says so', async (t) => {
    const log = captureErrors(t);
    disk.free();
    const before = await writeErrors('ENOSPC');
    const body = await servedTile(3, 0, 0);
    assert.ok(isCached(body), 'the tile is cached now');
    assert.equal(await writeErrors('ENOSPC'), before);
    assert.ok(log.some((l) => /cache dbg_cache: tiles are stored again, after \d+ failed write\(s\)/.test(l)), log.join('\n'));
    assertNothingHalfWritten();
  });

  test('a read-only disk: tiles come from the source without the lock file, counted as EROFS; writable again: cached', async (t) => {
    const log = captureErrors(t);
    disk.readOnly();
    try {
      assert.equal(isCached(await servedTile(5, 7, 9)), false);
      assert.equal(isCached(await servedTile(5, 20, 21)), false);
    } finally {
      disk.readWrite();
    }
    // per tile: its lock file and the tile itself
    assert.equal(await writeErrors('EROFS'), 2 * 2);
    assert.ok(log.some((l) => /cannot create lock file .*read-only file system \(EROFS\); creating the tile without the cross-process lock/.test(l)), log.join('\n'));
    assertNothingHalfWritten();
    assert.ok(isCached(await servedTile(5, 7, 9)));
  });

  test('seeding on a full disk stops at once with exit code 4 and says why', async () => {
    fs.writeFileSync(join(refDir, 'seed.yaml'), 'seeds:\n  all: {caches: [dbg_cache], levels: {to: 6}}\n');
    disk.fill();
    let out = '';
    let err = '';
    const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
    const started = Date.now();
    const code = await runSeedCommand(
      {
        proxyConf: join(disk.dir, 'mapproxy.yaml'),
        seedConf: join(refDir, 'seed.yaml'),
        concurrency: 2,
        progressFile: join(refDir, 'progress.json'),
        quiet: 1,
        retryDelay: 1,
      },
      { out: sink((s) => (out += s)), err: sink((s) => (err += s)) },
    );
    const tookMs = Date.now() - started;
    disk.free();
    assert.equal(code, EXIT.storageStop, `${out}\n${err}`);
    assert.match(err, /Seeding stopped: tiles of all\/dbg_cache\/GLOBAL_WEBMERCATOR cannot be stored: cannot store tile .*no space left on device \(ENOSPC\)/);
    assert.match(err, /Free space on \(or make writable\) the cache's disk and run again with --continue/);
    assert.doesNotMatch(err, /retry \d+ of/, 'no retries');
    assert.ok(tookMs < 30_000, `stopped in ${tookMs} ms`);
    assertNothingHalfWritten();
  });
});
