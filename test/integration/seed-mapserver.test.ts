// The seed command against a real MapServer WMS (CGI), through a proxy that counts simultaneous requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { tilePath, type DirectoryLayout } from '../../src/core/cache/paths.js';
import { BBoxCoverage } from '../../src/core/geo/coverage.js';
import { tileGrid, type TileCoord } from '../../src/core/geo/grid.js';
import { MetaGrid } from '../../src/core/geo/meta-grid.js';
import { getSRS } from '../../src/core/geo/srs.js';
import { mapServerAvailable, startMapServer, type TestMapServer } from '../support/mapserver.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const LAYOUTS: DirectoryLayout[] = ['tc', 'mp', 'tms', 'quadkey', 'arcgis'];
const LEVELS = [0, 1, 2, 3, 4, 5];
const COVERAGE: [number, number, number, number] = [1, 41, 19, 59];

let mapserver: TestMapServer;
let proxy: Server;
let dir: string;
const upstream = { inFlight: 0, max: 0, count: 0, delayMs: 20 };

/** Forwards to MapServer after a short delay, counting requests at the same time. */
function startCountingProxy(target: string): Promise<string> {
  proxy = createServer((req, res) => {
    upstream.inFlight++;
    upstream.count++;
    upstream.max = Math.max(upstream.max, upstream.inFlight);
    const done = () => upstream.inFlight--;
    setTimeout(() => {
      const url = target + (req.url ?? '').replace(/^[^?]*\?/, '');
      request(url, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('end', done);
      }).on('error', () => { done(); res.writeHead(502).end(); }).end();
    }, upstream.delayMs);
  });
  return new Promise((resolve) => proxy.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}/wms?`)));
}

function resetCounts(): void {
  upstream.max = 0;
  upstream.count = 0;
}

function listFiles(d: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    if (!existsSync(p)) return;
    for (const e of readdirSync(p, { withFileTypes: true })) {
      if (e.name === 'tile_locks') continue;
      if (e.isDirectory()) walk(join(p, e.name));
      else out.push(relative(d, join(p, e.name)));
    }
  };
  walk(d);
  return out.sort();
}

const grid = tileGrid({ srs: 'EPSG:3857', origin: 'nw' });
const coverage = new BBoxCoverage(COVERAGE, getSRS('EPSG:4326'));

/** Meta tiles (2x2) of the levels whose area overlaps the coverage, found by testing every meta tile of the level. */
function expectedMetaTiles(levels: readonly number[]): TileCoord[][] {
  const meta = new MetaGrid(grid, [2, 2], 0);
  const out: TileCoord[][] = [];
  for (const z of levels) {
    const [nx, ny] = grid.gridSize(z);
    for (let x = 0; x < nx; x += 2) {
      for (let y = 0; y < ny; y += 2) {
        const m = meta.metaTile([x, y, z]);
        if (coverage.intersects(m.bbox, grid.srs)) out.push(m.tiles.map((t) => t.coord));
      }
    }
  }
  return out;
}

const expectedFiles = (layout: DirectoryLayout, cacheDir: string, levels = LEVELS): string[] =>
  expectedMetaTiles(levels).flat().map((c) => relative(cacheDir, tilePath(layout, cacheDir, c, 'png'))).sort();

function writeConfigs(wmsUrl: string): void {
  const cache = (name: string, layout: DirectoryLayout) => `
  ${name}:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [ms]
    format: image/png
    meta_size: [2, 2]
    cache: {type: file, directory_layout: ${layout}, directory: ${dir}/${name}}`;
  writeFileSync(join(dir, 'mapproxy.yaml'), `
services: {tms: }
layers: [{name: l, title: l, sources: [c_tc]}]
caches:${LAYOUTS.map((l) => cache(`c_${l}`, l)).join('')}${cache('resumed', 'tc')}
sources:
  ms:
    type: wms
    concurrent_requests: 2
    req: {url: '${wmsUrl}', layers: 'areas,lines', transparent: true}
  broken:
    type: wms
    req: {url: 'http://127.0.0.1:1/unreachable?', layers: x}
`);
  writeFileSync(join(dir, 'seed.yaml'), `
coverages:
  area: {bbox: [${COVERAGE.join(', ')}], srs: 'EPSG:4326'}
  west: {datasource: west.geojson, srs: 'EPSG:4326'}
seeds:
  layouts: {caches: [${LAYOUTS.map((l) => `c_${l}`).join(', ')}], coverages: [area], levels: {from: 0, to: 5}}
  resume: {caches: [resumed], coverages: [area], levels: {from: 0, to: 5}}
cleanups:
  west5: {caches: [c_tc], coverages: [west], levels: [5], remove_all: true}
`);
  // GeoJSON cleanup coverage: lon 1..9, lat 41..49
  writeFileSync(join(dir, 'west.geojson'), JSON.stringify({
    type: 'FeatureCollection',
    features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[1, 41], [9, 41], [9, 49], [1, 49], [1, 41]]] } }],
  }));
  writeFileSync(join(dir, 'broken.yaml'), `
services: {tms: }
layers: [{name: l, title: l, sources: [b]}]
caches:
  b: {grids: [GLOBAL_WEBMERCATOR], sources: [broken], meta_size: [2, 2], cache: {type: file, directory: ${dir}/b}}
sources:
  broken: {type: wms, http: {client_timeout: 2}, req: {url: 'http://127.0.0.1:1/unreachable?', layers: x}}
`);
  writeFileSync(join(dir, 'broken-seed.yaml'), 'seeds: {all: {caches: [b], levels: {to: 4}}}\n');
}

interface Run { code: number | null; stdout: string; stderr: string }

function runSeed(args: string[], onStart?: (child: ReturnType<typeof spawn>) => void): Promise<Run> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src/cli/main.ts'), 'seed', ...args], {
    cwd: dir, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  onStart?.(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.on('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, stdout, stderr });
  }));
}

const skip = !mapServerAvailable() ? 'mapserv not installed' : false;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'seed-mapserver-'));
  mapserver = await startMapServer();
  writeConfigs(await startCountingProxy(mapserver.url));
});

after(async () => {
  if (skip) return;
  await new Promise((r) => proxy.close(r));
  await mapserver.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('seeding a level range of a coverage: every expected tile in each layout, nothing else, concurrent_requests kept', { skip }, async () => {
  resetCounts();
  const run = await runSeed(['-f', 'mapproxy.yaml', '-s', 'seed.yaml', '--seed', 'layouts', '-c', '3', '-q']);
  assert.equal(run.code, 0, run.stderr);
  for (const layout of LAYOUTS) {
    const cacheDir = join(dir, `c_${layout}`);
    assert.deepEqual(listFiles(cacheDir), expectedFiles(layout, cacheDir), `layout ${layout}`);
  }
  const metas = expectedMetaTiles(LEVELS).length;
  assert.equal(upstream.count, metas * LAYOUTS.length, 'one upstream request per meta tile and cache');
  assert.ok(upstream.max <= 2, `at most concurrent_requests (2) at once with 3 workers, saw ${upstream.max}`);
});

test('a cleanup with a GeoJSON coverage removes exactly the tiles touching it, and empty directories', { skip }, async () => {
  const cacheDir = join(dir, 'c_tc');
  const before = listFiles(cacheDir);
  assert.ok(before.length > 0);
  const run = await runSeed(['-f', 'mapproxy.yaml', '-s', 'seed.yaml', '--cleanup', 'west5', '-q']);
  assert.equal(run.code, 0, run.stderr);
  const west = new BBoxCoverage([1, 41, 9, 49], getSRS('EPSG:4326'));
  const gone = before.filter((f) => {
    const [z, ...parts] = f.replace('.png', '').split('/').map(Number);
    const x = parts[0]! * 1e6 + parts[1]! * 1e3 + parts[2]!;
    const y = parts[3]! * 1e6 + parts[4]! * 1e3 + parts[5]!;
    return z === 5 && west.intersects(grid.tileBBox([x, y, 5]), grid.srs);
  });
  assert.ok(gone.length > 0 && gone.length < before.filter((f) => f.startsWith('05/')).length);
  assert.deepEqual(listFiles(cacheDir), before.filter((f) => !gone.includes(f)));
  const dirsLeft = readdirSync(join(cacheDir, '05', '000', '000'));
  for (const d of dirsLeft) assert.ok(readdirSync(join(cacheDir, '05', '000', '000', d)).length > 0, 'no empty directories');
});

test('an interrupted and resumed run gives the same tiles as an uninterrupted one, without redoing work', { skip }, async () => {
  resetCounts();
  upstream.delayMs = 150;
  const cacheDir = join(dir, 'resumed');
  const first = await runSeed(['-f', 'mapproxy.yaml', '-s', 'seed.yaml', '--seed', 'resume', '-c', '2', '-q'], (child) => {
    const poll = setInterval(() => {
      if (listFiles(cacheDir).length >= 8) {
        clearInterval(poll);
        child.kill('SIGINT');
      }
    }, 20);
    child.on('exit', () => clearInterval(poll));
  });
  upstream.delayMs = 20;
  assert.equal(first.code, 130, first.stderr);
  assert.match(first.stderr, /--continue/);
  assert.ok(existsSync(join(dir, '.mapproxy-ts-seed-progress.json')));
  const partial = listFiles(cacheDir).length;
  const metas = expectedMetaTiles(LEVELS).length;
  assert.ok(partial > 0 && partial < expectedFiles('tc', cacheDir).length, `interrupted part way (${partial} tiles)`);
  const firstCount = upstream.count;

  const second = await runSeed(['-f', 'mapproxy.yaml', '-s', 'seed.yaml', '--seed', 'resume', '-c', '2', '-q', '--continue']);
  assert.equal(second.code, 0, second.stderr);
  // the same files the uninterrupted run of the first test produced for each layout
  assert.deepEqual(listFiles(cacheDir), expectedFiles('tc', cacheDir));
  assert.equal(upstream.count, metas, `every meta tile requested once over both runs (first run: ${firstCount})`);
  assert.ok(!existsSync(join(dir, '.mapproxy-ts-seed-progress.json')), 'progress file removed after a complete run');
});

test('a failing upstream stops the run with a clear report instead of spinning', { skip }, async () => {
  const run = await runSeed(['-f', 'broken.yaml', '-s', 'broken-seed.yaml', '-c', '1', '-q', '--retry-delay', '0.01', '--failure-window', '6']);
  assert.equal(run.code, 3, run.stderr);
  assert.match(run.stderr, /Seeding stopped: \d+ of the last \d+ upstream attempts failed/);
  assert.match(run.stderr, /Last errors:\n {2}- .+/);
});
