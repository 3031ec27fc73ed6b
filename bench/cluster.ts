// The cluster bench (issue 17): three daemon hosts (Linux network namespaces, 1 worker each) on one Redis (tile
// lock) and one shared cache directory, against one host alone. Measures
//  - cold: upstream requests per meta tile when every host asks for every tile of uncached meta tiles at once;
//  - warm: tiles/s on one cached area, spread over 3 hosts vs sent to 1 host, same clients.
// All hosts share this machine's cores, so the warm ratio says what the network and Redis cost, not what three
// machines would give. Needs root (ip netns).
//   node --import tsx bench/cluster.ts [--seconds 10] [--clients 24]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFakeUpstream } from '../test/support/fake-upstream.js';
import { createNetLab, netnsUnavailable, relayTcp } from '../test/support/netns.js';
import { CLUSTER_REDIS_PORT, startRedisIn, stopServices } from '../test/support/netns-services.js';
import { Daemon } from '../test/integration/daemon-support.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, clients: { type: 'string', default: '24' } } });
const SECONDS = Number(values.seconds);
const CLIENTS = Number(values.clients);
const PORT = 8080;

const why = netnsUnavailable();
if (why) {
  console.error(`bench/cluster.ts needs network namespaces: ${why}`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'bench-cluster-'));
const lab = createNetLab(3);
const upstream = await startFakeUpstream({ delayMs: 100 });
const relay = await relayTcp(lab.selfData, upstream.port);
const services = [await startRedisIn(lab, dir)];
const hosts: Daemon[] = [];

const path = (z: number, x: number, y: number) => `/tms/1.0.0/l/GLOBAL_WEBMERCATOR/${z}/${x}/${y}.png`;
const agents = lab.hosts.map(() => new http.Agent({ keepAlive: true, maxSockets: CLIENTS }));
function get(host: number, p: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: lab.hostData(host), port: PORT, path: p, agent: agents[host] }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

/** `clients` loops, each asking its host (round robin over `hostsUsed`) for random tiles of `paths` until time is up. */
async function load(hostsUsed: number[], paths: string[]): Promise<{ tilesPerSecond: number; errors: number }> {
  const end = performance.now() + SECONDS * 1000;
  let done = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      const host = hostsUsed[c % hostsUsed.length]!;
      while (performance.now() < end) {
        const status = await get(host, paths[Math.floor(Math.random() * paths.length)]!).catch(() => 0);
        if (status === 200) done++;
        else errors++;
      }
    }),
  );
  return { tilesPerSecond: done / SECONDS, errors };
}

try {
  const cacheDir = join(dir, 'shared-cache');
  for (let i = 0; i < 3; i++) {
    const conf = join(dir, `h${i + 1}.yaml`);
    writeFileSync(conf, `
services: {tms: {use_grid_names: true}}
layers: [{name: l, title: l, sources: [c]}]
caches:
  c:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [s]
    meta_size: [4, 4]
    meta_buffer: 0
    cache: {type: file, directory: ${JSON.stringify(cacheDir)}, directory_layout: tms}
sources:
  s: {type: wms, req: {url: 'http://${lab.selfData}:${relay.port}/service', layers: ok}}
globals:
  cache:
    base_dir: ${JSON.stringify(join(dir, `h${i + 1}`))}
    lock_dir: ${JSON.stringify(join(dir, `h${i + 1}`, 'locks'))}
    tile_lock: {type: redis, url: 'redis://${lab.servicesLock}:${CLUSTER_REDIS_PORT}/0'}
`);
    const d = new Daemon(['netns', 'exec', lab.hosts[i]!, process.execPath, '--import', 'tsx', 'src/cli/main.ts', 'serve', conf,
      '--workers', '1', '--bind', `${lab.hostData(i)}:${PORT}`, '--log-format', 'json'], { command: 'ip' });
    hosts.push(d);
    await d.waitFor(/worker 0 \(pid \d+\) ready/, 150_000);
  }

  // cold: level 6, x 16..31, y 16..31 = 256 tiles in 16 meta tiles of 4×4, every tile asked by every host at once
  const cold: string[] = [];
  for (let x = 16; x < 32; x++) for (let y = 16; y < 32; y++) cold.push(path(6, x, y));
  upstream.requests.length = 0;
  const coldStart = performance.now();
  const statuses = await Promise.all(cold.flatMap((p) => [0, 1, 2].map((h) => get(h, p).catch(() => 0))));
  const coldMs = performance.now() - coldStart;
  const metaTiles = 16;
  const cold200 = statuses.filter((s) => s === 200).length;

  // warm: the same cached area
  const one = await load([0], cold);
  const three = await load([0, 1, 2], cold);
  const result = {
    date: new Date().toISOString(),
    machine: { cores: availableParallelism() },
    hosts: 3,
    workersPerHost: 1,
    cold: { requests: statuses.length, ok: cold200, metaTiles, upstreamRequests: upstream.requests.length, upstreamPerMetaTile: upstream.requests.length / metaTiles, ms: Math.round(coldMs) },
    warm: { seconds: SECONDS, clients: CLIENTS, oneHost: one, threeHosts: three, ratio: three.tilesPerSecond / one.tilesPerSecond },
  };
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'cluster.json'), `${JSON.stringify(result, null, 2)}\n`);
  const md = `# Cluster bench (bench/cluster.ts)

${result.date}, ${result.machine.cores} cores. Three hosts (network namespaces, 1 worker each) on one Redis tile lock and one
shared file cache; all on this one machine, so the hosts share its cores.

| | |
|---|---|
| cold: ${statuses.length} requests (every tile of ${metaTiles} uncached 4×4 meta tiles, asked by all 3 hosts at once) | ${cold200} answered 200 in ${result.cold.ms} ms |
| upstream requests per meta tile | **${result.cold.upstreamPerMetaTile.toFixed(2)}** (${upstream.requests.length} for ${metaTiles}) |
| warm, 1 host, ${CLIENTS} clients, ${SECONDS} s | ${one.tilesPerSecond.toFixed(0)} tiles/s (${one.errors} errors) |
| warm, 3 hosts, ${CLIENTS} clients, ${SECONDS} s | ${three.tilesPerSecond.toFixed(0)} tiles/s (${three.errors} errors) |
| ratio 3 hosts / 1 host | **${result.warm.ratio.toFixed(2)}** |

Caveat: the three "hosts" share this machine's ${result.machine.cores} cores (and the load generator runs on them too). One host
here is one worker process, so three hosts use both cores where one host used one: the ratio shows that
spreading requests over hosts costs nothing (no Redis or network round trip on a cached tile) and that the hosts
do not wait on each other; on three machines each host brings its own cores.
`;
  writeFileSync(join(out, 'cluster.md'), md);
  console.log(md);
} finally {
  hosts.forEach((d) => d.kill());
  await Promise.all(hosts.map((d) => d.exited));
  await stopServices(services);
  agents.forEach((a) => a.destroy());
  await relay.close();
  await upstream.stop();
  lab.remove();
  rmSync(dir, { recursive: true, force: true });
}
