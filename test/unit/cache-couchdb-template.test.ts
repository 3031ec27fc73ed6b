// The pure parts of the CouchDB cache against MapProxy 1.15 itself: Python's %-formatting of tile_id templates
// and the tile_metadata documents (CouchDBMDTemplate.doc) for the same tiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { CouchDBMetadataTemplate, utcIsoSeconds } from '../../src/core/cache/couchdb-metadata.js';
import { parsePercentTemplate, percentFormat } from '../../src/core/cache/percent-format.js';
import { DEFAULT_GRIDS, tileGrid, type TileCoord } from '../../src/core/geo/grid.js';
import { PYTHON } from '../support/mapproxy-reference.js';

const python = (script: string, input: unknown): unknown =>
  JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(input), cwd: tmpdir() }).toString());

test('tile_id templates format as Python\'s % operator does', () => {
  const templates = [
    '%(grid_name)s-%(z)d-%(x)d-%(y)d', '%(couch_url)s/%(grid_name)s-%(z)s-%(x)s-%(y)s', 'tile_%(z)02d_%(x)05d_%(y)-4d|',
    '%(x)x.%(y)X.%(z)o', '%(x)#06x %(y)+d %(z) d', '100%% %(grid_name).3s %(grid_name)10s|%(grid_name)-10s|', '%(y).4d',
  ];
  const values = [
    { x: 0, y: 0, z: 0, grid_name: 'GLOBAL_WEBMERCATOR', couch_url: 'http://127.0.0.1:5984/c_epsg3857' },
    { x: 255, y: 1023, z: 12, grid_name: 'g', couch_url: 'http://h/db' },
    { x: 7, y: -3, z: 5, grid_name: 'my grid', couch_url: 'http://u:p@h:1/db' },
  ];
  const theirs = python(
    'import json, sys\nd = json.load(sys.stdin)\nprint(json.dumps([[t % v for v in d["values"]] for t in d["templates"]]))',
    { templates, values },
  ) as string[][];
  const ours = templates.map((t) => values.map((v) => percentFormat(parsePercentTemplate(t), v)));
  assert.deepEqual(ours, theirs);
});

test('templates MapProxy could not format are refused when parsed or formatted', () => {
  assert.throws(() => parsePercentTemplate('%(z)f'), /unsupported conversion 'f'/);
  assert.throws(() => parsePercentTemplate('%d-%d'), /expected %\(name\)s/);
  assert.throws(() => parsePercentTemplate('tile-%(z)'), /incomplete format/);
  assert.throws(() => percentFormat(parsePercentTemplate('%(level)d'), { z: 1 }), /unknown key 'level'/);
  assert.throws(() => percentFormat(parsePercentTemplate('%(grid_name)d'), { grid_name: 'g' }), /a number is required/);
});

test('tile_metadata documents are MapProxy\'s: placeholders replaced, other values copied, a timestamp key added', () => {
  const attributes = {
    mydata: 'myvalue', n: 3, list: [1, 'a'], tile_col: '{{x}}', tile_row: '{{y}}', tile_level: '{{z}}', level: '{{level}}',
    center: '{{wgs_tile_centroid}}', centroid: '{{tile_centroid}}', created: '{{utc_iso}}',
  };
  const coords: TileCoord[] = [[1, 2, 3], [0, 0, 0], [1023, 17, 10]];
  const theirs = python(`
import json, sys
from mapproxy.cache.couchdb import CouchDBMDTemplate
from mapproxy.cache.tile import Tile
from mapproxy.grid import tile_grid
d = json.load(sys.stdin)
grid = tile_grid(3857, origin='nw', name='GLOBAL_WEBMERCATOR')
t = CouchDBMDTemplate(dict(d['attributes']))
docs = [t.doc(Tile(tuple(c)), grid) for c in d['coords']]
print(json.dumps({'key': t.timestamp_key, 'docs': docs}))
`, { attributes, coords }) as { key: string; docs: Record<string, unknown>[] };

  const grid = tileGrid({ ...DEFAULT_GRIDS.GLOBAL_WEBMERCATOR, name: 'GLOBAL_WEBMERCATOR' });
  const template = new CouchDBMetadataTemplate(attributes);
  assert.equal(template.timestampKey, theirs.key);
  const now = Date.now();
  coords.forEach((coord, i) => {
    const ours = template.doc(coord, { grid, nowMs: now });
    const ref = theirs.docs[i]!;
    assert.deepEqual(Object.keys(ours), Object.keys(ref), 'same keys in the same order');
    for (const [key, value] of Object.entries(ref)) {
      if (key === 'timestamp') assert.ok(Math.abs((ours[key] as number) - (value as number)) < 60, 'seconds since the epoch');
      else if (key === 'created') assert.match(ours[key] as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      else if (key === 'center') (value as number[]).forEach((v, j) => assert.ok(Math.abs((ours[key] as number[])[j]! - v) < 1e-9, `${key}: ${ours[key]} vs ${value}`));
      else assert.deepEqual(ours[key], value, key);
    }
  });
});

test('a configured {{timestamp}} key holds the time; unknown placeholders are refused', () => {
  const t = new CouchDBMetadataTemplate({ created_ts: '{{timestamp}}', timestamp: 'mine' });
  assert.equal(t.timestampKey, 'created_ts');
  const grid = tileGrid({ ...DEFAULT_GRIDS.GLOBAL_WEBMERCATOR, name: 'g' });
  assert.deepEqual(t.doc([0, 0, 0], { grid, nowMs: 1_323_953_781_531 }), { created_ts: 1323953781.531, timestamp: 'mine' });
  assert.throws(() => new CouchDBMetadataTemplate({ a: '{{tile_size}}' }), /unknown tile_metadata value '\{\{tile_size\}\}'/);
  assert.equal(utcIsoSeconds(Date.UTC(2011, 11, 31, 23, 59, 59, 999)), '2011-12-31T23:59:59Z');
});
