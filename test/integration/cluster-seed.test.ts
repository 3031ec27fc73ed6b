// Issue 17, distributed seeding on a real network: three `seed --worker` processes, each on its own host (a Linux
// network namespace, test/support/netns.ts), take the units of one `seed --queue` run from a Redis in a fourth
// namespace and write into one shared cache directory. The run must give exactly the tiles a single-host seed gives,
// with one upstream request per meta tile; a worker killed with SIGKILL mid-run loses nothing, and only the units it
// held are done again. The source's concurrent_requests: 2 is enforced across the hosts (globals.cache.request_lock).
// Needs root (ip netns); the test says why it skips otherwise.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { createNetLab, netnsUnavailable, type NetLab } from '../support/netns.js';
import { CLUSTER_REDIS_PORT, startRedisIn, stopServices } from '../support/netns-services.js';

const skip = netnsUnavailable();
const SLOTS = 2;
const LEASE_S = 3;
/** Levels 0..4 of GLOBAL_WEBMERCATOR in 2×2 meta tiles: 1 + 1 + 4 + 16 + 64 meta tiles. */
const META_TILES = 86;

let lab: NetLab;
let upstream: FakeUpstream;
let counter: CountingProxy;
let redis: Redis;
const services: ChildProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'cluster-seed-'));
const redisUrl = () => `redis://${lab.servicesLock}:${CLUSTER_REDIS_PORT}/0`;

/** Forwards requests to the upstream and counts how many are in flight at once, across every host. */
interface CountingProxy {
  readonly port: number;
  most: number;
  close(): Promise<void>;
}

async function countingProxy(host: string, target: number): Promise<CountingProxy> {
  let active = 0;
  const server = http.createServer((req, res) => {
    active++;
    proxy.most = Math.max(proxy.most, active);
    const out = http.request({ host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      up.on('end', () => active--);
    });
    out.on('error', () => {
      active--;
      res.destroy();
    });
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const proxy: CountingProxy = {
    port: (server.address() as { port: number }).port,
    most: 0,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
  return proxy;
}

function config(name: string, cacheDir: string, upstreamUrl: string, cluster: boolean): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `
services: {tms: }
layers: [{name: l, title: l, sources: [c]}]
caches:
  c:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [s]
    meta_size: [2, 2]
    meta_buffer: 0
    cache: {type: file, directory: ${JSON.stringify(cacheDir)}, directory_layout: tms}
sources:
  s:
    type: wms
    concurrent_requests: ${SLOTS}
    req: {url: ${JSON.stringify(upstreamUrl)}, layers: ok}
globals:
  cache:
    base_dir: ${JSON.stringify(join(dir, name, 'cache_data'))}
    lock_dir: ${JSON.stringify(join(dir, name, 'locks'))}
${cluster ? `    request_lock: {type: redis, url: '${redisUrl()}', lease: 5}` : ''}
`);
  return file;
}

/** A command of ours, in a host's namespace or (ns null) in the test's own; its output kept for the messages. */
class Run {
  output = '';
  readonly exited: Promise<number | null>;
  constructor(readonly proc: ChildProcess) {
    proc.stdout?.on('data', (b: Buffer) => (this.output += b.toString()));
    proc.stderr?.on('data', (b: Buffer) => (this.output += b.toString()));
    this.exited = new Promise((r) => proc.once('exit', (code, signal) => r(signal ? null : code)));
  }
}

function seedCli(ns: string | null, args: string[]): Run {
  const argv = ['--import', 'tsx', 'src/cli/main.ts', 'seed', ...args];
  const opts: SpawnOptions = { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] };
  return new Run(ns ? lab.spawnIn(ns, process.execPath, argv, opts) : spawn(process.execPath, argv, opts));
}

async function exitCode(run: Run, what: string, timeoutMs = 240_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([run.exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)))]);
  clearTimeout(timer);
  if (code === 'timeout') {
    run.proc.kill('SIGKILL');
    assert.fail(`${what} did not finish within ${timeoutMs / 1000} s:\n${run.output}`);
  }
  return code;
}

/** Every tile file under `root` with the md5 of its bytes. */
function tileSet(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(root, p), createHash('md5').update(readFileSync(p)).digest('hex'));
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

/** Upstream requests per meta tile: its bbox and size (levels 0 and 1 share the bbox of the whole world). */
function requestsPerMetaTile(): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of upstream.requests) {
    const q = new URL(r.url, 'http://x').searchParams;
    const key = `${r.bbox} ${q.get('WIDTH') ?? q.get('width')}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

let reference: Map<string, string>;
const seedYaml = join(dir, 'seed.yaml');

/** The three workers (one per host) and the coordinator of a run named `queue`, into `cacheDir`. */
function startCluster(queue: string, cacheDir: string): { workers: Run[]; coordinator: Run } {
  const upstreamUrl = `http://${lab.selfData}:${counter.port}/service`;
  const workers = lab.hosts.map((ns, i) =>
    seedCli(ns, ['--worker', '--queue', redisUrl(), '--queue-name', queue, '-f', config(`h${i + 1}`, cacheDir, upstreamUrl, true), '-c', '1', '--lease', String(LEASE_S), '-q']),
  );
  const coordinator = seedCli(null, ['-f', config('coordinator', cacheDir, upstreamUrl, true), '-s', seedYaml, '--queue', redisUrl(), '--queue-name', queue, '--log-interval', '1']);
  return { workers, coordinator };
}

describe('seeding split over three hosts through Redis', { skip: skip ?? undefined }, () => {
  before(async () => {
    lab = createNetLab(3);
    upstream = await startFakeUpstream({ delayMs: 150 });
    counter = await countingProxy(lab.selfData, upstream.port);
    services.push(await startRedisIn(lab, dir));
    redis = new Redis({ host: lab.servicesLock, port: CLUSTER_REDIS_PORT, maxRetriesPerRequest: 1 });
    writeFileSync(seedYaml, 'seeds:\n  world: {caches: [c], levels: {to: 4}}\n');
    // the reference: one host, one seed process, straight to the upstream
    const refDir = join(dir, 'reference-tiles');
    const ref = seedCli(null, ['-f', config('reference', refDir, `${upstream.url}`, false), '-s', seedYaml, '-c', '1', '-q', '-q']);
    assert.equal(await exitCode(ref, 'the single-host seed'), 0, ref.output);
    reference = tileSet(refDir);
    assert.equal(reference.size, 1 + 4 + 16 + 64 + 256, 'the reference has every tile of levels 0..4');
    assert.equal(requestsPerMetaTile().size, META_TILES);
  });

  after(async () => {
    redis?.disconnect();
    await stopServices(services);
    await counter?.close();
    await upstream?.stop();
    lab?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('three workers on three hosts: the tiles of a single-host seed, one request per meta tile, at most 2 upstream requests at once', async () => {
    upstream.requests.length = 0;
    counter.most = 0;
    const cacheDir = join(dir, 'cluster-tiles');
    const { workers, coordinator } = startCluster('seed-a', cacheDir);
    assert.equal(await exitCode(coordinator, 'the coordinator'), 0, coordinator.output);
    const codes = await Promise.all(workers.map((w, i) => exitCode(w, `worker ${i + 1}`)));
    assert.deepEqual(codes, [0, 0, 0], workers.map((w) => w.output).join('\n'));
    assert.deepEqual(tileSet(cacheDir), reference, 'the same tiles, byte for byte');
    const counts = requestsPerMetaTile();
    assert.equal(counts.size, META_TILES);
    assert.ok([...counts.values()].every((n) => n === 1), 'one upstream request per meta tile');
    assert.equal(counter.most, SLOTS, `concurrent_requests: ${SLOTS} across the hosts (at most ${counter.most} at once)`);
    const perWorker = workers.map((w) => Number(/(\d+) unit\(s\) done/.exec(w.output)?.[1] ?? 0));
    assert.ok(perWorker.filter((n) => n > 0).length >= 2, `the hosts share the work: ${perWorker}`);
    assert.match(coordinator.output, /cluster of [1-3] worker\(s\)/, 'the progress shows the cluster');
    console.log(`# 3 hosts: units per worker ${perWorker.join('/')}, at most ${counter.most} upstream requests at once`);
  });

  it('a worker killed with SIGKILL mid-run: nothing lost, only the units it held are done again', async () => {
    upstream.requests.length = 0;
    const cacheDir = join(dir, 'cluster-tiles-kill');
    const { workers, coordinator } = startCluster('seed-b', cacheDir);
    const victim = workers[0]!;
    // kill it once the run is under way and it holds units
    let held: unknown[] = [];
    const deadline = Date.now() + 120_000;
    for (;;) {
      assert.ok(Date.now() < deadline, `the run never got under way:\n${coordinator.output}\n${victim.output}`);
      const done = Number((await redis.hget('seed-b:run', 'units_done')) ?? 0);
      if (done >= 15) {
        held = (await redis.xpending('seed-b:units', 'workers', '-', '+', 100, `${hostname()}:${victim.proc.pid}`)) as unknown[];
        if (held.length > 0) break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    victim.proc.kill('SIGKILL');
    assert.equal(await exitCode(coordinator, 'the coordinator'), 0, coordinator.output);
    const codes = await Promise.all(workers.slice(1).map((w, i) => exitCode(w, `worker ${i + 2}`)));
    assert.deepEqual(codes, [0, 0], workers.map((w) => w.output).join('\n'));
    assert.deepEqual(tileSet(cacheDir), reference, 'nothing lost: the tiles of the single-host seed');
    const counts = requestsPerMetaTile();
    assert.equal(counts.size, META_TILES, 'every meta tile requested');
    const again = [...counts.values()].filter((n) => n > 1);
    assert.ok(again.every((n) => n === 2), 'done again at most once');
    assert.ok(again.length <= held.length, `only the units the killed worker held are done again (${again.length} of its ${held.length})`);
    assert.equal(upstream.requests.length, META_TILES + again.length);
    assert.equal(Number(await redis.hget('seed-b:run', 'units_done')), META_TILES, 'every unit counted once');
    console.log(`# killed worker held ${held.length} unit(s); ${again.length} meta tile(s) requested a second time`);
  });
});

if (skip) console.log(`# cluster-seed skipped: ${skip}`);
