// Cached tiles per cache backend, side by side: the same tiles seeded into every backend by `mapproxy-ts seed`,
// then served by mapproxy-ts (and by MapProxy 1.15 under gunicorn, for the backends it has) under the same
// load. Reports WMTS tiles/s per backend, as a ratio to our file cache and to MapProxy on the same store, and
// how long seeding took per backend. Real servers only: redis-server, s3rver, azurite, pouchdb-server.
//
//   node --import tsx bench/cache-backends.ts [--quick] [--workers N] [--seconds S] [--tsx] [--keep-workspace]
//
// Writes bench/results/cache-backends[-quick].md and .json.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startAzurite } from '../test/support/azurite-server.js';
import { startCouchDBServer } from '../test/support/couchdb-server.js';
import { freePort, startRedisServer } from '../test/support/redis-server.js';
import { S3RVER_CREDENTIALS, startS3Server } from '../test/support/s3-server.js';
import { prng } from '../test/support/prng.js';
import { GRID, sourcesAndGlobals, workspace, type Workspace } from './lib/configs.js';
import { run, stopAll } from './lib/procs.js';
import { compiledRuntime, tsxRuntime, type Runtime } from './lib/runtime.js';
import { listTiles } from './lib/scenarios.js';
import { startMapProxy, startOurs, type Target } from './lib/targets.js';
import { startUpstream, writeUpstreamData } from './lib/upstream.js';
import { runLoad, type LoadResult } from './lib/wrk.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    workers: { type: 'string' },
    seconds: { type: 'string' },
    tsx: { type: 'boolean', default: false },
    'keep-workspace': { type: 'boolean', default: false },
  },
});
const quick = args.quick ?? false;
const workers = Number(args.workers ?? availableParallelism());
const seconds = Number(args.seconds ?? (quick ? 4 : 10));
const SEED = { bbox: [-10, 35, 30, 60], fromLevel: 0, toLevel: quick ? 6 : 8 };
const log = (s: string) => process.stderr.write(`${s}\n`);

/** One backend under test: its `cache:` block, and whether MapProxy 1.15 has it. */
interface Backend {
  readonly id: string;
  readonly title: string;
  readonly cache: string;
  readonly mapproxy: boolean;
}

interface Servers {
  redisPort: number;
  s3Endpoint: string;
  azure: string;
  couchUrl: string;
}

function backends(dir: string, s: Servers): Backend[] {
  const s3 = `type: s3\n      bucket_name: tiles\n      endpoint_url: ${s.s3Endpoint}\n      directory: bench/s3`;
  return [
    { id: 'file', title: 'file (tms layout)', mapproxy: true, cache: `type: file\n      directory_layout: tms\n      directory: ${join(dir, 'file')}` },
    { id: 'mbtiles', title: 'mbtiles', mapproxy: true, cache: `type: mbtiles\n      filename: ${join(dir, 'tiles.mbtiles')}` },
    { id: 'sqlite', title: 'sqlite (a file per level)', mapproxy: true, cache: `type: sqlite\n      directory: ${join(dir, 'sqlite')}` },
    { id: 'geopackage', title: 'geopackage', mapproxy: true, cache: `type: geopackage\n      filename: ${join(dir, 'tiles.gpkg')}` },
    { id: 'compact1', title: 'compact v1', mapproxy: true, cache: `type: compact\n      version: 1\n      directory: ${join(dir, 'compact1')}` },
    { id: 'compact2', title: 'compact v2', mapproxy: true, cache: `type: compact\n      version: 2\n      directory: ${join(dir, 'compact2')}` },
    { id: 'redis', title: 'redis', mapproxy: true, cache: `type: redis\n      port: ${s.redisPort}\n      default_ttl: 0\n      prefix: bench` },
    { id: 's3', title: 's3 (s3rver)', mapproxy: true, cache: s3 },
    { id: 'azureblob', title: 'azureblob (azurite)', mapproxy: false, cache: `type: azureblob\n      container_name: tiles\n      connection_string: "${s.azure}"` },
    { id: 'couchdb', title: 'couchdb (pouchdb-server)', mapproxy: true, cache: `type: couchdb\n      url: ${s.couchUrl}\n      db_name: tiles` },
    {
      id: 'tiered', title: 'tiered: file in front of s3', mapproxy: false,
      cache: `type: tiered\n      tiers:\n        - type: file\n          directory_layout: tms\n          directory: ${join(dir, 'tier-file')}\n        - ${s3.replace('bench/s3', 'bench/tiered').replace(/\n      /g, '\n          ')}`,
    },
  ];
}

function writeMapProxyYaml(ws: Workspace, upstreamUrl: string, list: readonly Backend[], file: string): void {
  const caches = list.map((b) => `  c_${b.id}:
    grids: [${GRID}]
    sources: [world_wms]
    format: image/png
    meta_size: [4, 4]
    meta_buffer: 32
    cache:
      ${b.cache}
`).join('');
  const layers = list.map((b) => `  - name: ${b.id}\n    title: ${JSON.stringify(b.title)}\n    sources: [c_${b.id}]\n`).join('');
  writeFileSync(file, `# Written by bench/cache-backends.ts
services:
  tms:
    use_grid_names: true
  wmts:
    restful: true
    kvp: false
layers:
${layers}
caches:
${caches}
${sourcesAndGlobals(ws, upstreamUrl, ['EPSG:3857'])}`);
}

/** One seed task per backend, so each is timed on its own. */
function writeSeedYaml(ws: Workspace, list: readonly Backend[]): void {
  const seeds = list.map((b) => `  s_${b.id}:
    caches: [c_${b.id}]
    grids: [${GRID}]
    coverages: [area]
    levels: {from: ${SEED.fromLevel}, to: ${SEED.toLevel}}
`).join('');
  writeFileSync(ws.seedYaml, `seeds:\n${seeds}\ncoverages:\n  area:\n    bbox: [${SEED.bbox.join(', ')}]\n    srs: 'EPSG:4326'\n`);
}

async function seedBackend(rt: Runtime, ws: Workspace, id: string): Promise<number> {
  const t0 = performance.now();
  await run(process.execPath, [...rt.nodeArgs, rt.cli, 'seed', '-f', ws.mapproxyYaml, '-s', ws.seedYaml, '-c', String(workers), '-q', '-q', '--seed', `s_${id}`],
    { cwd: ws.dir, env: { ...process.env, NODE_ENV: 'production' } });
  return (performance.now() - t0) / 1000;
}

async function fetchTile(base: string, path: string): Promise<Buffer | string> {
  const res = await fetch(base + path);
  const body = Buffer.from(await res.arrayBuffer());
  return res.status === 200 && res.headers.get('content-type') === 'image/png' ? body : `${res.status} ${body.subarray(0, 200).toString()}`;
}

interface Row {
  backend: string;
  title: string;
  seedSeconds?: number;
  ours?: LoadResult;
  mapproxy?: LoadResult;
  errors: string[];
}

async function measure(t: Target, list: readonly Backend[], paths: (id: string) => string[], reference: Map<string, Buffer>, rows: Map<string, Row>, key: 'ours' | 'mapproxy', dir: string): Promise<void> {
  for (const b of list) {
    const row = rows.get(b.id)!;
    const p = paths(b.id);
    // the same bytes as our file cache holds, before any load
    for (const probe of p.slice(0, 5)) {
      const got = await fetchTile(t.base, probe);
      const want = reference.get(probe.split('/').slice(3).join('/'));
      if (typeof got === 'string') row.errors.push(`${key} ${probe}: ${got}`);
      else if (want && !got.equals(want)) row.errors.push(`${key} ${probe}: not the bytes of the file cache`);
    }
    const load = { base: t.base, paths: p, listFile: join(dir, `paths-${b.id}.txt`), mode: 'random' as const, connections: 32, threads: 2, timeoutS: 30 };
    await runLoad({ ...load, seconds: 1 });
    const r = await runLoad({ ...load, seconds });
    row[key] = r;
    if (r.errors) row.errors.push(`${key}: ${r.errors} failed requests (${JSON.stringify(r.errorDetail)})`);
    log(`  ${key} ${b.id}: ${r.reqPerSec.toFixed(0)} tiles/s, p99 ${r.p99Ms.toFixed(1)} ms`);
  }
}

function report(rows: Row[], machine: Record<string, string | number>): string {
  const fmt = (n: number | undefined, d = 0) => (n === undefined ? '–' : n.toFixed(d));
  const fileRate = rows.find((r) => r.backend === 'file')?.ours?.reqPerSec;
  const L: string[] = [];
  L.push(`# Cached tiles per cache backend${quick ? ' (quick)' : ''}`, '');
  L.push(`${new Date().toISOString()}; ${Object.entries(machine).map(([k, v]) => `${k} ${v}`).join('; ')}.`, '');
  L.push(`The same tiles (Europe, EPSG:4326 bbox ${SEED.bbox.join(',')}, levels ${SEED.fromLevel}–${SEED.toLevel} of GLOBAL_WEBMERCATOR, ` +
    `MapServer upstream, meta tiles 4×4) seeded into every backend by \`mapproxy-ts seed -c ${workers}\`, then WMTS REST tiles at random ` +
    `for ${seconds} s with wrk (2 threads, 32 connections), ${workers} workers for each server. MapProxy 1.15 runs under gunicorn with ` +
    `${workers} sync workers and reads the stores mapproxy-ts wrote. The S3, Azure and CouchDB servers are the test servers the ` +
    'suite uses (s3rver, azurite, pouchdb-server: single JavaScript processes on this machine), so those rows measure those servers ' +
    'as much as the backends; compare mapproxy-ts with MapProxy on the same server rather than with the file cache.', '');
  L.push('| backend | mapproxy-ts tiles/s | vs our file cache | p99 ms | MapProxy 1.15 tiles/s | mapproxy-ts / MapProxy | seeding s |');
  L.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const ours = r.ours?.reqPerSec;
    const mp = r.mapproxy?.reqPerSec;
    L.push(`| ${r.title} | ${fmt(ours)} | ${ours && fileRate ? `${(ours / fileRate).toFixed(2)}×` : '–'} | ${fmt(r.ours?.p99Ms, 1)} | ` +
      `${fmt(mp)} | ${ours && mp ? `${(ours / mp).toFixed(2)}×` : '–'} | ${fmt(r.seedSeconds, 1)} |`);
  }
  const errors = rows.flatMap((r) => r.errors.map((e) => `${r.backend}: ${e}`));
  if (errors.length) L.push('', '## Errors', '', ...errors.map((e) => `- ${e}`));
  return L.join('\n') + '\n';
}

async function main(): Promise<void> {
  const rt = args.tsx ? tsxRuntime(REPO) : compiledRuntime(REPO);
  const dir = mkdtempSync(join(tmpdir(), 'mapproxy-ts-bench-caches-'));
  const ws = workspace(dir);
  const stores = join(dir, 'stores');
  mkdirSync(stores);
  log(`workspace ${dir}; ${workers} workers`);
  const redis = await startRedisServer();
  const s3 = await startS3Server({ buckets: ['tiles'] });
  const azurite = await startAzurite();
  const couch = await startCouchDBServer();
  const cleanups: (() => Promise<unknown>)[] = [() => redis.close(), () => s3.remove(), () => azurite.remove(), () => couch.close()];
  try {
    // MapProxy's azureblob cache expects its container (as its S3 cache expects the bucket)
    const { BlobServiceClient } = await import('@azure/storage-blob');
    await BlobServiceClient.fromConnectionString(azurite.connectionString()).createContainer('tiles');
    const mapfile = await writeUpstreamData(REPO, join(dir, 'upstream'));
    const upstream = await startUpstream(join(dir, 'upstream'), mapfile, await freePort(), workers);
    const list = backends(stores, { redisPort: redis.port, s3Endpoint: s3.endpoint, azure: azurite.connectionString(), couchUrl: couch.url });
    writeMapProxyYaml(ws, upstream.url, list, ws.mapproxyYaml);
    writeSeedYaml(ws, list);
    // MapProxy 1.15 gets the same file without the backends it lacks (it would refuse the whole file)
    const mapproxyWs = { ...ws, mapproxyYaml: join(dir, 'mapproxy-1.15.yaml') };
    writeMapProxyYaml(mapproxyWs, upstream.url, list.filter((b) => b.mapproxy), mapproxyWs.mapproxyYaml);

    const env = { AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1' };
    Object.assign(process.env, env); // our seeder and daemon (the SDK's default chain) and MapProxy's boto3 read them from the environment
    const rows = new Map<string, Row>(list.map((b) => [b.id, { backend: b.id, title: b.title, errors: [] }]));
    for (const b of list) {
      log(`seeding ${b.id}`);
      try {
        rows.get(b.id)!.seedSeconds = await seedBackend(rt, ws, b.id);
      } catch (e) {
        rows.get(b.id)!.errors.push(`seeding: ${(e as Error).message.slice(-800)}`);
        log(`  seeding ${b.id} failed: ${(e as Error).message.slice(-800)}`);
      }
    }
    const tiles = listTiles(join(stores, 'file')).filter((c) => c[2] >= 1);
    if (!tiles.length) throw new Error('seeding the file cache produced no tiles');
    const rnd = prng(7);
    const sample = tiles.map((c) => ({ c, k: rnd() })).sort((a, b) => a.k - b.k).map((x) => x.c);
    const paths = (id: string) => sample.map((c) => `/wmts/${id}/${GRID}/${c[2]}/${c[0]}/${c[1]}.png`);
    // The file cache's bytes of the first tiles asked, keyed by the path after /wmts/<layer>/
    const reference = new Map<string, Buffer>();
    for (const c of sample.slice(0, 5)) {
      // tms layout of a grid with its origin at the top: z/x/y.png with the grid's own y
      const f = join(stores, 'file', String(c[2]), String(c[0]), `${c[1]}.png`);
      if (existsSync(f)) reference.set(`${GRID}/${c[2]}/${c[0]}/${c[1]}.png`, readFileSync(f));
    }

    log('serving: mapproxy-ts');
    const ours = await startOurs({ rt, ws, port: await freePort(), workers });
    try {
      await measure(ours, list, paths, reference, rows, 'ours', dir);
    } finally {
      await ours.stop();
    }
    // MapProxy 1.15 names sqlite level files <level>.mbtile (7 and we: .mbtiles): link ours under its names
    for (const grid of readdirSync(join(stores, 'sqlite'))) {
      for (const f of readdirSync(join(stores, 'sqlite', grid))) {
        if (f.endsWith('.mbtiles')) symlinkSync(f, join(stores, 'sqlite', grid, f.slice(0, -1)));
      }
    }
    log('serving: MapProxy 1.15');
    try {
      const mp = await startMapProxy(mapproxyWs, await freePort(), workers);
      try {
        await measure(mp, list.filter((b) => b.mapproxy), paths, reference, rows, 'mapproxy', dir);
      } finally {
        await mp.stop();
      }
    } catch (e) {
      rows.get('file')!.errors.push(`MapProxy 1.15: ${(e as Error).message.slice(0, 1000)}`);
    }

    const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), node: process.version, 'load average at start': loadavg()[0]!.toFixed(2) };
    const md = report([...rows.values()], machine);
    const name = quick ? 'cache-backends-quick' : 'cache-backends';
    writeFileSync(join(REPO, 'bench/results', `${name}.md`), md);
    writeFileSync(join(REPO, 'bench/results', `${name}.json`), JSON.stringify({ date: new Date().toISOString(), machine, workers, seconds, seed: SEED, rows: [...rows.values()] }, null, 2) + '\n');
    process.stdout.write(md);
  } finally {
    await stopAll();
    for (const c of cleanups) await c().catch(() => {});
    if (!args['keep-workspace']) {
      rmSync(dir, { recursive: true, force: true });
      if (rt.kind === 'compiled') rmSync(join(REPO, 'bench', '.build'), { recursive: true, force: true });
    }
  }
}

main().then(() => process.exit(0), (e: unknown) => {
  log(`bench failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
