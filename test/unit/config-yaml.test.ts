import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseYaml } from '../../src/core/config/yaml-file.js';
import { expandEnvString } from '../../src/core/config/env-expand.js';
import { loadConfig } from '../../src/core/config/load-config.js';
import { ConfigError } from '../../src/core/config/errors.js';
import { MINIMAL, writeConfigDir } from './config-helpers.js';

test('YAML 1.1 like PyYAML: yes/no/on/off/True are booleans, y/n and 1e3 stay strings, <<: merges', () => {
  const data = parseYaml(
    'a: yes\nb: No\nc: on\nd: OFF\ne: True\nf: y\ng: n\nh: 1e3\ni: 1.0e+3\nj: 0x1F\nk: 1_000\nl: 017\n' +
      'base: &b {x: 1, z: 2}\nm:\n  <<: *b\n  z: 3\nn:\n',
    'test.yaml',
  ) as Record<string, unknown>;
  assert.deepEqual(data, {
    a: true, b: false, c: true, d: false, e: true, f: 'y', g: 'n', h: '1e3', i: 1000, j: 31, k: 1000, l: 15,
    base: { x: 1, z: 2 }, m: { x: 1, z: 3 }, n: null,
  });
});

test('YAML syntax errors and tab indentation are ConfigErrors naming the file', () => {
  assert.throws(() => parseYaml('a: [1, 2\n', 'bad.yaml'), (e: unknown) => e instanceof ConfigError && /bad\.yaml: invalid YAML/.test(e.message));
  assert.throws(() => parseYaml('a:\n\tb: 1\n', 'tabs.yaml'), /tabs\.yaml: invalid YAML/);
});

test('an empty service section means enabled with defaults; yes/no booleans are read', () => {
  const dir = writeConfigDir({
    'mapproxy.yaml': MINIMAL.replace('  tms:\n', '  tms:\n  wms:\n  wmts:\n    restful: yes\n  demo:\n') +
      'globals:\n  image:\n    paletted: no\n',
  });
  const { config } = loadConfig(join(dir, 'mapproxy.yaml'), { env: {} });
  assert.deepEqual(config.services.tms, { useGridNames: false, md: { title: 'MapProxy WMS' } });
  assert.equal(config.services.wms?.md.title, 'MapProxy WMS');
  assert.deepEqual(config.services.wms?.srs, ['EPSG:4326', 'EPSG:4258', 'CRS:84', 'EPSG:900913', 'EPSG:3857']);
  assert.equal(config.services.wms?.maxOutputPixels, 16000000);
  assert.equal(config.services.wmts?.restful, true);
  assert.equal(config.services.wmts?.kvp, false, 'only restful was enabled');
  assert.ok(config.services.demo);
  assert.equal(config.globals.image.paletted, false);
});

test('$VAR and ${VAR} are expanded in every string of every file; unset names stay and warn once', () => {
  const dir = writeConfigDir({
    'base.yaml': 'globals:\n  cache:\n    base_dir: ${CACHE_ROOT}/tiles\n',
    'mapproxy.yaml': 'base: base.yaml\n' + MINIMAL.replace('http://localhost/service', 'http://$WMS_HOST/$UNSET_ONE?x=${UNSET_ONE}&y=$UNSET_TWO'),
  });
  const { config, warnings } = loadConfig(join(dir, 'mapproxy.yaml'), { env: { CACHE_ROOT: '/srv/data', WMS_HOST: 'example.org' } });
  assert.equal(config.globals.cache.baseDir, '/srv/data/tiles');
  const src = config.sources['osm_wms'];
  assert.equal(src?.type === 'wms' && src.req.url, 'http://example.org/$UNSET_ONE?x=${UNSET_ONE}&y=$UNSET_TWO');
  assert.equal(warnings.filter((w) => w.includes('$UNSET_ONE')).length, 1);
  assert.equal(warnings.filter((w) => w.includes('$UNSET_TWO')).length, 1);
});

test('expandEnvString leaves text without variables alone', () => {
  const seen: string[] = [];
  assert.equal(expandEnvString('100$ and $ alone', {}, (n) => seen.push(n)), '100$ and $ alone');
  assert.equal(expandEnvString('${A}${B}', { A: '1', B: '2' }, (n) => seen.push(n)), '12');
  assert.deepEqual(seen, []);
});

test('integers like PyYAML: leading zeros mean octal, or a string when the digits are not octal', () => {
  const doc = parseYaml('phone: 0123456789\nmode: 0775\nsize: 1_024\nzero: 0\nneg: -5\nsexagesimal: 1:30\n', 'x.yaml') as Record<string, unknown>;
  assert.deepEqual(doc, { phone: '0123456789', mode: 0o775, size: 1024, zero: 0, neg: -5, sexagesimal: 90 });
});
