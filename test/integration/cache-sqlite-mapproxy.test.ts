// The SQLite caches side by side with MapProxy 1.15: MapProxy fills mbtiles, sqlite and geopackage caches (one
// file and a file per level) from its debug source and we serve those tiles byte for byte without asking our
// upstream; we fill them and MapProxy, whose upstream does not exist, serves ours. gdalinfo opens our files.
// MapProxy 1.15 names the sqlite cache's level files <level>.mbtile, MapProxy 7 <level>.mbtiles: we write 7's
// names and use a 1.x file where it exists.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PYTHON, startReferenceMapProxy, type ReferenceMapProxy } from '../support/mapproxy-reference.js';
import { tempDir, writeConfig } from '../support/configs.js';
import { closedPort, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { createApp, get, type OurApp } from '../support/our-app.js';

interface Answer { status: number; body: Buffer; etag?: string; lastModified?: string }

const LAYERS = ['mb', 'sq', 'gp', 'gl'] as const;
/** TMS tiles of GLOBAL_WEBMERCATOR on three levels. */
const TILES = ['1/0/0', '1/1/1', '2/1/2', '2/3/0', '3/4/5'];

/** The four caches over the files in `files`, all from `source`. */
function config(files: string, source: string): string {
  return `
services: {tms: {}}
globals: {cache: {base_dir: ${files}/base}}
layers:
${LAYERS.map((l) => `  - {name: ${l}, title: ${l}, sources: [${l}_cache]}`).join('\n')}
caches:
  mb_cache: {grids: [GLOBAL_WEBMERCATOR], sources: [src], cache: {type: mbtiles, filename: ${files}/mb.mbtiles}}
  sq_cache: {grids: [GLOBAL_WEBMERCATOR], sources: [src], cache: {type: sqlite, directory: ${files}/sq}}
  gp_cache: {grids: [GLOBAL_WEBMERCATOR], sources: [src], cache: {type: geopackage, filename: ${files}/gp.gpkg, table_name: tiles_3857}}
  gl_cache: {grids: [GLOBAL_WEBMERCATOR], sources: [src], cache: {type: geopackage, levels: true, directory: ${files}/gl}}
sources:
  src: ${source}
`;
}

const DEBUG = '{type: debug}';
const wmsAt = (url: string) => `{type: wms, req: {url: '${url}', layers: ok}}`;

describe('SQLite caches side by side with MapProxy 1.15', () => {
  let dir: string;
  let upstream: FakeUpstream;
  const started: { stop(): Promise<void> }[] = [];
  const apps: OurApp[] = [];

  before(async () => {
    dir = tempDir('sqlite-mapproxy-');
    upstream = await startFakeUpstream();
  });
  after(async () => {
    for (const s of started) await s.stop();
    for (const a of apps) await a.runtime.close();
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const ours = async (app: OurApp, path: string): Promise<Answer> => {
    const r = await get(app, path);
    return { status: r.status, body: r.body, etag: r.headers['etag'], lastModified: r.headers['last-modified'] };
  };
  const theirs = async (ref: ReferenceMapProxy, path: string): Promise<Answer> => {
    const r = await fetch(ref.url + path);
    return { status: r.status, body: Buffer.from(await r.arrayBuffer()), etag: r.headers.get('etag') ?? undefined, lastModified: r.headers.get('last-modified') ?? undefined };
  };
  const startRef = async (yaml: string, name: string) => {
    const ref = await startReferenceMapProxy(writeConfig(dir, yaml, name));
    started.push(ref);
    return ref;
  };
  const startOurs = async (yaml: string, name: string) => {
    const app = await createApp(writeConfig(dir, yaml, name));
    apps.push(app);
    return app;
  };

  it('MapProxy writes, we serve the same bytes and headers without an upstream request', async () => {
    const files = join(dir, 'theirs');
    const ref = await startRef(config(files, DEBUG), 'ref-writes.yaml');
    const app = await startOurs(config(files, wmsAt(upstream.url)), 'ours-reads.yaml');
    for (const layer of LAYERS) {
      for (const t of TILES) {
        const path = `/tms/1.0.0/${layer}/EPSG3857/${t}.png`;
        const created = await theirs(ref, path);
        assert.equal(created.status, 200, `${path}: ${created.body.toString().slice(0, 300)}\n${ref.log()}`);
        const cached = await theirs(ref, path);
        const a = await ours(app, path);
        assert.equal(a.status, 200, `${path}: ${a.body.toString().slice(0, 300)}`);
        assert.ok(a.body.equals(cached.body), `${path}: the bytes MapProxy stored`);
        assert.equal(a.etag, cached.etag, `${path}: ETag`);
        assert.equal(a.lastModified, cached.lastModified, `${path}: Last-Modified`);
      }
    }
    assert.equal(upstream.requests.length, 0, 'every tile came from the files MapProxy wrote');
  });

  it('tile lock ids are MapProxy\'s (same lock files for the same meta tiles), also for ./relative file names', async () => {
    const yaml = config(join(dir, 'locks'), DEBUG).replace(/filename: [^,}]*\/mb\.mbtiles/, 'filename: ./locks/rel.mbtiles');
    const file = writeConfig(dir, yaml, 'lock-ids.yaml');
    const theirIds = JSON.parse(execFileSync(PYTHON, ['-c', `
import json, sys
from mapproxy.config.loader import load_configuration
conf = load_configuration(sys.argv[1])
print(json.dumps({name: c.caches()[0][2].cache.lock_cache_id for name, c in conf.caches.items()}))`, file], { encoding: 'utf8' })) as Record<string, string>;
    const app = await startOurs(yaml, 'lock-ids-ours.yaml');
    const ourIds = Object.fromEntries(LAYERS.map((l) => [`${l}_cache`, app.runtime.caches.get(`${l}_cache`).managers[0]!.cache.lockId]));
    assert.deepEqual(ourIds, theirIds);
  });

  it('we write, MapProxy (without a reachable upstream) serves ours; gdalinfo opens our files', async () => {
    const files = join(dir, 'ours');
    const app = await startOurs(config(files, DEBUG), 'ours-writes.yaml');
    const ref = await startRef(config(files, wmsAt(`http://127.0.0.1:${await closedPort()}/wms`)), 'ref-reads.yaml');
    const cached = new Map<string, Answer>();
    for (const layer of LAYERS) {
      for (const t of TILES) {
        const path = `/tms/1.0.0/${layer}/EPSG3857/${t}.png`;
        assert.equal((await ours(app, path)).status, 200);
        cached.set(path, await ours(app, path));
      }
    }
    for (const [file, driver] of [['mb.mbtiles', 'MBTiles'], ['gp.gpkg', 'GPKG'], ['gl/GLOBAL_WEBMERCATOR/2.gpkg', 'GPKG'], ['sq/GLOBAL_WEBMERCATOR/3.mbtiles', 'MBTiles']] as const) {
      const info = execFileSync('gdalinfo', [join(files, file)], { encoding: 'utf8' });
      assert.match(info, new RegExp(`Driver: ${driver}/`), file);
    }
    // MapProxy 7 (and we) name the sqlite cache's level files <level>.mbtiles, 1.x <level>.mbtile: the same files
    for (const f of readdirSync(join(files, 'sq/GLOBAL_WEBMERCATOR'))) {
      if (f.endsWith('.mbtiles')) renameSync(join(files, 'sq/GLOBAL_WEBMERCATOR', f), join(files, 'sq/GLOBAL_WEBMERCATOR', f.replace(/s$/, '')));
    }
    for (const layer of LAYERS) {
      for (const t of TILES) {
        const path = `/tms/1.0.0/${layer}/EPSG3857/${t}.png`;
        const ourTile = cached.get(path)!;
        const b = await theirs(ref, path);
        assert.equal(b.status, 200, `${path}: ${b.body.toString().slice(0, 300)}\n${ref.log()}`);
        assert.ok(b.body.equals(ourTile.body), `${path}: MapProxy serves the bytes we stored`);
        assert.equal(b.etag, ourTile.etag, `${path}: ETag`);
        assert.equal(b.lastModified, ourTile.lastModified, `${path}: Last-Modified`);
      }
    }
  });
});
