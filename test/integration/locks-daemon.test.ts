// Issue 4 against the real daemon: 2 uWS workers in front of a counting, deliberately slow fake
// upstream. 64 concurrent clients on fresh connections (spread over both workers by the kernel)
// ask for every tile of several meta tiles; a worker SIGKILLed mid-creation leaves no damage.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { tempDir, writeConfig } from '../support/configs.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { lockTestConfig, tileFiles } from '../support/lock-test-config.js';
import { Daemon, freePort, metricSum, request } from './daemon-support.js';

let upstream: FakeUpstream;
const dirs: string[] = [];
const daemons: Daemon[] = [];
before(async () => {
  upstream = await startFakeUpstream({ delayMs: 300 });
});
after(async () => {
  daemons.forEach((d) => d.kill());
  await upstream.stop();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

async function startDaemon(): Promise<{ daemon: Daemon; port: number; dir: string }> {
  const dir = tempDir('locks-daemon-');
  dirs.push(dir);
  const config = writeConfig(dir, lockTestConfig(upstream.url, dir));
  const port = await freePort();
  const daemon = new Daemon(['serve', config, '--workers', '2', '--bind', `127.0.0.1:${port}`]);
  daemons.push(daemon);
  for (let i = 0; i < 2; i++) await daemon.waitFor(new RegExp(`worker ${i} \\(pid \\d+\\) ready`));
  return { daemon, port, dir };
}

const tile = (z: number, x: number, y: number) => `/tms/1.0.0/l/GLOBAL_WEBMERCATOR/${z}/${x}/${y}.png`;

describe('meta tile locks in the 2-worker daemon', () => {
  it('64 concurrent clients: exactly one upstream request per meta tile', async () => {
    const { daemon, port } = await startDaemon();
    upstream.requests.length = 0;
    // level 4 (16×16 tiles): 8×4 tiles = 8 meta tiles of 2×2
    const paths: string[] = [];
    for (let x = 4; x < 12; x++) for (let y = 6; y < 10; y++) paths.push(tile(4, x, y));
    const answers = await Promise.all(Array.from({ length: 64 }, (_, i) => request(port, paths[(i * 5) % paths.length])));
    assert.deepEqual(answers.map((a) => a.status), Array(64).fill(200));
    const counts = upstream.countsByBBox();
    assert.equal(counts.size, 8, 'eight meta tiles');
    assert.deepEqual([...counts.values()], Array(8).fill(1), 'one upstream request each');
    // Both workers took part.
    const metrics = (await request(port, '/metrics')).body.toString();
    for (const slot of ['0', '1']) {
      assert.ok(metricSum(metrics, 'mapproxy_worker_http_requests_total', `slot="${slot}"`) > 0, `worker ${slot} served`);
    }
    daemon.proc.kill('SIGTERM');
    assert.equal(await daemon.exited, 0);
  });

  it('a worker killed with SIGKILL while creating leaves no broken tile; the next request creates it', async () => {
    const { daemon, port, dir } = await startDaemon();
    upstream.requests.length = 0;
    upstream.hold();
    const first = request(port, tile(2, 1, 1)).catch((err: Error) => err);
    await upstream.waitForRequests(1);
    // Kill every worker: the one creating the meta tile among them. The master replaces them.
    const pids = [...daemon.workerPids().values()];
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    assert.ok((await first) instanceof Error, 'the request of the killed worker gets no answer');
    upstream.release();
    const from = daemon.output.length;
    for (let i = 0; i < 2; i++) await daemon.waitFor(new RegExp(`worker ${i} \\(pid \\d+\\) ready`), 30_000, from);

    const res = await request(port, tile(2, 1, 1));
    assert.equal(res.status, 200);
    await sharp(res.body).raw().toBuffer();
    assert.equal(upstream.requests.length, 2, 'the next request created the meta tile');
    for (const f of tileFiles(join(dir, 'cache'))) {
      const meta = await sharp(f).metadata();
      assert.equal(meta.width, 256, `${f} decodes`);
    }
    daemon.proc.kill('SIGTERM');
    await daemon.exited;
  });
});
