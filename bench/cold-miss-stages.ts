// Where the time of a cold miss goes, for mapproxy-ts and MapProxy side by side: the bench's cold-miss request
// list (a new 4x4 meta tile of level 12 per request) sent by 1 and 2 clients, with
//  - each request's latency as the client sees it, in order (are the slow ones the first ones, or spread?),
//  - each upstream request's time as MapServer's lighttpd logs it (%D), for both servers,
//  - inside mapproxy-ts (bench/cold-miss-probe.ts in its workers): upstream request, lock, the fused native job
//    (until the asked tile is encoded, whole), the stores (asked tile, the other tiles), the meta tile until
//    answered and until its lock is released, garbage collections, event-loop delay, and how many meta tiles
//    each worker created.
//
//   node --import tsx bench/cold-miss-stages.ts [--requests 150] [--workers 2] [--targets mapproxy-ts,mapproxy]
//
// Runs in a workspace of its own (removed afterwards unless --keep) and runs mapproxy-ts through tsx.
// Not a benchmark result: bench/run.sh gives those.
import http from 'node:http';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { workspace, writeMapProxyConfig } from './lib/configs.js';
import { emptyColdCache } from './lib/cold-cache.js';
import { sleep, stopAll } from './lib/procs.js';
import { buildScenarios } from './lib/scenarios.js';
import { startMapProxy, startOurs, type Target } from './lib/targets.js';
import { tsxRuntime } from './lib/runtime.js';
import { startUpstream, writeUpstreamData } from './lib/upstream.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '150' },
    workers: { type: 'string', default: '2' },
    targets: { type: 'string', default: 'mapproxy-ts,mapproxy' },
    clients: { type: 'string', default: '1,2' },
    keep: { type: 'boolean', default: false },
  },
});
const requests = Number(args.requests);
const workers = Number(args.workers);
const log = (msg: string) => process.stderr.write(`[stages] ${msg}\n`);

const pct = (values: number[], p: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const row = (name: string, values: number[]) =>
  `${name.padEnd(32)} n=${String(values.length).padStart(4)}  p50 ${pct(values, 50).toFixed(1).padStart(6)}  p90 ${pct(values, 90).toFixed(1).padStart(6)}  p99 ${pct(values, 99).toFixed(1).padStart(6)}  max ${Math.max(...values).toFixed(1).padStart(6)} ms`;

/** MapServer behind lighttpd as the bench starts it, plus an access log with each request's time. */
async function startLoggedUpstream(dir: string, mapfile: string, port: number) {
  mkdirSync(dir, { recursive: true });
  const accessLog = join(dir, 'access.log');
  const { url } = await startUpstream(dir, mapfile, port, workers, accessLog);
  return { url, accessLog };
}

/** The requests of `paths` in order over `clients` keep-alive connections; each latency in the order sent. */
async function load(base: string, paths: string[], clients: number): Promise<{ latencies: number[]; seconds: number; failed: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = new Array(paths.length);
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  const one = (path: string) =>
    new Promise<number>((resolve) => {
      const start = performance.now();
      http.get(base + path, { agent }, (res) => {
        if (res.statusCode !== 200) failed++;
        res.resume();
        res.on('end', () => resolve(performance.now() - start));
      }).on('error', () => {
        failed++;
        resolve(performance.now() - start);
      });
    });
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < paths.length) {
      const i = next++;
      latencies[i] = await one(paths[i]!);
    }
  }));
  agent.destroy();
  return { latencies, seconds: (performance.now() - t0) / 1000, failed };
}

function upstreamTimes(accessLog: string): number[] {
  return readFileSync(accessLog, 'utf8').split('\n').filter((l) => /REQUEST=GetMap/i.test(l)).map((l) => Number(l.split(' ')[0]) / 1000);
}

/** The probe's stages in the order of a cold miss; others (gc, loop delay, stores of other sizes) follow. */
const STAGE_ORDER = [
  'cache check, 1 tile', 'lock acquire', 'upstream request', 'decode (not fused)', 'native: asked tiles encoded',
  'store: asked tiles', 'meta tile: until answered', 'native: whole job', 'store: the other 15',
  'meta tile: until lock released', '  after the answer', 'queue slot held', 'write 1 tile (sync)', 'mkdir -p',
];

function probeStages(dir: string): Map<string, number[]> {
  const stages = new Map<string, number[]>();
  const perWorker: number[] = [];
  for (const f of readdirSync(dir)) {
    perWorker.push(readFileSync(join(dir, f), 'utf8').split('"meta tile: until answered"').length - 1);
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line) as { stage?: string; ms?: number; missing?: string };
      if (r.missing) log(`probe: no method for ${r.missing}`);
      if (r.stage && r.ms !== undefined) {
        if (!stages.has(r.stage)) stages.set(r.stage, []);
        stages.get(r.stage)!.push(r.ms);
      }
    }
  }
  // Workers listen with SO_REUSEPORT: the kernel hashes each connection to a worker, so 2 clients share one half the time.
  process.stdout.write(`meta tiles created per worker: ${perWorker.join(', ')}\n`);
  const rank = (stage: string) => {
    const i = STAGE_ORDER.indexOf(stage);
    return i < 0 ? STAGE_ORDER.length : i;
  };
  return new Map([...stages].sort(([a], [b]) => rank(a) - rank(b)));
}

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cold-miss-stages-'));
  const ws = workspace(dir);
  try {
    const mapfile = await writeUpstreamData(REPO, join(dir, 'upstream'));
    const upstream = await startLoggedUpstream(join(dir, 'upstream'), mapfile, await freePort());
    writeMapProxyConfig(ws, upstream.url);
    // Every MapServer process has drawn a map before the first server is measured (as the seeding does in run.ts).
    const warm = `${upstream.url}SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=world&STYLES=&SRS=EPSG:3857&BBOX=0,5000000,200000,5200000&WIDTH=1088&HEIGHT=1088&FORMAT=image%2Fpng`;
    for (let i = 0; i < 3; i++) await Promise.all(Array.from({ length: workers }, () => fetch(warm).then((r) => r.arrayBuffer())));
    const cold = buildScenarios({ tiles: [], seedArea: { bbox: [-10, 35, 30, 60], fromLevel: 0, toLevel: 8 }, wmsArea: [-5, 40, 25, 57], utmArea: [2, 45, 16, 56], coldLevel: 12 })
      .find((s) => s.id === 'cold-miss-1')!.paths['mapproxy-ts']!;
    log(`${cold.length} cold paths; ${requests} per run`);
    const probeDir = join(dir, 'probe');
    for (const name of args.targets!.split(',')) {
      mkdirSync(probeDir, { recursive: true });
      process.env.COLD_MISS_PROBE_DIR = probeDir;
      let t: Target;
      if (name === 'mapproxy-ts') {
        const rt = tsxRuntime(REPO);
        t = await startOurs({ rt: { ...rt, nodeArgs: [...rt.nodeArgs, '--import', join(REPO, 'bench/cold-miss-probe.ts')] }, ws, port: await freePort(), workers });
      } else {
        t = await startMapProxy(ws, await freePort(), workers);
      }
      for (const clients of args.clients!.split(',').map(Number)) {
        await emptyColdCache(ws.coldDir, { quietMs: 300 });
        for (const f of readdirSync(probeDir)) rmSync(join(probeDir, f));
        truncateSync(upstream.accessLog, 0);
        const paths = cold.slice(0, requests);
        const r = await load(t.base, paths, clients);
        await sleep(1200);
        // kept per run (with --keep), to compare the upstream's time for the same bbox between servers
        copyFileSync(upstream.accessLog, join(dir, `access-${name}-${clients}.log`));
        const lat = r.latencies;
        const slowest = lat.map((ms, i) => ({ ms, i })).sort((a, b) => b.ms - a.ms).slice(0, 6);
        process.stdout.write(`\n== ${name}, ${clients} client(s): ${(paths.length / r.seconds).toFixed(1)} req/s, ${r.failed} failed\n`);
        process.stdout.write(`${row('client latency', lat)}\n`);
        process.stdout.write(`${row('  without first 4', lat.slice(4))}\n`);
        process.stdout.write(`  slowest (index: ms): ${slowest.map((s) => `${s.i}: ${s.ms.toFixed(0)}`).join(', ')}\n`);
        process.stdout.write(`  first 6 (ms): ${lat.slice(0, 6).map((ms) => ms.toFixed(0)).join(', ')}\n`);
        process.stdout.write(`${row('upstream (lighttpd)', upstreamTimes(upstream.accessLog))}\n`);
        if (name === 'mapproxy-ts') {
          for (const [stage, values] of probeStages(probeDir)) {
            if (stage.startsWith('gc')) process.stdout.write(`${row(stage, values)}  total ${values.reduce((a, b) => a + b, 0).toFixed(0)} ms\n`);
            else process.stdout.write(`${row(stage, values)}\n`);
          }
        }
      }
      await t.proc.stop();
    }
  } finally {
    await stopAll();
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
}

await main();
