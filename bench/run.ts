// The benchmark: mapproxy-ts against MapProxy 1.15 (gunicorn), MapCache (Apache) and a bare uWS file server,
// all on one generated workspace, one upstream and one configuration. See bench/README.md.
//
//   bash bench/run.sh [--quick] [--workers N] [--only tms,wms-256] [--no-profile]
import { spawnSync } from 'node:child_process';
import { cpus, availableParallelism, loadavg, totalmem } from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BBox } from '../src/core/geo/bbox.js';
import { workspace, writeMapCacheConfig, writeMapProxyConfig, writeSeedConfig, type SeedArea } from './lib/configs.js';
import { emptyColdCache } from './lib/cold-cache.js';
import { peakRssMb, resetPeakRss, stopAll } from './lib/procs.js';
import { hotFunctions } from './lib/profile.js';
import { checkTargets, computeRatios, markdown, type BenchResults, type Measurement } from './lib/report.js';
import { buildScenarios, listTiles, seedMetaTiles, type Scenario } from './lib/scenarios.js';
import { seedWithMapProxy, seedWithOurs, upstreamAlone } from './lib/seeding.js';
import { startCeiling, startMapCache, startMapProxy, startOurs, type Target, type TargetName } from './lib/targets.js';
import { startUpstream, writeUpstreamData } from './lib/upstream.js';
import { runLoad } from './lib/wrk.js';
import { compiledRuntime, tsxRuntime } from './lib/runtime.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    workers: { type: 'string' },
    only: { type: 'string' },
    'no-profile': { type: 'boolean', default: false },
    profile: { type: 'string' },
    'keep-workspace': { type: 'boolean', default: false },
    tsx: { type: 'boolean', default: false },
  },
});

const quick = args.quick!;
const workers = Number(args.workers ?? availableParallelism());
const settings = {
  workers,
  seconds: quick ? 3 : 10,
  warmupSeconds: quick ? 1 : 2,
  connections: 32,
  threads: 2,
};
/** Europe, seeded on every level down to ~150 m/px (full) or ~600 m/px (quick). */
const seedArea: SeedArea = { bbox: [-10, 35, 30, 60], fromLevel: 0, toLevel: quick ? 8 : 10 };
/** WMS requests and cold misses stay inside, away from the seeded area's edges. */
const wmsArea: BBox = [-5, 40, 25, 57];
const utmArea: BBox = [2, 45, 16, 56];
const COLD_LEVEL = 12;

const only = args.only ? new Set(args.only.split(',')) : null;
const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function version(cmd: string, a: string[], re: RegExp): string {
  const r = spawnSync(cmd, a, { encoding: 'utf8' });
  return re.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? 'unknown';
}

/** One request before the load: the figure only counts when the server gives the right kind of answer. */
async function preflight(t: Target, s: Scenario, tileDir: string): Promise<string> {
  if (s.group === 'cold-miss') return 'ok';
  const path = s.paths[t.name]![0]!;
  try {
    const res = await fetch(t.base + path);
    const body = Buffer.from(await res.arrayBuffer());
    const type = res.headers.get('content-type') ?? '';
    if (res.status !== 200) return `status ${res.status}: ${body.subarray(0, 200).toString().replace(/\s+/g, ' ')}`;
    if (s.group === 'capabilities') return /xml/.test(type) ? 'ok' : `content-type ${type}`;
    if (!type.startsWith('image/png')) return `content-type ${type}: ${body.subarray(0, 200).toString().replace(/\s+/g, ' ')}`;
    if (s.firstTile) {
      const [x, y, z] = s.firstTile;
      const file = readFileSync(join(tileDir, String(z), String(x), `${y}.png`));
      if (!file.equals(body)) return `not the cached file's bytes (${body.length} vs ${file.length} bytes)`;
    }
    return 'ok';
  } catch (err) {
    return `request failed: ${(err as Error).message}`;
  }
}

async function measure(t: Target, workerCount: number, s: Scenario, ws: ReturnType<typeof workspace>, tileDir: string): Promise<Measurement> {
  const paths = s.paths[t.name]!;
  let check = await preflight(t, s, tileDir);
  const listFile = join(ws.dir, `paths-${t.name}-${s.id}.txt`);
  const connections = s.connections ?? settings.connections;
  const load = { base: t.base, paths, listFile, mode: s.mode, connections, threads: settings.threads, timeoutS: 30 } as const;
  const warmupPaths = s.warmupPaths?.[t.name];
  await runLoad({ ...load, ...(warmupPaths ? { paths: warmupPaths, listFile: `${listFile}.warmup` } : {}), seconds: settings.warmupSeconds });
  if (s.group === 'cold-miss') {
    // the warm-up and the preflight stored tiles: the measured requests must all miss
    const waited = await emptyColdCache(ws.coldDir);
    if (waited > 2000) log(`  ${t.name} was still storing cold tiles: waited ${(waited / 1000).toFixed(1)} s before emptying the cache`);
  }
  const pids = t.workerPids();
  for (const pid of pids) resetPeakRss(pid);
  const result = await runLoad({ ...load, seconds: settings.seconds });
  const peakRss = pids.map((pid) => peakRssMb(pid) ?? NaN);
  if (result.requests === 0 && check === 'ok') check = `no answer within ${settings.seconds} s`;
  log(`  ${s.id.padEnd(13)} ${t.name.padEnd(11)} ${result.reqPerSec.toFixed(0).padStart(7)} req/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  errors ${result.errors}  rss ${peakRss.map((v) => v.toFixed(0)).join('/')} MB${check === 'ok' ? '' : `  CHECK: ${check}`}`);
  return { target: t.name, workers: workerCount, scenario: s.id, load: result, peakRssMb: peakRss, check };
}

/** One client reading cached tiles, alone and then while 2 connections per worker ask for WMS maps. */
async function tilesUnderWms(t: Target, tiles: Scenario, wms: Scenario, ws: ReturnType<typeof workspace>): Promise<NonNullable<BenchResults['tilesUnderWms']>> {
  const base = { base: t.base, threads: 1, timeoutS: 30, mode: 'random' as const, seconds: settings.seconds };
  const tileLoad = { ...base, paths: tiles.paths['mapproxy-ts']!, listFile: join(ws.dir, 'paths-mixed-tiles.txt'), connections: 1 };
  const wmsLoad = { ...base, paths: wms.paths['mapproxy-ts']!, listFile: join(ws.dir, 'paths-mixed-wms.txt'), connections: 2 * workers, threads: settings.threads };
  await runLoad({ ...wmsLoad, seconds: settings.warmupSeconds });
  const alone = await runLoad(tileLoad);
  const [underLoad, wmsResult] = await Promise.all([runLoad(tileLoad), runLoad(wmsLoad)]);
  log(`  tiles alone p99 ${alone.p99Ms.toFixed(2)} ms, while drawing ${wms.id} p99 ${underLoad.p99Ms.toFixed(2)} ms (${wmsResult.reqPerSec.toFixed(0)} maps/s)`);
  return { wmsScenario: wms.id, alone, underLoad, wms: wmsResult };
}

async function main(): Promise<void> {
  for (const [bin, pkg] of [['wrk', 'wrk'], ['/usr/bin/mapproxy-seed', 'mapproxy'], ['/usr/bin/gunicorn', 'gunicorn'], ['/usr/sbin/apache2', 'apache2'],
    ['/usr/lib/apache2/modules/mod_mapcache.so', 'libapache2-mod-mapcache'], ['/usr/lib/cgi-bin/mapserv', 'cgi-mapserver'], ['/usr/sbin/lighttpd', 'lighttpd'], ['/usr/bin/time', 'time'], ['/usr/bin/ogr2ogr', 'gdal-bin'], ['/usr/bin/shptree', 'mapserver-bin']]) {
    if (bin.startsWith('/') ? !existsSync(bin) : false) throw new Error(`missing ${bin}: apt-get install ${pkg}`);
  }
  const rt = args.tsx ? tsxRuntime(REPO) : compiledRuntime(REPO);
  const dir = mkdtempSync(join(tmpdir(), 'mapproxy-ts-bench-'));
  if (!args['keep-workspace']) {
    leftovers.push(dir);
    if (rt.kind === 'compiled') leftovers.push(join(REPO, 'bench', '.build'));
  }
  const ws = workspace(dir);
  const results: BenchResults = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), 'memory GB': Math.round(totalmem() / 2 ** 30),
      node: process.version,
      mapproxy: version('/usr/bin/python3', ['-c', 'import mapproxy.version as v; print(v.version)'], /(\S+)/),
      mapcache: version('dpkg-query', ['-W', '-f', '${Version}', 'libapache2-mod-mapcache'], /(\S+)/),
      mapserver: version('/usr/lib/cgi-bin/mapserv', ['-v'], /MapServer version (\S+)/),
      wrk: version('wrk', ['-v'], /wrk (\S+)/),
      'load average at start': loadavg()[0]!.toFixed(2),
      'mapproxy-ts runs': rt.kind === 'tsx' ? 'TypeScript through tsx' : 'compiled with tsc',
    },
    settings,
    scenarios: [],
    measurements: [],
    scaling: [],
    ratios: [],
    targets: [],
    errors: [],
  };
  log(`workspace ${dir}; ${workers} workers; ${quick ? 'quick' : 'full'} mode`);
  if (loadavg()[0]! > 0.5) log(`note: load average ${loadavg()[0]!.toFixed(2)}: other work on this machine will move the figures`);

  // The upstream: MapServer FastCGI behind lighttpd, one process per worker.
  const mapfile = await writeUpstreamData(REPO, join(dir, 'upstream'));
  const upstream = await startUpstream(join(dir, 'upstream'), mapfile, await freePort(), workers);
  writeMapProxyConfig(ws, upstream.url);
  writeSeedConfig(ws, seedArea);
  const mapcachePort = await freePort();
  writeMapCacheConfig(ws, upstream.url, mapcachePort, workers);

  // Seeding: the upstream alone first, then mapproxy-ts, then MapProxy, whose tiles every server then reads.
  const metas = seedMetaTiles(seedArea);
  const areaText = `EPSG:4326 bbox ${seedArea.bbox.join(',')}, levels ${seedArea.fromLevel}–${seedArea.toLevel} of GLOBAL_WEBMERCATOR, meta tiles 4×4 + 32 px`;
  results.seeding = { area: areaText, concurrency: workers, errors: [] };
  if (!only || only.has('seed')) {
    log(`seeding ${metas.length} meta tiles: upstream alone`);
    try { results.seeding.upstream = await upstreamAlone(upstream.url, upstream.proc.pid, metas, workers); } catch (e) { results.seeding.errors.push(`upstream alone: ${(e as Error).message}`); }
    log('seeding: mapproxy-ts');
    try { results.seeding.ours = await seedWithOurs(rt, ws, upstream.proc.pid, workers, metas.length); } catch (e) { results.seeding.errors.push(`mapproxy-ts seed: ${(e as Error).message}`); }
  }
  log('seeding: mapproxy-seed');
  results.seeding.mapproxy = await seedWithMapProxy(ws, upstream.proc.pid, workers, metas.length);
  for (const [k, v] of Object.entries(results.seeding)) if (v && typeof v === 'object' && 'seconds' in v) log(`  ${k}: ${v.seconds.toFixed(2)} s, ${v.tiles} tiles, ${v.tilesPerSec.toFixed(0)} tiles/s`);

  const tiles = listTiles(ws.tileDir);
  if (!tiles.length) throw new Error('seeding produced no tiles');
  const scenarios = buildScenarios({ tiles, seedArea, wmsArea, utmArea, coldLevel: COLD_LEVEL }).filter((s) => !only || only.has(s.id));
  results.scenarios = scenarios.map((s) => ({ id: s.id, title: s.title, group: s.group, connections: s.connections ?? settings.connections }));

  const starters: [TargetName, () => Promise<Target>][] = [
    ['mapproxy-ts', async () => startOurs({ rt, ws, port: await freePort(), workers })],
    ['mapproxy', async () => startMapProxy(ws, await freePort(), workers)],
    ['mapcache', () => startMapCache(ws, mapcachePort)],
    ['ceiling', async () => startCeiling(rt, ws, await freePort(), workers)],
  ];
  for (const [name, start] of starters) {
    const todo = scenarios.filter((s) => s.paths[name]);
    if (!todo.length) continue;
    log(`${name}: starting`);
    let t: Target;
    try { t = await start(); } catch (e) { results.errors.push(`${name} did not start: ${(e as Error).message}`); log(`${name} did not start`); continue; }
    try {
      for (const s of todo) {
        try { results.measurements.push(await measure(t, workers, s, ws, ws.tileDir)); } catch (e) { results.errors.push(`${name} ${s.id}: ${(e as Error).message}`); }
      }
    } finally { await t.stop(); }
  }

  // Latency of cached tiles while the same daemon draws WMS maps: pixel work runs off the event loop, so a tile
  // hit should not wait behind a map.
  const tileScenario = scenarios.find((s) => s.id === 'tms');
  const wmsScenario = scenarios.find((s) => s.id === 'wms-1024x768') ?? scenarios.find((s) => s.group === 'wms-cache');
  if (tileScenario && wmsScenario) {
    try {
      const t = await startOurs({ rt, ws, port: await freePort(), workers });
      try { results.tilesUnderWms = await tilesUnderWms(t, tileScenario, wmsScenario, ws); } finally { await t.stop(); }
    } catch (e) { results.errors.push(`tiles under WMS load: ${(e as Error).message}`); }
  }

  // Scaling: mapproxy-ts with one worker on the cached-tile and WMS scenarios.
  const scaled = scenarios.filter((s) => s.group === 'cached-tiles' || s.group === 'wms-cache' || s.group === 'wms-reprojected');
  if (workers > 1 && scaled.length) {
    log('mapproxy-ts with 1 worker: starting');
    try {
      const t = await startOurs({ rt, ws, port: await freePort(), workers: 1 });
      try {
        for (const s of scaled) results.scaling.push(await measure(t, 1, s, ws, ws.tileDir));
      } finally { await t.stop(); }
    } catch (e) { results.errors.push(`scaling run: ${(e as Error).message}`); }
  }

  results.ratios = computeRatios(results, scenarios);
  results.targets = checkTargets(results, scenarios);

  // Profile mapproxy-ts on the scenario furthest below its MapProxy target (or the cached tiles if all are met).
  if (!args['no-profile']) {
    const missed = results.targets.filter((t) => t.met === false && t.scenario && t.attainment !== undefined)
      .sort((a, b) => a.attainment! - b.attainment!);
    const worst = args.profile ?? missed[0]?.scenario ?? scenarios.find((s) => s.group === 'cached-tiles')?.id;
    const s = scenarios.find((x) => x.id === worst);
    if (s) {
      log(`profiling mapproxy-ts on ${s.id}`);
      const profDir = join(dir, 'cpuprof');
      mkdirSync(profDir, { recursive: true });
      try {
        const t = await startOurs({ rt, ws, port: await freePort(), workers, cpuProfDir: profDir });
        try { await measure(t, workers, s, ws, ws.tileDir); } finally { await t.stop(10000); }
        results.profile = { scenario: s.id, ...hotFunctions(profDir, REPO, settings.seconds + 0.5) };
      } catch (e) { results.errors.push(`profile: ${(e as Error).message}`); }
    }
  }

  const outDir = join(REPO, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, quick ? 'bench-quick' : 'bench');
  writeFileSync(`${base}.json`, JSON.stringify(results, null, 2) + '\n');
  writeFileSync(`${base}.md`, markdown(results));
  log(`wrote ${base}.md and ${base}.json`);
  process.stdout.write(markdown(results));
}

/** Removed when the run ends, however it ends (unless --keep-workspace). */
const leftovers: string[] = [];
let stopping = false;
const shutdown = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await stopAll();
  for (const d of leftovers) rmSync(d, { recursive: true, force: true });
  process.exit(code);
};
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));
main().then(() => shutdown(0), async (err) => {
  log(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  await shutdown(1);
});
