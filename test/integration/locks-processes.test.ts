// Several server processes (each its own createApp, as the workers of the daemon or the seeder
// are) on one cache directory and one lock directory, in front of a counting, slow fake upstream.
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { tempDir, writeConfig } from '../support/configs.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { lockTestConfig, tileFiles } from '../support/lock-test-config.js';
import { waitUntil } from '../support/wait-until.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'support', 'lock-app-process.ts');

interface Proc { child: ChildProcess; url: string }

function startProcess(configFile: string): Promise<Proc> {
  const child = fork(SCRIPT, [configFile], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, url: `http://127.0.0.1:${m.port}` }));
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
  });
}

async function stopProcess(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  await exited;
}

const tile = (base: string, z: number, x: number, y: number) => `${base}/tms/1.0.0/l/GLOBAL_WEBMERCATOR/${z}/${x}/${y}.png`;

let upstream: FakeUpstream;
const dirs: string[] = [];
const procs: Proc[] = [];
before(async () => {
  upstream = await startFakeUpstream({ delayMs: 200 });
});
after(async () => {
  await Promise.all(procs.map(stopProcess));
  await upstream.stop();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

describe('meta tile locks across processes', () => {
  it('64 concurrent clients on 3 processes: exactly one upstream request per meta tile', async () => {
    const dir = tempDir('locks-procs-');
    dirs.push(dir);
    const config = writeConfig(dir, lockTestConfig(upstream.url, dir));
    const ps = await Promise.all([startProcess(config), startProcess(config), startProcess(config)]);
    procs.push(...ps);
    upstream.requests.length = 0;
    // level 3: 8×8 tiles; every tile of 8×2 tiles = 4 meta tiles of 2×2
    const urls: string[] = [];
    for (let x = 0; x < 8; x++) for (let y = 0; y < 2; y++) urls.push(tile('', 3, x, y));
    const responses = await Promise.all(
      Array.from({ length: 64 }, (_, i) => fetch(ps[i % ps.length].url + urls[(i * 7) % urls.length])),
    );
    assert.deepEqual(responses.map((r) => r.status), Array(64).fill(200));
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    const counts = upstream.countsByBBox();
    assert.equal(counts.size, 4, 'four meta tiles');
    assert.deepEqual([...counts.values()], [1, 1, 1, 1], 'one request each');
    await Promise.all(ps.map(stopProcess));
  });

  it('a process killed with SIGKILL while creating leaves the lock free and no broken tile', async () => {
    const dir = tempDir('locks-kill-');
    dirs.push(dir);
    const config = writeConfig(dir, lockTestConfig(upstream.url, dir));
    const [a, b] = await Promise.all([startProcess(config), startProcess(config)]);
    procs.push(a, b);
    upstream.requests.length = 0;
    upstream.hold();
    const first = fetch(tile(a.url, 2, 1, 1)).catch((err: Error) => err);
    await upstream.waitForRequests(1);
    // b asks for another tile of the same meta tile while a holds its lock: it waits, no request
    const waiting = fetch(tile(b.url, 2, 0, 0));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(upstream.requests.length, 1, 'the second process waits for the first');
    a.child.kill('SIGKILL');
    assert.ok((await first) instanceof Error, 'the killed process answers nothing');
    await upstream.waitForRequests(2);
    upstream.release();
    const res = await waiting;
    assert.equal(res.status, 200);
    await sharp(Buffer.from(await res.arrayBuffer())).raw().toBuffer();
    assert.equal(upstream.requests.length, 2, 'the tile was created by the next process');

    // the asked tile is stored before the answer, the rest of the meta tile right after
    await waitUntil(() => tileFiles(join(dir, 'cache')).filter((f) => f.endsWith('.png')).length >= 4, 'the meta tile\'s 4 tiles');
    const files = tileFiles(join(dir, 'cache'));
    assert.equal(files.filter((f) => f.endsWith('.png')).length, 4);
    for (const f of files) {
      const meta = await sharp(f).metadata();
      assert.equal(meta.width, 256, `${f} decodes`);
    }
    const again = await fetch(tile(b.url, 2, 1, 1));
    assert.equal(again.status, 200);
    assert.equal(upstream.requests.length, 2, 'served from the cache');
    await stopProcess(b);
  });
});
