import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { seedSchema } from '../../src/cli/schema/seed-schema.js';
import { checkSchema, formatPath } from '../../src/cli/schema/schema-check.js';
import { formatFinding, runValidate } from '../../src/cli/util/validate-command.js';
import { isSeedFile, validateSeedConfig } from '../../src/cli/util/validate-seed.js';

const SCHEMA_FILE = fileURLToPath(new URL('../../schema/seed.schema.json', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../../shared/reference/mapproxy-fixtures/', import.meta.url));
const MAPPROXY_FIXTURES = '/usr/lib/python3/dist-packages/mapproxy/test/system/fixture/';

test('the published seed schema is the one the module generates (npm run build:schema after a change)', () => {
  assert.deepEqual(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')), seedSchema());
});

test("MapProxy's seed files pass the schema; the pre-1.0 form (views) fails at its keys", () => {
  const seedFiles = [
    ...readdirSync(FIXTURES).filter((f) => f.startsWith('seed') && f.endsWith('.yaml')).map((f) => join(FIXTURES, f)),
    ...['seed.yaml', 'seed_timeouts.yaml', 'seedonly.yaml'].map((f) => join(MAPPROXY_FIXTURES, f)),
    '/usr/lib/python3/dist-packages/mapproxy/config_template/base_config/seed.yaml',
    '/usr/lib/python3/dist-packages/mapproxy/config_template/base_config/full_seed_example.yaml',
  ].filter((f) => isSeedFile(f));
  assert.ok(seedFiles.length >= 5, `seed files found: ${seedFiles.join(', ')}`);
  for (const f of seedFiles) {
    const errors = checkSchema(seedSchema(), parse(readFileSync(f, 'utf8')));
    assert.deepEqual(errors.map((e) => `${formatPath(e.path)}: ${e.message}`), [], f);
  }
  const old = checkSchema(seedSchema(), parse(readFileSync(join(MAPPROXY_FIXTURES, 'seed_old.yaml'), 'utf8')));
  assert.deepEqual(old.map((e) => formatPath(e.path)).sort(), ['seeds.one', 'seeds.one.remove_before', 'seeds.one.views', 'views']);
});

test('validate: a seed file is recognised, its mistakes reported at file, line and key path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seed-validate-'));
  const proxy = join(dir, 'mapproxy.yaml');
  copyFileSync(join(MAPPROXY_FIXTURES, 'seed_mapproxy.yaml'), proxy);
  const seed = join(dir, 'seed.yaml');
  writeFileSync(seed, [
    'seeds:',
    '  one:',
    '    caches: [one]',
    '    levels:',
    '      from: first',
    '    refresh_before:',
    '      dayz: 3',
    'cleanups:',
    '  two:',
    '    grids: [GLOBAL_MERCATOR]',
    '',
  ].join('\n'));
  assert.equal(isSeedFile(seed), true);
  assert.equal(isSeedFile(proxy), false);
  const lines = validateSeedConfig(seed).map(formatFinding);
  assert.deepEqual(lines, [
    `${seed}:5:13: error: seeds.one.levels.from: expected an integer, got string "first"`,
    `${seed}:7:7: error: seeds.one.refresh_before.dayz: unknown key 'dayz' (expected one of seconds, minutes, hours, days, weeks, time, mtime)`,
    `${seed}:10:5: error: cleanups.two: 'caches' is required`, // at the task's first key
  ], lines.join('\n'));

  // schema-valid, but a cache mapproxy.yaml does not have: the seed reader's error, at its line
  writeFileSync(seed, 'seeds:\n  one:\n    caches: [one, nope]\n    levels: [0, 1]\n');
  const out: string[] = [];
  assert.equal(runValidate([proxy, seed], (s) => out.push(s)), 1);
  assert.equal(out[0], `${proxy}: ok`, out.join('\n'));
  assert.match(out[1]!, new RegExp(`^${seed}:3:\\d+: error: seeds\\.one\\.caches\\[1\\]: cache 'nope' not found`));

  // --seed with -f: the same file, whatever its keys
  writeFileSync(seed, 'seeds:\n  one:\n    caches: [one]\n    levels: [0, 1]\n');
  const ok: string[] = [];
  assert.equal(runValidate([seed], (s) => ok.push(s), { seed: true, proxyConf: proxy }), 0, ok.join('\n'));
  assert.deepEqual(ok, [`${seed}: ok`]);
});
