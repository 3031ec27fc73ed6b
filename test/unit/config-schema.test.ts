import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { mapproxySchema } from '../../src/cli/schema/config-schema.js';
import { checkSchema, formatPath } from '../../src/cli/schema/schema-check.js';
import { formatFinding, validateConfig } from '../../src/cli/util/validate-command.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/reference/mapproxy-fixtures/', import.meta.url));
const SCHEMA_FILE = fileURLToPath(new URL('../../schema/mapproxy.schema.json', import.meta.url));

/** Fixtures our readers reject (see fixtures-load.test.ts): validate must report at least one error for each. */
const UNSUPPORTED = new Set([
  'cache_band_merge.yaml', 'mapnik_source.yaml', 'renderd_client.yaml',
]);
/** Fixtures that name a file MapProxy's system test writes first: only the schema is checked. */
const NEEDS_TEST_FILES = new Set(['cache_coverage.yaml']);
const NOT_MAPPROXY = new Set(['util-conf-overwrite.yaml']);
const SEED_KEYS = ['seeds', 'cleanups', 'coverages'];

test('the published schema file is the one the module generates (npm run build:schema after a change)', () => {
  assert.deepEqual(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')), mapproxySchema());
});

test('every supported MapProxy fixture passes the schema and the readers; every unsupported one is reported', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).sort();
  let checked = 0;
  for (const f of files) {
    if (NOT_MAPPROXY.has(f)) continue;
    const data = parse(readFileSync(join(FIXTURES, f), 'utf8'), { merge: true }) as Record<string, unknown>;
    if (SEED_KEYS.some((k) => k in data)) continue;
    checked++;
    if (NEEDS_TEST_FILES.has(f)) {
      assert.deepEqual(checkSchema(mapproxySchema(), data).map((e) => formatPath(e.path)), [], f);
      continue;
    }
    const errors = validateConfig(join(FIXTURES, f)).filter((x) => x.severity === 'error');
    if (UNSUPPORTED.has(f)) assert.ok(errors.length > 0, `${f}: expected an error`);
    else assert.deepEqual(errors.map(formatFinding), [], f);
  }
  assert.ok(checked >= 60, `only ${checked} fixtures checked`);
});

function writeConfig(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mapproxy-schema-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('a broken configuration: every schema error at its file, line and key path', () => {
  const dir = writeConfig({
    'mapproxy.yaml': [
      'services:', //                                    1
      '  wms:', //                                       2
      '    srs: EPSG:4326', //                           3  a string where a list belongs
      'caches:', //                                      4
      '  osm:', //                                       5
      '    grids: [GLOBAL_WEBMERCATOR]', //              6
      '    sources: []', //                              7
      '    meta_size: [4, 4, 4]', //                     8  three numbers
      '    cache:', //                                   9
      '      type: mbtile', //                           10 not a type
      '    metasize: 4', //                              11 a typo
      'grids:', //                                       12
      '  g:', //                                         13
      "    srs: 'EPSG:4326'", //                         14
      '    num_levels: twenty', //                       15
      '',
    ].join('\n'),
  });
  const found = validateConfig(join(dir, 'mapproxy.yaml')).map((f) => [f.line, f.keyPath, f.severity]);
  assert.deepEqual(found, [
    [3, 'services.wms.srs', 'error'],
    [8, 'caches.osm.meta_size', 'error'],
    [10, 'caches.osm.cache.type', 'error'],
    [11, 'caches.osm.metasize', 'error'],
    [15, 'grids.g.num_levels', 'error'],
  ]);
  const typo = validateConfig(join(dir, 'mapproxy.yaml')).find((f) => f.keyPath === 'caches.osm.metasize')!;
  assert.match(typo.message, /did you mean 'meta_size'/);
  assert.match(formatFinding(typo), new RegExp(`^${join(dir, 'mapproxy.yaml')}:11:5: error: caches\\.osm\\.metasize: `));
});

test('an error in a base file is shown in the base file; a reference error of the readers at its line', () => {
  const dir = writeConfig({
    'base.yaml': 'globals:\n  image:\n    paletted: maybe\n',
    'mapproxy.yaml': 'base: base.yaml\nlayers:\n  - name: osm\n    title: OSM\n    sources: [osm_cache]\n',
  });
  const [baseError, ...rest] = validateConfig(join(dir, 'mapproxy.yaml'));
  assert.equal(rest.length, 0);
  assert.equal(baseError!.file, join(dir, 'base.yaml'));
  assert.equal(baseError!.line, 3);
  assert.equal(baseError!.keyPath, 'globals.image.paletted');

  writeFileSync(join(dir, 'base.yaml'), 'globals:\n  image:\n    paletted: false\n');
  const [refError] = validateConfig(join(dir, 'mapproxy.yaml'));
  assert.equal(refError!.severity, 'error');
  assert.equal(refError!.file, join(dir, 'mapproxy.yaml'));
  assert.equal(refError!.keyPath, 'layers (osm).sources[0]');
  assert.equal(refError!.line, 5);
});

test('a YAML syntax error is reported at its line', () => {
  const dir = writeConfig({ 'mapproxy.yaml': 'caches:\n  osm:\n    grids: [a, b\n  x: 1\n' });
  const [err] = validateConfig(join(dir, 'mapproxy.yaml'));
  assert.equal(err!.severity, 'error');
  assert.ok(err!.line >= 3, `line ${err!.line}`);
});
