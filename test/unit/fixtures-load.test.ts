import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config/load-config.js';
import { ConfigError } from '../../src/core/config/errors.js';
import { readYamlFile } from '../../src/core/config/yaml-file.js';
import { createApp } from '../../src/core/app.js';

/*
 * Every MapProxy system-test configuration must either load or be rejected as "not supported". The expected
 * list below may only shrink: a fixture that starts failing, or fails for another reason, fails this test.
 */
const FIXTURES = fileURLToPath(new URL('../../../shared/reference/mapproxy-fixtures/', import.meta.url));

/** Files that are not mapproxy.yaml configurations although they are YAML. */
const NOT_MAPPROXY_CONFIGS: Record<string, string> = {
  'util-conf-overwrite.yaml': 'overwrite file for mapproxy-util autoconfig, not a mapproxy.yaml',
};

/**
 * Fixtures rejected today, with the feature that is missing. Every cache type of MapProxy is registered now: the
 * fixtures of the azureblob, geopackage, mbtiles and s3 caches (and seed_mapproxy.yaml's mbtiles) load.
 */
const EXPECTED_UNSUPPORTED: Record<string, string> = {
  'cache_band_merge.yaml': 'band merging',
  'mapnik_source.yaml': "source type 'mapnik'",
  'renderd_client.yaml': 'renderd',
};

const SEED_KEYS = new Set(['seeds', 'cleanups', 'coverages']);

/**
 * Fixtures that need a file MapProxy's own system test writes next to them first (a coverage, a stylesheet, a CGI
 * script): loading or building them here fails for that file, and only for it.
 */
const NEEDS_TEST_FILES: Record<string, RegExp> = {
  'cache_coverage.yaml': /boundary\.geojson/,
  'mapserver.yaml': /minimal_cgi\.py/,
  'sld.yaml': /mysld\.xml/,
  'xslt_featureinfo.yaml': /fi_in\.xsl/,
  'xslt_featureinfo_input.yaml': /fi_in\.xsl/,
};

test('every MapProxy fixture loads or is rejected as not supported', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).sort();
  assert.ok(files.length > 50, `fixtures found in ${FIXTURES}`);
  const rows: { file: string; result: string; detail: string }[] = [];
  const unsupported: Record<string, string> = {};
  const unexpected: string[] = [];
  for (const file of files) {
    const path = join(FIXTURES, file);
    if (NOT_MAPPROXY_CONFIGS[file]) {
      rows.push({ file, result: 'skipped', detail: NOT_MAPPROXY_CONFIGS[file]! });
      continue;
    }
    const top = Object.keys(readYamlFile(path));
    if (top.length > 0 && top.every((k) => SEED_KEYS.has(k))) {
      rows.push({ file, result: 'skipped', detail: `seed configuration (${top.join(', ')})` });
      continue;
    }
    try {
      const { warnings } = loadConfig(path, { env: { PATH: process.env['PATH'] } });
      rows.push({ file, result: 'loads', detail: warnings.length ? `${warnings.length} warning(s)` : '' });
    } catch (err) {
      const msg = err instanceof Error ? err.message.replace(FIXTURES, '') : String(err);
      if (NEEDS_TEST_FILES[file]?.test(msg)) {
        rows.push({ file, result: 'needs file', detail: msg });
      } else if (err instanceof ConfigError && msg.includes('not supported')) {
        rows.push({ file, result: 'unsupported', detail: msg });
        unsupported[file] = msg;
      } else {
        rows.push({ file, result: 'ERROR', detail: msg });
        unexpected.push(`${file}: ${msg}`);
      }
    }
  }
  const w = Math.max(...rows.map((r) => r.file.length));
  console.log(rows.map((r) => `${r.file.padEnd(w)}  ${r.result.padEnd(11)}  ${r.detail}`).join('\n'));

  assert.deepEqual(unexpected, [], 'fixtures that failed for another reason than an unsupported feature');
  assert.deepEqual(Object.keys(unsupported).sort(), Object.keys(EXPECTED_UNSUPPORTED).sort(), 'the set of unsupported fixtures changed');
  for (const [file, feature] of Object.entries(EXPECTED_UNSUPPORTED)) {
    assert.ok(unsupported[file]?.includes(feature), `${file} rejected for ${feature}: ${unsupported[file]}`);
  }
});

const CAPABILITIES = [
  '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.0.0',
  '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.1.1',
  '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0',
  '/service?SERVICE=WMTS&REQUEST=GetCapabilities',
  '/wmts/1.0.0/WMTSCapabilities.xml',
  '/tms/1.0.0',
  '/demo/',
  '/ogcapi',
  '/ogcapi/collections',
  '/ogcapi/api',
  '/ogcapi/tileMatrixSets',
];

test('every loadable MapProxy fixture builds and answers its capabilities and demo without an internal error', async () => {
  const failures: string[] = [];
  let built = 0;
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).sort()) {
    let loaded;
    try {
      loaded = loadConfig(join(FIXTURES, file));
    } catch {
      continue; // covered above
    }
    try {
      const app = await createApp(loaded, { log: { warn() {}, error() {} } });
      // Every capabilities document and the demo answer without an internal error.
      for (const path of CAPABILITIES) {
        const [p, q = ''] = path.split('?');
        const res = await app.handle({ method: 'GET', path: p!, query: q, headers: { host: 'localhost' } });
        if (res.status >= 500) failures.push(`${file}: ${path} answered ${res.status}: ${String(res.body).slice(0, 200)}`);
      }
      await app.runtime.close();
      built++;
      if (NEEDS_TEST_FILES[file]) failures.push(`${file}: built although it needs a file MapProxy's tests create`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!NEEDS_TEST_FILES[file]?.test(message)) failures.push(`${file}: ${message}`);
    }
  }
  console.log(`${built} fixtures built into a runtime`);
  assert.deepEqual(failures, []);
  assert.ok(built >= 40, `only ${built} fixtures built`);
});
