// The daemon's logs as an operator's collector reads them: every line one JSON object; with the access and
// upstream logs on, one line per request (cache hit or miss) and one per upstream request in MapProxy's words;
// by default nothing per request. And /metrics with the build, start time and per-worker memory, as promtool
// accepts it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/configs.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { Daemon, freePort, request } from './daemon-support.js';

const config = (cacheDir: string, upstream: string) => `
services:
  tms:
  wms:
    md: {title: Operate test}
layers:
  - {name: up, title: Upstream, sources: [up_cache]}
caches:
  up_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [up_wms]
    cache: {type: file, directory: ${cacheDir}}
sources:
  up_wms:
    type: wms
    req: {url: ${upstream}, layers: ok}
`;

const TILE = '/tms/1.0.0/up/EPSG3857/1/0/0.png';
type Line = Record<string, unknown>;

/** Every line of the output parsed as JSON (the test fails on the first that is not). */
function jsonLines(output: string): Line[] {
  return output
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Line;
      } catch {
        throw new Error(`not a JSON line: ${l}`);
      }
    });
}

/** Waits until `count` lines of `logger` have been written. */
async function linesOf(daemon: Daemon, logger: string, count: number, timeoutMs = 10_000): Promise<Line[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = jsonLines(daemon.output).filter((l) => l.logger === logger);
    if (lines.length >= count || Date.now() > deadline) return lines;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('daemon logs and metrics', { timeout: 120_000 }, () => {
  const dir = tempDir('mapproxy-ts-operate-logs-');
  let upstream: FakeUpstream;
  let logged: Daemon;
  let quiet: Daemon;
  let port: number;
  let quietPort: number;

  before(async () => {
    upstream = await startFakeUpstream();
    writeFileSync(join(dir, 'logged.yaml'), config(join(dir, 'cache-logged'), upstream.url));
    writeFileSync(join(dir, 'quiet.yaml'), config(join(dir, 'cache-quiet'), upstream.url));
    [port, quietPort] = [await freePort(), await freePort()];
    logged = new Daemon(['serve', join(dir, 'logged.yaml'), '--workers', '2', '--bind', `127.0.0.1:${port}`, '--access-log', '--upstream-log']);
    quiet = new Daemon(['serve', join(dir, 'quiet.yaml'), '--workers', '2', '--bind', `127.0.0.1:${quietPort}`]);
    await Promise.all([logged.waitFor(/master \(pid \d+\): serving/, 60_000), quiet.waitFor(/master \(pid \d+\): serving/, 60_000)]);
  });

  after(async () => {
    for (const d of [logged, quiet]) {
      if (!d) continue;
      d.proc.kill('SIGTERM');
      await Promise.race([d.exited, new Promise((r) => setTimeout(r, 15_000))]);
      d.kill();
    }
    await upstream?.stop();
  });

  it('writes JSON lines from the start: the master names the build it runs', () => {
    const start = jsonLines(logged.output).find((l) => typeof l.msg === 'string' && /master \(pid \d+\): serving/.test(l.msg));
    assert.ok(start, logged.output);
    assert.equal(start.level, 'info');
    assert.match(String(start.node), /^v\d+\./);
    assert.match(String(start.kernels), /^native\//);
    assert.equal(start.workers, 2);
    const ready = jsonLines(logged.output).filter((l) => /worker \d \(pid \d+\) ready/.test(String(l.msg)));
    assert.equal(ready.length, 2);
  });

  it('access log on: one line per request with client, request, status, bytes, time and cache miss then hit', async () => {
    const first = await request(port, TILE);
    const second = await request(port, TILE);
    assert.equal(first.status, 200);
    assert.equal(first.headers['x-cache'], 'miss');
    assert.equal(second.headers['x-cache'], 'hit');
    const lines = await linesOf(logged, 'mapproxy.access', 2);
    assert.equal(lines.length, 2, logged.output);
    assert.deepEqual(lines.map((l) => l.cache), ['miss', 'hit']);
    for (const l of lines) {
      assert.equal(l.level, 'info');
      assert.equal(l.client, '127.0.0.1');
      assert.equal(l.method, 'GET');
      assert.equal(l.url, TILE);
      assert.equal(l.status, 200);
      assert.equal(l.bytes, first.body.length);
      assert.ok(typeof l.ms === 'number' && l.ms >= 0);
      assert.ok(l.worker === 0 || l.worker === 1);
      assert.match(String(l.msg), new RegExp(`^127\\.0\\.0\\.1 "GET ${TILE.replaceAll('.', '\\.')}" 200 ${first.body.length} [\\d.]+ms (miss|hit)$`));
    }
  });

  it("upstream log on: the upstream request as MapProxy's mapproxy.source.request line", async () => {
    const lines = await linesOf(logged, 'mapproxy.source.request', 1);
    assert.equal(lines.length, upstream.requests.length);
    const [l] = lines;
    assert.equal(l.level, 'debug');
    assert.equal(l.source, 'up_wms');
    assert.equal(l.status, 200);
    assert.match(String(l.msg), new RegExp(`^GET http://127\\.0\\.0\\.1:${upstream.port}/service\\?\\S*request=GetMap\\S* 200 \\d+\\.\\d \\d+$`));
    assert.equal(String(l.url), String(l.msg).split(' ')[1]);
  });

  it('health and metrics requests are not logged as traffic', async () => {
    const before = (await linesOf(logged, 'mapproxy.access', 0)).length;
    assert.equal((await request(port, '/healthz')).status, 200);
    assert.equal((await request(port, '/metrics')).status, 200);
    assert.equal((await request(port, '/tms/1.0.0/')).status, 200);
    const after = await linesOf(logged, 'mapproxy.access', before + 1);
    assert.deepEqual(after.slice(before).map((l) => l.url), ['/tms/1.0.0/']);
  });

  it('by default: no line per request, none per upstream request', async () => {
    const before = quiet.output.length;
    for (let i = 0; i < 5; i++) assert.equal((await request(quietPort, `/tms/1.0.0/up/EPSG3857/2/${i % 4}/1.png`)).status, 200);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(quiet.output.slice(before), '');
    assert.ok(jsonLines(quiet.output).every((l) => l.logger === undefined));
  });

  it('/metrics: build info, the daemon start time and memory per worker, accepted by promtool', async () => {
    const res = await request(port, '/metrics');
    const text = res.body.toString();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
    const build = text.match(/^mapproxy_build_info\{version="([^"]+)",node="(v[\d.]+)",uws="([^"]+)",kernels="native\/\w+"\} 1$/m);
    assert.ok(build, text);
    assert.equal(build[2], process.version);
    // one series, the master's start: not the sum over the processes
    const starts = text.match(/^process_start_time_seconds (\d+)$/gm) ?? [];
    assert.equal(starts.length, 1, text);
    const start = Number(starts[0].split(' ')[1]);
    assert.ok(start <= Date.now() / 1000 && start > Date.now() / 1000 - 600, `start ${start}`);
    for (const worker of ['master', '0', '1']) {
      const m = text.match(new RegExp(`^mapproxy_process_resident_memory_bytes\\{worker="${worker}"\\} (\\d+)$`, 'm'));
      assert.ok(m && Number(m[1]) > 10e6, `memory of ${worker}`);
      assert.match(text, new RegExp(`^mapproxy_process_heap_used_bytes\\{worker="${worker}"\\} \\d+$`, 'm'));
    }
  });
});
