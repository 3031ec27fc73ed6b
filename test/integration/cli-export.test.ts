import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { parseLevels, runExport } from '../../src/cli/util/export-command.js';

/*
 * export copies a cache into another store type through the cache registry: file → mbtiles → geopackage → compact →
 * file, every tile byte for byte, and the mbtiles of `mapproxy-util export` (MapProxy 1.15) holds the same rows.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HAVE_MAPPROXY = existsSync('/usr/bin/mapproxy-util');

/**
 * A file cache (tc layout) with a few distinct tiles, and a configuration for each store to read it back. The
 * exported cache is named `export`, as in MapProxy, so a GeoPackage table is `export_<grid>`.
 */
/** A file cache (tc layout) with a few distinct tiles, and a configuration for each store to read it back. */
function setup(): { dir: string; tiles: Map<string, Buffer> } {
  const dir = mkdtempSync(join(tmpdir(), 'export-'));
  const tiles = new Map<string, Buffer>();
  for (const [z, x, y] of [[0, 0, 0], [1, 0, 0], [1, 1, 1], [2, 1, 2], [2, 3, 3]] as const) {
    const d = join(dir, 'cache_data', String(z).padStart(2, '0'), '000', '000', String(x).padStart(3, '0'), '000', '000');
    mkdirSync(d, { recursive: true });
    // distinct bytes per tile (the store does not decode them)
    const data = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from(`tile ${z}/${x}/${y}`)]);
    writeFileSync(join(d, `${String(y).padStart(3, '0')}.png`), data);
    tiles.set(`${z}/${x}/${y}`, data);
  }
  const config = (cache: string) => `services:\n  tms:\nlayers:\n  - name: osm\n    title: OSM\n    sources: [osm_cache]\ncaches:\n  osm_cache:\n    grids: [GLOBAL_WEBMERCATOR]\n    sources: []\n    cache:\n${cache}`;
  writeFileSync(join(dir, 'mapproxy.yaml'), config('      type: file\n      directory: ./cache_data\n'));
  writeFileSync(join(dir, 'from-mbtiles.yaml'), config('      type: mbtiles\n      filename: ./out.mbtiles\n'));
  writeFileSync(join(dir, 'from-gpkg.yaml'), config('      type: geopackage\n      filename: ./out.gpkg\n      table_name: export_GLOBAL_WEBMERCATOR\n'));
  writeFileSync(join(dir, 'from-compact.yaml'), config('      type: compact\n      version: 2\n      directory: ./compact\n'));
  return { dir, tiles };
}

async function exportTo(dir: string, conf: string, type: string, dest: string): Promise<string[]> {
  const out: string[] = [];
  const err: string[] = [];
  const prev = process.cwd();
  process.chdir(dir);
  try {
    const code = await runExport({ mapproxyConf: join(dir, conf), source: 'osm_cache', grid: 'GLOBAL_WEBMERCATOR', dest, type, levels: '0..3' },
      { out: (s) => out.push(s), err: (s) => err.push(s) });
    assert.equal(code, 0, err.join('\n'));
  } finally {
    process.chdir(prev);
  }
  return out;
}

/** Tiles of an MBTiles file as z/x/y (rows counted from the south, as the grid). */
function mbtilesTiles(file: string): Map<string, Buffer> {
  const db = new Database(file, { readonly: true });
  const rows = db.prepare('SELECT zoom_level z, tile_column x, tile_row y, tile_data d FROM tiles').all() as { z: number; x: number; y: number; d: Buffer }[];
  db.close();
  return new Map(rows.map((r) => [`${r.z}/${r.x}/${r.y}`, Buffer.from(r.d)]));
}

test('MapProxy level lists', () => {
  assert.deepEqual(parseLevels('1..6, 8, 9, 13..14'), [1, 2, 3, 4, 5, 6, 8, 9, 13, 14]);
  assert.deepEqual(parseLevels('3,1,3'), [1, 3]);
  assert.throws(() => parseLevels('1-3'), /invalid level/);
});

test('file → mbtiles → geopackage → compact → tms directory: every tile byte-identical', async () => {
  const { dir, tiles } = setup();
  const lines = await exportTo(dir, 'mapproxy.yaml', 'mbtile', 'out.mbtiles');
  assert.deepEqual(lines.slice(0, 3), [
    "Exporting cache 'osm_cache' to 'out.mbtiles' with grid 'GLOBAL_WEBMERCATOR' in EPSG:3857",
    '  Limited to: -180.00000, -85.05113, 180.00000, 85.05113 (EPSG:4326)',
    '  Levels: [0, 1, 2, 3]',
  ]);
  assert.match(lines.at(-1)!, /^5 tiles exported, 80 not in the cache$/);
  assert.deepEqual(mbtilesTiles(join(dir, 'out.mbtiles')), tiles);

  for (const [conf, type, dest] of [['from-mbtiles.yaml', 'geopackage', 'out.gpkg'], ['from-gpkg.yaml', 'compact-v2', 'compact'], ['from-compact.yaml', 'tms', 'tms']]) {
    assert.equal((await exportTo(dir, conf!, type!, dest!)).at(-1), '5 tiles exported, 80 not in the cache', `${conf} → ${type}`);
  }
  const back = new Map<string, Buffer>();
  for (const z of readdirSync(join(dir, 'tms'))) {
    for (const x of readdirSync(join(dir, 'tms', z))) {
      for (const f of readdirSync(join(dir, 'tms', z, x))) back.set(`${z}/${x}/${f.replace('.png', '')}`, readFileSync(join(dir, 'tms', z, x, f)));
    }
  }
  assert.deepEqual(back, tiles);
});

test('an existing destination needs --force; unknown types and sources are refused', async () => {
  const { dir } = setup();
  await exportTo(dir, 'mapproxy.yaml', 'mbtile', 'out.mbtiles');
  const err: string[] = [];
  const base = { mapproxyConf: join(dir, 'mapproxy.yaml'), source: 'osm_cache', grid: 'GLOBAL_WEBMERCATOR', levels: '0' };
  assert.equal(await runExport({ ...base, dest: join(dir, 'out.mbtiles'), type: 'mbtile' }, { out: () => {}, err: (s) => err.push(s) }), 2);
  assert.match(err.pop()!, /destination exists, remove first or use --force/);
  assert.equal(await runExport({ ...base, dest: join(dir, 'x'), type: 'tape' }, { out: () => {}, err: (s) => err.push(s) }), 2);
  assert.match(err.pop()!, /unsupported --type tape/);
  assert.equal(await runExport({ ...base, dest: join(dir, 'x'), levels: '0..40' }, { out: () => {}, err: (s) => err.push(s) }), 2);
  assert.match(err.pop()!, /destination grid only has 20 levels/);
});

test('the same MBTiles rows as mapproxy-util export of MapProxy 1.15', { skip: !HAVE_MAPPROXY && 'MapProxy not installed' }, async () => {
  const { dir } = setup();
  await exportTo(dir, 'mapproxy.yaml', 'mbtile', join(dir, 'ours.mbtiles'));
  // MapProxy resolves a relative --dest against the cache base_dir: give it an absolute one
  const code = await new Promise<number | null>((resolve) => {
    const p = spawn('/usr/bin/mapproxy-util', ['export', '-f', 'mapproxy.yaml', '--grid', 'GLOBAL_WEBMERCATOR', '--source', 'osm_cache',
      '--dest', join(dir, 'theirs.mbtiles'), '--type', 'mbtile', '--levels', '0..3', '-q', '-q'], { cwd: dir, stdio: 'ignore' });
    p.on('close', resolve);
  });
  assert.equal(code, 0);
  assert.deepEqual(mbtilesTiles(join(dir, 'ours.mbtiles')), mbtilesTiles(join(dir, 'theirs.mbtiles')));
  void ROOT;
});
