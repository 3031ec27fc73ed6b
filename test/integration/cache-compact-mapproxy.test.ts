// The compact cache side by side with MapProxy 1.15: the same stores give byte-identical bundles (v1 and v2);
// bundles mapproxy-seed wrote are served by us byte for byte without an upstream request, and bundles our seeder
// wrote are served by MapProxy byte for byte from a configuration whose source cannot answer; MapProxy and we
// append to one bundle at the same time and neither loses nor tears a tile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CompactCache, type CompactVersion } from '../../src/core/cache/compact-cache.js';
import { defragCompactCache } from '../../src/core/cache/compact-defrag.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { PYTHON, startReferenceMapProxy } from '../support/mapproxy-reference.js';
import { createApp, get } from '../support/our-app.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const skip = existsSync('/usr/bin/mapproxy-seed') ? false : 'MapProxy 1.15 (mapproxy-seed) not installed';
const VERSIONS: readonly CompactVersion[] = [1, 2];

let dir: string;
let upstream: FakeUpstream;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'compact-mapproxy-'));
  upstream = await startFakeUpstream();
});

after(async () => {
  if (skip) return;
  await upstream.stop();
  if (!process.env['KEEP_TEST_DIR']) rmSync(dir, { recursive: true, force: true });
});

function run(cmd: string, args: string[], cwd: string, input?: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(cmd, args, { cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  if (input !== undefined) child.stdin!.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) => child.on('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, out });
  }));
}

/** Every file below `root` but lock files (1.15 leaves its bundle locks behind, MapProxy 7 and we remove them). */
function bundleFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.endsWith('.lck'))
    .map((e) => relative(root, join(e.parentPath, e.name))).sort();
}

/** One layer per version over a compact cache of that version in `cacheRoot`, from `source`. */
function config(cacheRoot: string, source: string): string {
  return `
services: {tms: }
layers:
  - {name: v1, title: v1, sources: [c1]}
  - {name: v2, title: v2, sources: [c2]}
caches:
  c1:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [s]
    meta_size: [3, 3]
    cache: {type: compact, version: 1, directory: ${cacheRoot}/v1}
  c2:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [s]
    meta_size: [3, 3]
    cache: {type: compact, version: 2, directory: ${cacheRoot}/v2}
sources:
  s: ${source}
`;
}

// levels 0–3 whole, and at level 9 the tiles around lon/lat 0: tiles 255–256 both ways, four bundles, and meta
// tiles of 3×3 that reach across bundle borders
const SEED = `
coverages:
  centre: {bbox: [-0.5, -0.5, 0.5, 0.5], srs: 'EPSG:4326'}
seeds:
  low: {caches: [c1, c2], levels: {from: 0, to: 3}}
  centre: {caches: [c1, c2], levels: [9], coverages: [centre]}
`;

/** The seeded tiles TMS can address (its levels of GLOBAL_WEBMERCATOR start at our level 1), as [z, x, y]. */
const TILES: [number, number, number][] = [];
for (let z = 1; z <= 3; z++) for (let x = 0; x < 2 ** z; x++) for (let y = 0; y < 2 ** z; y++) TILES.push([z, x, y]);
for (const x of [255, 256]) for (const y of [255, 256]) TILES.push([9, x, y]);

/** MapProxy's TMS path of a tile of the grid (origin nw): one level less, rows counted from the south. */
const tmsPath = (version: CompactVersion, [z, x, y]: [number, number, number]): string =>
  `/tms/1.0.0/v${version}/EPSG3857/${z - 1}/${x}/${2 ** z - 1 - y}.png`;

/** Seeds `side`'s cache with its own seeder: MapProxy 1.15's mapproxy-seed, or ours. */
async function seed(side: 'mapproxy' | 'ours', cwd: string): Promise<void> {
  const result = side === 'mapproxy'
    ? await run(PYTHON, ['/usr/bin/mapproxy-seed', '-f', 'mapproxy.yaml', '-s', 'seed.yaml', '-c', '1'], cwd)
    : await run(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src/cli/main.ts'), 'seed',
      '-f', 'ours.yaml', '-s', 'seed.yaml', '-c', '2', '-q'], cwd);
  assert.equal(result.code, 0, result.out);
}

/** The bundles' contents, to show that serving only read them. */
function snapshot(root: string): Map<string, string> {
  return new Map(bundleFiles(root).map((f) => [f, createHash('md5').update(readFileSync(join(root, f))).digest('hex')]));
}

/**
 * Asks MapProxy and us for every tile of TILES from both layers: the answers must be the same bytes, and the
 * bundles must stay as the seeder left them (a tile missing there would have been created and appended).
 */
async function compareServed(cwd: string): Promise<void> {
  const seeded = snapshot(join(cwd, 'cache'));
  const reference = await startReferenceMapProxy(join(cwd, 'mapproxy.yaml'));
  const app = await createApp(join(cwd, 'ours.yaml'));
  try {
    for (const version of VERSIONS) {
      for (const tile of TILES) {
        const path = tmsPath(version, tile);
        const theirs = await fetch(reference.url + path);
        const theirBody = Buffer.from(await theirs.arrayBuffer());
        const ours = await get(app, path);
        assert.equal(theirs.status, 200, `MapProxy ${path}: ${theirBody.toString().slice(0, 300)}\n${reference.log().slice(-2000)}`);
        assert.equal(ours.status, 200, `ours ${path}: ${ours.body.toString().slice(0, 300)}`);
        assert.equal(ours.headers['content-type'], 'image/png');
        assert.ok(ours.body.equals(theirBody), `${path}: the same bytes`);
      }
    }
  } finally {
    await app.runtime.close();
    await reference.stop();
  }
  assert.deepEqual(snapshot(join(cwd, 'cache')), seeded, 'serving wrote nothing');
}

test('the same stores give byte-identical v1 and v2 bundles in MapProxy 1.15 and here', { skip }, async () => {
  // overwrites, a removal, a batch across two bundles, tiles of several levels and one of 70 kB
  const steps = [
    { store: [[5000, 1000, 12, 4000, 97]] }, { store: [[5000, 1001, 12, 6000, 98]] }, { store: [[4992, 999, 12, 1000, 99]] },
    { store: [[5000, 1001, 12, 3000, 100]] }, { store: [[0, 0, 0, 10, 101]] }, { remove: [0, 0, 0] },
    { store: [[126, 5, 8, 300, 1], [127, 5, 8, 301, 2], [128, 5, 8, 302, 3], [129, 6, 8, 70_000, 4]] },
    { store: [[0, 0, 0, 20, 5]] }, { store: [[127, 5, 8, 50, 6]] },
  ] as const;
  const script = `
import json, sys
from io import BytesIO
from mapproxy.cache.compact import CompactCacheV1, CompactCacheV2
from mapproxy.cache.tile import Tile
from mapproxy.image import ImageSource
root, steps = sys.argv[1], json.load(sys.stdin)
for version, cls in ((1, CompactCacheV1), (2, CompactCacheV2)):
    cache = cls('%s/v%d' % (root, version))
    for step in steps:
        if 'remove' in step:
            cache.remove_tile(Tile(tuple(step['remove'])))
            continue
        tiles = [Tile((x, y, z), ImageSource(BytesIO(bytes([fill]) * size))) for x, y, z, size, fill in step['store']]
        if len(tiles) == 1:
            cache.store_tile(tiles[0])
        else:
            cache.store_tiles(tiles)
`;
  const theirs = join(dir, 'bytes', 'mapproxy');
  const ours = join(dir, 'bytes', 'ours');
  const py = await run(PYTHON, ['-c', script, theirs], dir, JSON.stringify(steps));
  assert.equal(py.code, 0, py.out);
  for (const version of VERSIONS) {
    const cache = new CompactCache({ directory: join(ours, `v${version}`), version });
    for (const step of steps) {
      if ('remove' in step) await cache.remove(step.remove as unknown as [number, number, number]);
      else await cache.storeMany(step.store.map(([x, y, z, size, fill]) => ({ coord: [x, y, z] as [number, number, number], data: Buffer.alloc(size, fill) })));
    }
  }
  const expected = bundleFiles(theirs);
  assert.equal(expected.length, 2 * 4 + 4, 'v1: four bundles with an index each; v2: four bundles');
  assert.deepEqual(bundleFiles(ours), expected);
  for (const f of expected) assert.ok(readFileSync(join(ours, f)).equals(readFileSync(join(theirs, f))), `${f}: the same bytes`);

  // and defragmented by mapproxy-util's defrag_compact_cache and by ours: the same bytes again
  const defrag = `
import sys
from mapproxy.cache.compact import CompactCacheV1, CompactCacheV2
from mapproxy.script.defrag import defrag_compact_cache
for version, cls in ((1, CompactCacheV1), (2, CompactCacheV2)):
    defrag_compact_cache(cls('%s/v%d' % (sys.argv[1], version)), min_percent=0, min_bytes=0)
`;
  const pyDefrag = await run(PYTHON, ['-c', defrag, theirs], dir);
  assert.equal(pyDefrag.code, 0, pyDefrag.out);
  for (const version of VERSIONS) {
    const reports = await defragCompactCache(new CompactCache({ directory: join(ours, `v${version}`), version }), { minPercent: 0, minBytes: 0 });
    assert.equal(reports.filter((r) => r.defrag).length, 4);
  }
  const defragmented = bundleFiles(theirs).filter((f) => !f.startsWith('tmp_defrag') && !f.includes('/tmp_defrag'));
  assert.deepEqual(bundleFiles(ours), defragmented);
  for (const f of defragmented) assert.ok(readFileSync(join(ours, f)).equals(readFileSync(join(theirs, f))), `defragmented ${f}: the same bytes`);
});

test('bundles mapproxy-seed wrote are served by us byte for byte, without an upstream request', { skip }, async () => {
  const cwd = join(dir, 'mapproxy-writes');
  mkdirSync(cwd);
  writeFileSync(join(cwd, 'mapproxy.yaml'), config(join(cwd, 'cache'), '{type: debug}'));
  writeFileSync(join(cwd, 'ours.yaml'), config(join(cwd, 'cache'), `{type: wms, req: {url: '${upstream.url}', layers: ok}}`));
  writeFileSync(join(cwd, 'seed.yaml'), SEED);
  await seed('mapproxy', cwd);
  assert.ok(existsSync(join(cwd, 'cache/v1/L09/R0100C0100.bundlx')), bundleFiles(join(cwd, 'cache')).join(' '));
  assert.ok(existsSync(join(cwd, 'cache/v2/L09/R0080C0080.bundle')));
  const before = upstream.requests.length;
  await compareServed(cwd);
  assert.equal(upstream.requests.length, before, 'every tile came from the bundles');
});

test('bundles our seeder wrote are served by MapProxy 1.15 byte for byte from a source that cannot answer', { skip }, async () => {
  const cwd = join(dir, 'we-write');
  mkdirSync(cwd);
  writeFileSync(join(cwd, 'ours.yaml'), config(join(cwd, 'cache'), '{type: debug}'));
  // nothing listens on port 9 (discard): MapProxy answers with an error for any tile it would have to create
  writeFileSync(join(cwd, 'mapproxy.yaml'), config(join(cwd, 'cache'), "{type: wms, req: {url: 'http://127.0.0.1:9/wms', layers: x}}"));
  writeFileSync(join(cwd, 'seed.yaml'), SEED);
  await seed('ours', cwd);
  const files = bundleFiles(join(cwd, 'cache'));
  assert.deepEqual(files.filter((f) => f.includes('L09')), [
    'v1/L09/R0080C0080.bundle', 'v1/L09/R0080C0080.bundlx', 'v1/L09/R0080C0100.bundle', 'v1/L09/R0080C0100.bundlx',
    'v1/L09/R0100C0080.bundle', 'v1/L09/R0100C0080.bundlx', 'v1/L09/R0100C0100.bundle', 'v1/L09/R0100C0100.bundlx',
    'v2/L09/R0080C0080.bundle', 'v2/L09/R0080C0100.bundle', 'v2/L09/R0100C0080.bundle', 'v2/L09/R0100C0100.bundle',
  ]);
  await compareServed(cwd);
});

test('MapProxy 1.15 and we append to the same bundles at once: every tile whole, the header consistent', { skip }, async () => {
  const root = join(dir, 'together');
  // MapProxy writes even rows, we write odd rows, both write tile 0,0 again and again
  const script = `
import sys
from io import BytesIO
from mapproxy.cache.compact import CompactCacheV1, CompactCacheV2
from mapproxy.cache.tile import Tile
from mapproxy.image import ImageSource
root = sys.argv[1]
caches = [CompactCacheV1(root + '/v1'), CompactCacheV2(root + '/v2')]
for i in range(60):
    for cache in caches:
        cache.store_tiles([Tile((3, 2 * i, 5), ImageSource(BytesIO(bytes([i]) * (500 + i)))),
                           Tile((0, 0, 5), ImageSource(BytesIO(b'm' * 2000)))])
`;
  const worker = join(dir, 'together-writer.mts');
  writeFileSync(worker, `
import { CompactCache } from ${JSON.stringify(new URL('../../src/core/cache/compact-cache.ts', import.meta.url).href)};
const caches = [1, 2].map((version) => new CompactCache({ directory: process.argv[2] + '/v' + version, version }));
for (let i = 0; i < 60; i++) {
  for (const cache of caches) {
    await cache.storeMany([{ coord: [3, 2 * i + 1, 5], data: Buffer.alloc(700 + i, i) }, { coord: [0, 0, 5], data: Buffer.alloc(2500, 111) }]);
  }
}
`);
  const [theirs, ours] = await Promise.all([
    run(PYTHON, ['-c', script, root], dir),
    run(process.execPath, ['--import', import.meta.resolve('tsx'), worker, root], ROOT),
  ]);
  assert.equal(theirs.code, 0, theirs.out);
  assert.equal(ours.code, 0, ours.out);
  for (const version of VERSIONS) {
    const cache = new CompactCache({ directory: join(root, `v${version}`), version });
    const tiles = await cache.loadMany(Array.from({ length: 120 }, (_, row) => [3, row, 5] as [number, number, number]));
    tiles.forEach((t, row) => {
      const i = Math.floor(row / 2);
      const expected = row % 2 === 0 ? Buffer.alloc(500 + i, i) : Buffer.alloc(700 + i, i);
      assert.ok(t?.data.equals(expected), `v${version} row ${row}`);
    });
    const shared = (await cache.load([0, 0, 5]))!.data;
    assert.ok(shared.equals(Buffer.alloc(2000, 'm')) || shared.equals(Buffer.alloc(2500, 111)));
    const bundle = readFileSync(join(root, `v${version}/L05/R0000C0000.bundle`));
    // rows of 504 + i and 704 + i bytes for i < 60 (Σi = 1770), the shared tile 60 times from each side
    const appended = 60 * (504 + 704) + 2 * 1770 + 60 * (2004 + 2504);
    assert.equal(bundle.length, (version === 1 ? 60 + 128 * 128 * 4 : 64 + 128 * 128 * 8) + appended);
    assert.equal(bundle.readUInt32LE(24), bundle.length, 'the header counts every byte appended');
  }
});
