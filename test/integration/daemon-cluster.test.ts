// The real daemon (`serve --workers 2`) with the debug source: workers, restarts, reloads, draining, metrics.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { tempDir } from '../support/configs.js';
import { Daemon, debugConfig, freePort, metricSum, request } from './daemon-support.js';

const TILE = '/tms/1.0.0/dbg/EPSG3857/0/0/0.png';
const MIGRATE_REQ = '/proc/sys/net/ipv4/tcp_migrate_req';

/**
 * Linux resets the connections still waiting in a listener's accept queue when that listener closes, unless
 * net.ipv4.tcp_migrate_req hands them to another listener of the SO_REUSEPORT group (the new worker). The
 * lossless reload needs it; enable it for this test (per network namespace, root only) and put it back after.
 */
function enableMigrateReq(): { enabled: boolean; restore: () => void } {
  try {
    const before = readFileSync(MIGRATE_REQ, 'utf8').trim();
    if (before !== '1') writeFileSync(MIGRATE_REQ, '1');
    return { enabled: true, restore: () => before !== '1' && writeFileSync(MIGRATE_REQ, before) };
  } catch {
    return { enabled: false, restore: () => {} };
  }
}

describe('daemon: serve with 2 workers', { timeout: 120_000 }, () => {
  const dir = tempDir('mapproxy-ts-daemon-');
  const config = join(dir, 'mapproxy.yaml');
  const socket = join(dir, 'mapproxy.sock');
  let port: number;
  let daemon: Daemon;
  const others: Daemon[] = [];
  let migrate: ReturnType<typeof enableMigrateReq> = { enabled: false, restore: () => {} };
  let answered = 0; // requests the workers answered (all but /metrics), for the counter check

  const get = async (path: string) => {
    const res = await request(port, path);
    answered++;
    return res;
  };
  const metrics = async () => {
    const res = await request(port, '/metrics');
    assert.equal(res.status, 200);
    return res.body.toString();
  };

  before(async () => {
    migrate = enableMigrateReq();
    writeFileSync(config, debugConfig(join(dir, 'cache')));
    port = await freePort();
    daemon = new Daemon([
      'serve', config, '--workers', '2', '--bind', `127.0.0.1:${port}`, '--bind', socket,
      '--socket-mode', '660', '--shutdown-timeout', '10',
    ]);
    await daemon.waitFor(/master \(pid \d+\): serving/);
  });

  after(() => {
    migrate.restore();
    daemon.kill();
    for (const d of others) d.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves from both workers, on TCP and on the unix socket', async () => {
    assert.equal(daemon.workerPids().size, 2);
    for (let i = 0; i < 40; i++) assert.equal((await get(i % 4 === 0 ? TILE : '/tms/1.0.0/')).status, 200);
    const viaSocket = await request(0, '/tms/1.0.0/', { socketPath: socket });
    answered++;
    assert.equal(viaSocket.status, 200);
    assert.equal(statSync(socket).mode & 0o777, 0o660);
    const text = await metrics();
    assert.ok(metricSum(text, 'mapproxy_worker_http_requests_total', 'slot="0"') > 0, 'worker 0 served nothing');
    assert.ok(metricSum(text, 'mapproxy_worker_http_requests_total', 'slot="1"') > 0, 'worker 1 served nothing');
  });

  it('answers unknown paths with 404 and HEAD like GET', async () => {
    assert.equal((await get('/no/such/thing')).status, 404);
    const head = await request(port, '/tms/1.0.0/', { method: 'HEAD' });
    answered++;
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.ok(Number(head.headers['content-length']) > 0);
  });

  it('exposes /metrics that promtool accepts, with counters adding up over the workers', async () => {
    const text = await metrics();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
    assert.equal(metricSum(text, 'mapproxy_http_requests_total'), answered);
    assert.equal(metricSum(text, 'mapproxy_worker_http_requests_total'), answered);
    assert.equal(metricSum(text, 'mapproxy_http_request_duration_seconds_count'), answered);
    assert.equal(metricSum(text, 'mapproxy_http_requests_total', 'service="tms",layer="dbg",status="200"'), 10);
    assert.ok(metricSum(text, 'mapproxy_cache_lookups_total', 'cache="dbg_cache_EPSG3857"') + metricSum(text, 'mapproxy_cache_lookups_total') > 0);
    assert.ok(metricSum(text, 'mapproxy_tiles_created_total') >= 1);
    // The native kernels draw the pixels in every worker (max over the workers, not a sum).
    assert.match(text, /^mapproxy_pixel_kernels_info\{implementation="native",simd="(avx2|sse2|neon|baseline)"\} 1$/m);
    for (const name of ['process_cpu_user_seconds_total', 'nodejs_heap_size_used_bytes', 'mapproxy_worker_restarts_total', 'mapproxy_workers']) {
      assert.match(text, new RegExp(`^${name}`, 'm'));
    }
    assert.equal(metricSum(text, 'mapproxy_workers'), 2);
  });

  it('refuses to start a second daemon on a port that is taken', async () => {
    const stray = new Daemon(['serve', config, '--workers', '2', '--bind', `127.0.0.1:${port}`]);
    others.push(stray);
    assert.equal(await stray.exited, 1);
    assert.match(stray.output, /already in use/);
  });

  it('replaces a killed worker', async () => {
    const from = daemon.output.length;
    const victim = daemon.workerPids().get(0)!;
    process.kill(victim, 'SIGKILL');
    const m = await daemon.waitFor(/worker 0 \(pid (\d+)\) ready/, 30_000, from);
    assert.notEqual(Number(m[1]), victim);
    assert.match(daemon.output.slice(from), /worker 0 \(pid \d+\) died \(killed by SIGKILL\)/);
    for (let i = 0; i < 10; i++) assert.equal((await request(port, '/tms/1.0.0/')).status, 200);
    assert.ok(metricSum(await metrics(), 'mapproxy_worker_restarts_total') >= 1);
  });

  it('reloads on SIGHUP without failing a request of a running stream', async (t) => {
    if (!migrate.enabled) return t.skip(`cannot set ${MIGRATE_REQ} (not root?): a reload may reset a few connections`);
    writeFileSync(config, debugConfig(join(dir, 'cache'), 'Reloaded'));
    const from = daemon.output.length;
    const oldPids = [...daemon.workerPids().values()];
    let done = false;
    const failures: string[] = [];
    let count = 0;
    const stream = async () => {
      while (!done) {
        try {
          const res = await request(port, '/tms/1.0.0/');
          if (res.status !== 200) failures.push(`status ${res.status}`);
        } catch (err) {
          failures.push(String(err));
        }
        count++;
      }
    };
    const streams = [stream(), stream(), stream()];
    await new Promise((r) => setTimeout(r, 200));
    daemon.proc.kill('SIGHUP');
    await daemon.waitFor(/reload done/, 60_000, from);
    await new Promise((r) => setTimeout(r, 200));
    done = true;
    await Promise.all(streams);
    assert.deepEqual(failures, [], `${failures.length} of ${count} requests failed`);
    assert.ok(count > 20);
    const newPids = [...daemon.workerPids().values()];
    assert.equal(newPids.filter((p) => oldPids.includes(p)).length, 0, 'every worker was replaced');
    const caps = (await request(port, '/tms/1.0.0/')).body.toString();
    assert.match(caps, /title="Reloaded"/);
  });

  it('keeps the running workers when the configuration on SIGHUP is broken, naming file and key', async () => {
    writeFileSync(config, debugConfig(join(dir, 'cache'), 'Reloaded').replace('grids: [GLOBAL_WEBMERCATOR]', 'grids: 5'));
    const from = daemon.output.length;
    const pids = [...daemon.workerPids().values()];
    daemon.proc.kill('SIGHUP');
    const m = await daemon.waitFor(/configuration not reloaded.*/, 20_000, from);
    assert.ok(m[0].includes(config) && m[0].includes('caches.dbg_cache.grids'), m[0]);
    assert.deepEqual([...daemon.workerPids().values()], pids);
    for (let i = 0; i < 5; i++) assert.equal((await request(port, '/tms/1.0.0/')).status, 200);
    writeFileSync(config, debugConfig(join(dir, 'cache'), 'Reloaded'));
  });

  it('drains on SIGTERM: a request in flight is answered, then everything exits 0', async () => {
    // A POST whose body is still arriving is in flight; finish it after the signal.
    const sock = net.connect(port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    let reply = '';
    sock.on('data', (d) => (reply += d));
    const closed = new Promise((r) => sock.once('close', r));
    sock.write('POST /service HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 10\r\n\r\n<x>');
    await new Promise((r) => setTimeout(r, 300));
    const from = daemon.output.length;
    daemon.proc.kill('SIGTERM');
    await daemon.waitFor(/stopping the workers/, 10_000, from);
    await new Promise((r) => setTimeout(r, 300));
    await assert.rejects(request(port, '/tms/1.0.0/'), 'new connections are refused while draining');
    sock.write('</x>123'); // exactly the 10 bytes announced
    await closed;
    assert.match(reply, /^HTTP\/1\.1 \d{3} /);
    assert.equal(await daemon.exited, 0);
    for (const pid of daemon.workerPids().values()) assert.throws(() => process.kill(pid, 0), 'worker still running');
  });
});
