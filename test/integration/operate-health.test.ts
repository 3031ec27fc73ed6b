// /healthz and /readyz of the daemon, answered by every worker: ready with a loaded configuration, a writable
// cache directory and a reachable upstream; not ready (503, naming what is wrong) when the upstream goes away or
// the cache's disk turns read-only, and ready again once they are back. The process stays healthy throughout.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { tempDir } from '../support/configs.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { Tmpfs } from '../support/tmpfs.js';
import { Daemon, freePort, request } from './daemon-support.js';

const config = (cacheDir: string, upstream: string) => `
services:
  tms:
layers:
  - {name: up, title: Upstream, sources: [up_cache]}
caches:
  up_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [up_wms]
    cache: {type: file, directory: ${cacheDir}/tiles}
sources:
  up_wms:
    type: wms
    req: {url: ${upstream}, layers: ok}
`;

interface Readiness {
  status: string;
  checkedAt: string;
  checks: { check: string; ok: boolean; error?: string }[];
}

describe('daemon health endpoints', { timeout: 120_000 }, () => {
  const dir = tempDir('mapproxy-ts-operate-health-');
  let disk: Tmpfs;
  let upstream: FakeUpstream;
  let stand_in: net.Server | undefined;
  let daemon: Daemon;
  let port: number;

  const ready = async (): Promise<{ status: number; body: Readiness }> => {
    const res = await request(port, '/readyz');
    assert.equal(res.headers['content-type'], 'application/json');
    return { status: res.status, body: JSON.parse(res.body.toString()) as Readiness };
  };
  /**
   * Asks /readyz until it answers `status` (and `also` holds): each worker reuses its report for 5 s, so a worker
   * may still answer what it saw before the last change.
   */
  const until = async (status: number, also: (r: Readiness) => boolean = () => true, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await ready();
      if (r.status === status && also(r.body)) return r.body;
      if (Date.now() > deadline) throw new Error(`/readyz still ${r.status}: ${JSON.stringify(r.body)}`);
      await new Promise((res) => setTimeout(res, 250));
    }
  };
  const failing = (r: Readiness) => r.checks.filter((c) => !c.ok);

  before(async () => {
    disk = Tmpfs.mount(4096);
    upstream = await startFakeUpstream();
    writeFileSync(join(dir, 'mapproxy.yaml'), config(disk.dir, upstream.url));
    port = await freePort();
    daemon = new Daemon(['serve', join(dir, 'mapproxy.yaml'), '--workers', '2', '--bind', `127.0.0.1:${port}`]);
    await daemon.waitFor(/master \(pid \d+\): serving/, 60_000);
  });

  after(async () => {
    if (daemon) {
      daemon.proc.kill('SIGTERM');
      await Promise.race([daemon.exited, new Promise((r) => setTimeout(r, 15_000))]);
      daemon.kill();
    }
    stand_in?.close();
    await upstream?.stop().catch(() => {});
    try {
      disk?.readWrite();
    } catch {
      // already writable
    }
    disk?.unmount();
  });

  it('/healthz: every worker answers that its process is up', async () => {
    const pids = new Set<number>();
    for (let i = 0; i < 60 && pids.size < 2; i++) {
      const res = await request(port, '/healthz');
      assert.equal(res.status, 200);
      const body = JSON.parse(res.body.toString()) as { status: string; pid: number };
      assert.equal(body.status, 'up');
      pids.add(body.pid);
    }
    assert.deepEqual([...pids].sort(), [...daemon.workerPids().values()].sort());
  });

  it('/readyz: configuration, cache directories, the store and the upstream, all fine', async () => {
    const { status, body } = await ready();
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.status, 'ready');
    const names = body.checks.map((c) => c.check);
    assert.ok(names.includes(`configuration loaded: ${join(dir, 'mapproxy.yaml')}`), names.join('\n'));
    assert.ok(names.includes(`cache directory writable: ${disk.dir}/tiles (up_cache)`), names.join('\n'));
    assert.ok(names.includes(`cache directory writable: ${disk.dir}/tiles/tile_locks (up_cache)`), names.join('\n'));
    assert.ok(names.includes('cache up_cache (GLOBAL_WEBMERCATOR): store answers'), names.join('\n'));
    assert.ok(names.includes(`upstream reachable: 127.0.0.1:${upstream.port} (up_wms)`), names.join('\n'));
    assert.equal(upstream.requests.length, 0, 'readiness does not send requests upstream');
  });

  it('/readyz reuses its report for a few seconds (per worker)', async () => {
    const times = new Set<string>();
    for (let i = 0; i < 8; i++) times.add((await ready()).body.checkedAt);
    assert.ok(times.size <= 2, [...times].join(', '));
  });

  it('a broken upstream: not ready, naming the server and why; healthy still, cached tiles still served', async () => {
    assert.equal((await request(port, '/tms/1.0.0/up/EPSG3857/0/0/0.png')).status, 200);
    const upstreamPort = upstream.port;
    await upstream.stop();
    const body = await until(503);
    assert.equal(body.status, 'not ready');
    const [bad, ...more] = failing(body);
    assert.equal(more.length, 0, JSON.stringify(body));
    assert.equal(bad.check, `upstream reachable: 127.0.0.1:${upstreamPort} (up_wms)`);
    assert.match(bad.error!, /ECONNREFUSED/);
    assert.equal((await request(port, '/healthz')).status, 200);
    const cached = await request(port, '/tms/1.0.0/up/EPSG3857/0/0/0.png');
    assert.equal(cached.status, 200);
    assert.equal(cached.headers['x-cache'], 'hit');

    // something listens on the upstream's port again: ready
    stand_in = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => stand_in!.listen(upstreamPort, '127.0.0.1', r));
    assert.equal((await until(200)).status, 'ready');
  });

  it("a read-only cache disk: not ready, naming the directory and EROFS; ready again once it is writable", async () => {
    disk.readOnly();
    const body = await until(503, (r) => failing(r).some((c) => c.check.startsWith('cache directory')));
    const bad = failing(body);
    assert.deepEqual(bad.map((c) => c.check).sort(), [
      `cache directory writable: ${disk.dir}/tiles (up_cache)`,
      `cache directory writable: ${disk.dir}/tiles/tile_locks (up_cache)`,
    ]);
    for (const c of bad) assert.match(c.error!, /EROFS/);
    // the store itself still answers reads
    assert.ok(body.checks.find((c) => c.check === 'cache up_cache (GLOBAL_WEBMERCATOR): store answers')?.ok);
    assert.equal((await request(port, '/healthz')).status, 200);
    disk.readWrite();
    assert.equal((await until(200)).status, 'ready');
  });
});
