// MapProxy 1.15 and mapproxy-ts serving one cache with one shared tile lock directory, as during a
// migration: concurrent requests at both for the same meta tiles reach the upstream once each.
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { tempDir, writeConfig } from '../support/configs.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startReferenceMapProxy, type ReferenceMapProxy } from '../support/mapproxy-reference.js';
import { lockTestConfig, tileFiles } from '../support/lock-test-config.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'support', 'lock-app-process.ts');

let upstream: FakeUpstream | undefined;
let reference: ReferenceMapProxy | undefined;
let ours: ChildProcess | undefined;
const dirs: string[] = [];
after(async () => {
  if (ours && ours.exitCode === null) {
    const exited = new Promise((r) => ours!.once('exit', r));
    ours.kill('SIGTERM');
    await exited;
  }
  await reference?.stop();
  await upstream?.stop();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

describe('tile locks shared with MapProxy 1.15', () => {
  it('no duplicate upstream requests when both serve the same cache', async () => {
    upstream = await startFakeUpstream({ delayMs: 300 });
    const dir = tempDir('locks-mapproxy-');
    dirs.push(dir);
    const config = writeConfig(dir, lockTestConfig(upstream.url, dir));
    reference = await startReferenceMapProxy(config);
    ours = fork(SCRIPT, [config], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const oursUrl = await new Promise<string>((resolve, reject) => {
      ours!.once('message', (m: { port: number }) => resolve(`http://127.0.0.1:${m.port}`));
      ours!.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });

    // every tile of 4 meta tiles (2×2) at level 3. Meta tiles 0 and 2 are started by us, 1 and 3
    // by MapProxy; while those creations run, both are asked for every tile of all of them.
    const paths: string[] = [];
    for (let x = 0; x < 8; x++) for (let y = 4; y < 6; y++) paths.push(`/tms/1.0.0/l/GLOBAL_WEBMERCATOR/3/${x}/${y}.png`);
    const starters = [0, 4, 8, 12].map((i, m) => fetch((m % 2 ? reference!.url : oursUrl) + paths[i]));
    await upstream.waitForRequests(4);
    const rest = Array.from({ length: 48 }, (_, i) => fetch((i % 2 ? reference!.url : oursUrl) + paths[(i * 7) % paths.length]));
    const responses = await Promise.all([...starters, ...rest]);
    const bodies = await Promise.all(responses.map((r) => r.arrayBuffer()));
    assert.deepEqual(responses.map((r) => r.status), Array(52).fill(200), reference.log());
    for (const b of bodies) await sharp(Buffer.from(b)).raw().toBuffer();

    const agents = new Set(upstream.requests.map((r) => r.userAgent?.split('/')[0]));
    assert.equal(agents.size, 2, `both created meta tiles: ${[...agents].join(', ')}`);
    const counts = upstream.countsByBBox();
    assert.equal(counts.size, 4, 'four meta tiles');
    assert.deepEqual([...counts.values()], [1, 1, 1, 1], `one request per meta tile: ${JSON.stringify([...counts])}`);
    for (const f of tileFiles(join(dir, 'cache'))) await sharp(f).metadata();
  });
});
