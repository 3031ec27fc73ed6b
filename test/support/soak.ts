// A mixed load against the real daemon for a while, with the workers' RSS sampled throughout: cached tiles, WMS
// maps from the cache, reprojected maps, cold misses (new meta tiles from MapServer) and capabilities, as a map
// portal sends them. test/integration/soak.test.ts runs it for a minute; bench/soak.ts for twenty.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Daemon, freePort } from '../integration/daemon-support.js';
import { startMapServer, type TestMapServer } from './mapserver.js';
import { prng } from './prng.js';

export interface SoakOptions {
  durationS: number;
  /** Concurrent clients. */
  clients: number;
  sampleEveryS: number;
  dir: string;
}

export interface SoakResult {
  requests: number;
  failures: string[];
  /** By kind of request. */
  counts: Record<string, number>;
  /** [seconds since start, RSS MB of each worker slot]. */
  samples: { t: number; rssMb: number[] }[];
  workerRestarts: number;
}

/** MapProxy's defaults (paletted PNG, bicubic, 4×4 meta tiles) on the test MapServer. */
function soakConfig(ms: TestMapServer, dir: string): string {
  return `
services:
  tms: {use_grid_names: true}
  wmts:
  wms:
    srs: ['EPSG:3857', 'EPSG:4326', 'EPSG:25832']
    md: {title: soak}
layers:
  - name: areas
    title: Areas
    sources: [areas_cache]
caches:
  areas_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [ms_areas]
    meta_size: [4, 4]
    meta_buffer: 32
    cache: {type: file, directory_layout: tms, directory: ${JSON.stringify(join(dir, 'tiles'))}}
sources:
  ms_areas:
    type: wms
    req: {url: ${JSON.stringify(ms.url)}, layers: 'areas,lines,points', transparent: false}
    supported_srs: ['EPSG:3857', 'EPSG:4326']
globals:
  cache: {lock_dir: ${JSON.stringify(join(dir, 'locks'))}}
`;
}


/**
 * One request of a random kind around Europe: tiles and maps on levels 3–7, which warm up within the first part
 * of a run (cold misses first, then mostly hits), and one request in twenty a tile on level 9, mostly a cold miss
 * throughout (MapServer renders a new meta tile).
 */
function nextRequest(rnd: () => number): { kind: string; path: string } {
  const r = rnd();
  const lon = rnd() * 20;
  const lat = 40 + rnd() * 15;
  if (r < 0.45) {
    const deep = rnd() < 0.1;
    const z = deep ? 9 : 3 + Math.floor(rnd() * 5);
    const n = 2 ** z;
    const x = Math.floor(((lon + 180) / 360) * n);
    const y = Math.floor((1 - Math.log(Math.tan((lat * Math.PI) / 180) + 1 / Math.cos((lat * Math.PI) / 180)) / Math.PI) / 2 * n);
    return { kind: deep ? 'tile, level 9 (mostly cold)' : 'tile', path: `/tms/1.0.0/areas/GLOBAL_WEBMERCATOR/${z}/${x}/${n - 1 - y}.png` };
  }
  // 3–10 degrees on 512–600 px: levels 5–7.
  const span = 3 + rnd() * 7;
  if (r < 0.7) {
    const m = (v: number) => (v * 20037508.34) / 180;
    const my = (v: number) => (Math.log(Math.tan(((90 + v) * Math.PI) / 360)) / (Math.PI / 180)) * (20037508.34 / 180);
    const bbox = [m(lon), my(lat), m(lon + span), my(Math.min(lat + span / 2, 84))].map((v) => v.toFixed(1)).join(',');
    return { kind: 'wms 3857', path: `/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=areas&STYLES=&SRS=EPSG:3857&BBOX=${bbox}&WIDTH=512&HEIGHT=512&FORMAT=image/png` };
  }
  if (r < 0.93) {
    const bbox = [lon, lat, lon + span, lat + span / 2].map((v) => v.toFixed(4)).join(',');
    return { kind: 'wms 4326', path: `/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=areas&STYLES=&SRS=EPSG:4326&BBOX=${bbox}&WIDTH=600&HEIGHT=300&FORMAT=image/png` };
  }
  return rnd() < 0.5
    ? { kind: 'capabilities', path: '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0' }
    : { kind: 'capabilities', path: '/wmts/1.0.0/WMTSCapabilities.xml' };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function get(port: number, path: string): Promise<{ status: number; type: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, timeout: 60_000 }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type'] ?? ''), bytes }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', reject);
  });
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export async function soak(o: SoakOptions): Promise<SoakResult> {
  mkdirSync(o.dir, { recursive: true });
  const ms = await startMapServer();
  const port = await freePort();
  const conf = join(o.dir, 'mapproxy.yaml');
  writeFileSync(conf, soakConfig(ms, o.dir));
  const daemon = new Daemon(['serve', conf, '--bind', `127.0.0.1:${port}`, '--workers', '2', '--no-metrics']);
  const result: SoakResult = { requests: 0, failures: [], counts: {}, samples: [], workerRestarts: 0 };
  try {
    await daemon.waitFor(/worker 1 \(pid \d+\) ready/, 60_000);
    const started = Date.now();
    const end = started + o.durationS * 1000;
    const sampler = setInterval(() => {
      const pids = [...daemon.workerPids().values()];
      result.samples.push({ t: (Date.now() - started) / 1000, rssMb: pids.map(rssMb) });
    }, o.sampleEveryS * 1000);
    const client = async (id: number) => {
      const rnd = prng(1000 + id);
      while (Date.now() < end) {
        const { kind, path } = nextRequest(rnd);
        result.counts[kind] = (result.counts[kind] ?? 0) + 1;
        result.requests++;
        try {
          const res = await get(port, path);
          const wanted = kind === 'capabilities' ? /xml/ : /^image\/png/;
          if (res.status !== 200 || !wanted.test(res.type) || res.bytes === 0) {
            result.failures.push(`${path}: ${res.status} ${res.type} ${res.bytes} bytes`);
          }
        } catch (err) {
          result.failures.push(`${path}: ${(err as Error).message}`);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: o.clients }, (_, i) => client(i)));
    } finally {
      clearInterval(sampler);
    }
    result.workerRestarts = [...daemon.output.matchAll(/worker \d+ \(pid \d+\) ready/g)].length - 2;
  } finally {
    daemon.proc.kill('SIGTERM');
    await Promise.race([daemon.exited, new Promise((r) => setTimeout(r, 15_000))]);
    daemon.kill();
    await ms.stop();
  }
  return result;
}

/** The largest RSS of any worker among the samples in [from, to) of the run's duration (fractions). */
export function peakRss(r: SoakResult, from: number, to: number): number {
  const last = r.samples.at(-1)?.t ?? 0;
  const inRange = r.samples.filter((s) => s.t >= from * last && s.t < to * last + 1e-9);
  return Math.max(...inRange.flatMap((s) => s.rssMb.filter(Number.isFinite)));
}
