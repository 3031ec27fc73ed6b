// The couchdb cache against pouchdb-server (CouchDB's HTTP API, in memory): MapProxy's document ids, metadata and
// `tile` attachment, the database created on first store, meta tiles in one _bulk_docs with revisions on
// overwrite, times from the document, an unreachable server, seeding and cleanup, and MapProxy 1.15 reading our
// tiles and we reading its tiles from the same database.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { CouchDBCache } from '../../src/core/cache/couchdb-cache.js';
import { CacheWriteError } from '../../src/core/cache/cache-write-error.js';
import { DEFAULT_GRIDS, tileGrid, type TileCoord } from '../../src/core/geo/grid.js';
import { getSRS } from '../../src/core/geo/srs.js';
import { closedPort } from '../support/fake-upstream.js';
import { startReferenceMapProxy, PYTHON } from '../support/mapproxy-reference.js';
import { configuredCaches, exchangeTilesWithMapProxy, networkCacheSetup, type NetworkCacheSetup } from '../support/network-cache-setup.js';
import { startCouchDBServer, type CouchDBServer } from '../support/couchdb-server.js';

const png = (n: number) => Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(n, n & 0xff)]);
const grid = tileGrid({ ...DEFAULT_GRIDS.GLOBAL_WEBMERCATOR, name: 'GLOBAL_WEBMERCATOR' });

let couch: CouchDBServer;
before(async () => {
  couch = await startCouchDBServer();
});
after(async () => couch.close());

/** A document as CouchDB has it, with its attachment inlined. */
async function rawDoc(db: string, id: string): Promise<{ status: number; doc: Record<string, unknown> }> {
  const res = await fetch(`${couch.url}/${db}/${encodeURIComponent(id)}?attachments=true`, { headers: { accept: 'application/json' } });
  return { status: res.status, doc: (await res.json()) as Record<string, unknown> };
}

const attachment = (doc: Record<string, unknown>) => (doc['_attachments'] as Record<string, { content_type: string; data: string }>)['tile']!;

describe('couchdb cache', () => {
  it('creates its database on the first store and writes MapProxy\'s documents; loads, times, overwrites, removes', async () => {
    const c = new CouchDBCache({ url: couch.url + '/', dbName: 'Tiles_EPSG3857', fileExt: 'png', grid });
    try {
      assert.equal((await fetch(`${couch.url}/tiles_epsg3857`)).status, 404);
      assert.equal(await c.load([1, 2, 3]), null, 'a missing database is an empty cache');
      const coords: TileCoord[] = [[0, 0, 1], [1, 0, 1], [0, 1, 1], [1, 1, 1]];
      const t0 = Date.now() / 1000;
      await c.storeMany(coords.map((coord, i) => ({ coord, data: png(10 + i) })));
      assert.equal((await fetch(`${couch.url}/tiles_epsg3857`)).status, 200, 'the database is created, its name in lower case');

      const { doc } = await rawDoc('tiles_epsg3857', 'GLOBAL_WEBMERCATOR-1-1-0');
      assert.deepEqual(Object.keys(doc).filter((k) => k !== '_rev').sort(), ['_attachments', '_id', 'timestamp']);
      assert.equal(doc['_id'], 'GLOBAL_WEBMERCATOR-1-1-0');
      assert.equal(attachment(doc).content_type, 'image/png');
      assert.deepEqual(Buffer.from(attachment(doc).data, 'base64'), png(11));
      const ts = doc['timestamp'] as number;
      assert.ok(ts >= t0 - 0.01 && ts <= Date.now() / 1000, `seconds since the epoch: ${ts}`);

      const loaded = await c.loadMany([...coords, [5, 5, 5]]);
      assert.deepEqual(loaded.map((t) => t?.data), [png(10), png(11), png(12), png(13), undefined]);
      assert.equal(loaded[1]!.timestamp, ts);
      assert.deepEqual(await c.load([1, 0, 1]), { data: png(11), timestamp: ts, size: 19 });
      assert.equal(await c.timestamp([1, 0, 1]), ts);
      assert.equal(await c.timestamp([5, 5, 5]), null);
      assert.equal(await c.isCached([0, 1, 1]), true);

      // an overwrite meets a conflict, reads the revisions and posts again: new data, a new revision
      await c.storeMany([{ coord: [1, 0, 1], data: png(50) }, { coord: [2, 2, 2], data: png(51) }]);
      const again = await rawDoc('tiles_epsg3857', 'GLOBAL_WEBMERCATOR-1-1-0');
      assert.match(String(again.doc['_rev']), /^2-/);
      assert.deepEqual((await c.load([1, 0, 1]))?.data, png(50));
      assert.deepEqual((await c.load([2, 2, 2]))?.data, png(51));

      await c.remove([1, 0, 1]);
      assert.equal(await c.load([1, 0, 1]), null);
      await c.removeMany([[0, 0, 1], [0, 1, 1], [9, 9, 9]]);
      assert.deepEqual((await c.loadMany(coords)).map((t) => t !== null), [false, false, false, true]);
      await c.store([1, 0, 1], png(60));
      assert.deepEqual((await c.load([1, 0, 1]))?.data, png(60), 'a removed tile can be stored again');
      assert.equal(c.tileName([1, 0, 1]), `${couch.url}/tiles_epsg3857/GLOBAL_WEBMERCATOR-1-1-0`);

      // a database deleted while we run is created again by the next store
      assert.equal((await fetch(`${couch.url}/tiles_epsg3857`, { method: 'DELETE' })).status, 200);
      assert.equal(await c.load([1, 0, 1]), null);
      await c.store([1, 0, 1], png(61));
      assert.deepEqual((await c.load([1, 0, 1]))?.data, png(61));
    } finally {
      await c.close();
    }
  });

  it('two writers storing the same meta tile at once: both succeed, each tile is one of theirs, whole', async () => {
    const a = new CouchDBCache({ url: couch.url, dbName: 'race', fileExt: 'png', grid });
    const b = new CouchDBCache({ url: couch.url, dbName: 'race', fileExt: 'png', grid });
    try {
      const coords: TileCoord[] = [[0, 0, 2], [1, 0, 2], [0, 1, 2], [1, 1, 2]];
      for (let round = 0; round < 3; round++) {
        await Promise.all([
          a.storeMany(coords.map((coord) => ({ coord, data: png(20 + round) }))),
          b.storeMany(coords.map((coord) => ({ coord, data: png(40 + round) }))),
        ]);
        for (const t of await a.loadMany(coords)) assert.ok([png(20 + round), png(40 + round)].some((d) => d.equals(t!.data)));
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('reads MapProxy\'s options: url with credentials, db_name per grid, tile_id, tile_metadata; the lock id is MapProxy\'s', async () => {
    const caches = `
  a: {grids: [GLOBAL_WEBMERCATOR, GLOBAL_GEODETIC], sources: [], cache: {type: couchdb}}
  b:
    grids: [GLOBAL_WEBMERCATOR]
    sources: []
    cache:
      type: couchdb
      url: 'http://admin:secret@127.0.0.1:${couch.port}'
      db_name: mytiles
      tile_id: '%(couch_url)s/t-%(z)d-%(x)d-%(y)d'
      tile_metadata: {tile_col: '{{x}}', created_ts: '{{timestamp}}', mydata: myvalue}
`;
    assert.throws(() => configuredCaches(`${caches}  bad: {grids: [GLOBAL_WEBMERCATOR], sources: [], cache: {type: couchdb, tile_metadata: {a: '{{nope}}'}}}\n`),
      /caches\.bad\.cache\.tile_metadata: unknown tile_metadata value '\{\{nope\}\}'/);
    const conf = configuredCaches(caches);
    const b = conf.open('b') as CouchDBCache;
    const open = conf.open('b', { ...(conf.options('b') as object), url: couch.url });
    try {
      assert.deepEqual(conf.options('a'), { url: 'http://127.0.0.1:5984', dbNames: { GLOBAL_WEBMERCATOR: 'a_EPSG3857', GLOBAL_GEODETIC: 'a_EPSG4326' }, metadata: {} });
      assert.equal(b.tileName([1, 2, 3]), `http://127.0.0.1:${couch.port}/mytiles/t-3-1-2`, 'no credentials in names');
      const theirs = execFileSync(PYTHON, ['-c', `
from mapproxy.cache.couchdb import CouchDBCache, CouchDBMDTemplate
from mapproxy.grid import tile_grid
c = CouchDBCache('http://admin:secret@127.0.0.1:${couch.port}', 'mytiles', 'png', tile_grid(3857, origin='nw'), CouchDBMDTemplate({}))
print(c.lock_cache_id)`], { cwd: conf.dir }).toString().trim();
      assert.equal(b.lockId, theirs);
      // the credentials reach the server as Basic authorization: this one has no such user
      await assert.rejects(b.store([1, 2, 3], png(3)), (err: unknown) =>
        err instanceof CacheWriteError && /mytiles: cannot store 1 tile\(s\): unexpected answer 401 .*Name or password is incorrect/.test(err.message));
      await open.store([1, 2, 3], png(3));
      const { doc } = await rawDoc('mytiles', 't-3-1-2');
      // the server puts its own keys (_id, _rev, _attachments) where it likes; the metadata keeps its order
      assert.deepEqual(Object.keys(doc).filter((k) => !k.startsWith('_')), ['tile_col', 'created_ts', 'mydata']);
      assert.equal(doc['_id'], 't-3-1-2');
      assert.deepEqual([doc['tile_col'], doc['mydata']], [1, 'myvalue']);
      assert.equal((await open.load([1, 2, 3]))?.timestamp, doc['created_ts']);
    } finally {
      await b.close();
      await open.close();
      conf.close();
    }
  });

  it('an unreachable server: loads fail and stores fail with CacheWriteError, quickly and naming the database', async () => {
    const c = new CouchDBCache({ url: `http://127.0.0.1:${await closedPort()}`, dbName: 'x', fileExt: 'png', grid, timeoutMs: 1000 });
    try {
      const t0 = Date.now();
      await assert.rejects(c.load([0, 0, 0]), /couchdb cache http:\/\/127\.0\.0\.1:\d+\/x: GET \/GLOBAL_WEBMERCATOR-0-0-0\?attachments=true failed: .*ECONNREFUSED/);
      await assert.rejects(c.store([0, 0, 0], png(1)), (err: unknown) => err instanceof CacheWriteError && /couchdb cache .*\/x: cannot store 1 tile/.test(err.message));
      assert.ok(Date.now() - t0 < 3000);
    } finally {
      await c.close();
    }
  });
});

describe('couchdb cache in the app', () => {
  let s: NetworkCacheSetup;
  before(async () => {
    s = await networkCacheSetup(`{type: couchdb, url: '${couch.url}',
      tile_metadata: {tile_col: '{{x}}', tile_row: '{{y}}', tile_level: '{{z}}', created_ts: '{{timestamp}}', center: '{{wgs_tile_centroid}}'}}`);
  });
  after(async () => s.close());

  it('seeds into CouchDB, cleans up a level and a coverage tile by tile, and keeps fresh tiles', async () => {
    await fetch(`${couch.url}/c_epsg3857`, { method: 'DELETE' });
    assert.deepEqual(await s.seedThenClean(), { created: 21, removed: [16, 2, 0] });
    const res = await fetch(`${couch.url}/c_epsg3857/_all_docs`);
    const ids = ((await res.json()) as { rows: { id: string }[] }).rows.map((r) => r.id).sort();
    assert.deepEqual(ids, ['GLOBAL_WEBMERCATOR-0-0-0', 'GLOBAL_WEBMERCATOR-1-1-0', 'GLOBAL_WEBMERCATOR-1-1-1']);
  });

  it('side by side with MapProxy 1.15: the same documents; each serves the other\'s tiles byte for byte, without asking its source', async () => {
    await fetch(`${couch.url}/c_epsg3857`, { method: 'DELETE' });
    const ref = await startReferenceMapProxy(s.theirConfig);
    try {
      const app = await s.app();
      let theirDoc: Record<string, unknown> = {};
      // TMS 3/0/0 is the grid's tile 0-15-4 (origin nw)
      const { served } = await exchangeTilesWithMapProxy(s, ref, app, async (theirTile) => {
        theirDoc = (await rawDoc('c_epsg3857', 'GLOBAL_WEBMERCATOR-4-0-15')).doc;
        assert.deepEqual(Buffer.from(attachment(theirDoc).data, 'base64'), theirTile);
      });

      // the documents are alike: the same keys in the same order, the same kinds of values
      const ourDoc = (await rawDoc('c_epsg3857', 'GLOBAL_WEBMERCATOR-4-7-8')).doc;
      assert.deepEqual(Object.keys(ourDoc), Object.keys(theirDoc));
      assert.deepEqual([ourDoc['tile_col'], ourDoc['tile_row'], ourDoc['tile_level']], [7, 8, 4]);
      assert.deepEqual([theirDoc['tile_col'], theirDoc['tile_row'], theirDoc['tile_level']], [0, 15, 4]);
      assert.equal(attachment(ourDoc).content_type, attachment(theirDoc).content_type);
      const [minx, miny, maxx, maxy] = grid.tileBBox([0, 15, 4]);
      const centroid = getSRS(3857).transformTo(getSRS(4326), [[(minx + maxx) / 2, (miny + maxy) / 2]])[0]!;
      (theirDoc['center'] as number[]).forEach((v, i) => assert.ok(Math.abs(v - centroid[i]!) < 1e-9, `their centroid ${theirDoc['center']}`));
      assert.equal(typeof ourDoc['created_ts'], typeof theirDoc['created_ts']);
      // MapProxy serves our tile with our document's time
      assert.equal(served.headers.get('last-modified'), new Date(Math.floor(ourDoc['created_ts'] as number) * 1000).toUTCString());
    } finally {
      await ref.stop();
    }
  });
});
