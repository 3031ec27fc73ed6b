// Layer `dimensions:` as MapProxy reads them: values expanded from ISO 8601 intervals exactly as MapProxy's
// wmsparse expands them (compared with Debian's MapProxy 1.15 for every interval below), defaults, errors, and
// the caches a layer with dimensions may use.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { expandDateTimeRange } from '../../src/core/config/datetime-range.js';
import { ConfigError } from '../../src/core/config/errors.js';
import { loadConfig } from '../../src/core/config/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'mapproxy-ts-dims-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function load(yaml: string) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return loadConfig(file, { env: {} }).config;
}

const INTERVALS = [
  '2020-09-22T11:20:00Z/2020-09-22T14:20:00Z/PT2H',
  '2020-09-22T11:20:00Z/PT1H30M',
  'P1D/2020-03-01T00:00:00+02:00',
  '2020-01-01T00:00:00.5Z',
  '2012-W05-3T10:00:00Z',
  '2020-001T00Z/2020-003T00Z/P1D',
  '2020-01-01T00:00:00Z/2020-01-01T01:00:00Z/PT25M',
  '2020-01-01T10:00:00+0130/2020-01-01T12:00:00+01:30/PT1H',
  '2020-01-01T00:00Z/2020-01-02T00:00Z/P1W',
  '20200101T0000Z/20200101T0300Z/PT1H',
  ' 2021-06-01T00:00:00/2021-06-01T02:00:00/PT0.5H ',
  '2020-12-31T23:00:00Z/2021-01-01T01:00:00Z/PT1H',
  '2000-02-28T12:00:00Z/2000-03-01T12:00:00Z/P1DT0H',
];

describe('time intervals', () => {
  it('expand as MapProxy 1.15 expands them', { skip: !existsSync('/usr/lib/python3/dist-packages/mapproxy') && 'MapProxy not installed' }, () => {
    const script = [
      'import json, sys',
      'from mapproxy.util.ext.wmsparse.util import parse_datetime_range',
      'print(json.dumps([parse_datetime_range(t) for t in json.loads(sys.argv[1])]))',
    ].join('\n');
    const expected = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, JSON.stringify(INTERVALS)], { encoding: 'utf8' })) as string[][];
    INTERVALS.forEach((t, i) => assert.deepEqual(expandDateTimeRange(t), expected[i], t));
  });

  it('list a value after the end when the period does not divide the interval (as MapProxy)', () => {
    assert.deepEqual(expandDateTimeRange('2020-09-22T11:20:00Z/2020-09-22T14:20:00Z/PT2H'), [
      '2020-09-22T11:20:00Z', '2020-09-22T13:20:00Z', '2020-09-22T15:20:00Z',
    ]);
  });

  it('step by calendar months with the day clamped (MapProxy 1.15 fails on months)', () => {
    assert.deepEqual(expandDateTimeRange('2020-01-31T00:00:00Z/2020-04-30T00:00:00Z/P1M'), [
      '2020-01-31T00:00:00Z', '2020-02-29T00:00:00Z', '2020-03-29T00:00:00Z', '2020-04-29T00:00:00Z', '2020-05-29T00:00:00Z',
    ]);
    assert.deepEqual(expandDateTimeRange('2019-06-01T00:00:00Z/P1Y'), ['2019-06-01T00:00:00Z', '2020-06-01T00:00:00Z']);
  });

  it('refuse what cannot be expanded', () => {
    for (const bad of ['2020-01-01', 'yesterday', '2020-01-01T00:00:00Z/2020-01-02T00:00:00Z', '2020-01-01T00:00:00Z/PT0S',
      '2020-01-01T00:00:00Z/2020-01-02T00:00:00/PT1H', '2020-13-01T00:00:00Z', '2020-01-01T25:00:00Z', '2020-01-01T00:00:00Z/P1.5M',
      '2000-01-01T00:00:00Z/2100-01-01T00:00:00Z/PT1M']) {
      assert.throws(() => expandDateTimeRange(bad), /./, bad);
    }
  });
});

const BASE = `
services: {wms: {md: {title: T}}, wmts: {}}
sources: {s: {type: wms, req: {url: 'http://localhost:1/', layers: x}, forward_req_params: [time]}}
`;

describe('layer dimensions', () => {
  it('are read with their values and defaults as MapProxy reads them', () => {
    const c = load(`${BASE}
caches: {c: {grids: [GLOBAL_WEBMERCATOR], sources: [s]}}
layers:
  - name: l
    title: L
    sources: [c]
    dimensions:
      tiME: {values: ["2012-11-12T00:00:00", "2012-11-13T00:00:00"]}
      Elevation: {values: [0, 1000, 3000], default: "0"}
      dim_reference_time: {values: ["2020-09-22T11:20:00Z/2020-09-22T14:20:00Z/PT2H"], default: "2020-09-22T14:20:00Z"}
      band: {values: ["red/green/blue"]}
      level: {values: [1, 2], default: 0}
`);
    assert.deepEqual(c.namedLayers[0]!.dimensions, [
      { name: 'tiME', values: ['2012-11-12T00:00:00', '2012-11-13T00:00:00'], default: '2012-11-13T00:00:00' },
      { name: 'Elevation', values: ['0', '1000', '3000'], default: '0' },
      { name: 'dim_reference_time', values: ['2020-09-22T11:20:00Z', '2020-09-22T13:20:00Z', '2020-09-22T15:20:00Z'], default: '2020-09-22T14:20:00Z' },
      // a single value of a dimension that is not a time is split at '/'
      { name: 'band', values: ['red', 'green', 'blue'], default: 'blue' },
      // MapProxy's `if not default`: 0 falls back to the first value
      { name: 'level', values: ['1', '2'], default: '1' },
    ]);
  });

  for (const [what, dims, message] of [
    ['values missing', 'time: {default: x}', /missing required values/],
    ['values empty', 'time: {values: []}', /at least one value/],
    ['a value that is a list', 'elevation: {values: [[1]]}', /expected a string or number/],
    ['a time that is not ISO 8601', 'time: {values: ["tomorrow"]}', /ISO 8601/],
  ] as const) {
    it(`refuse ${what}`, () => {
      assert.throws(() => load(`${BASE}
caches: {c: {grids: [GLOBAL_WEBMERCATOR], sources: [s], disable_storage: true}}
layers: [{name: l, title: L, sources: [c], dimensions: {${dims}}}]
`), (err: unknown) => err instanceof ConfigError && message.test(err.message));
    });
  }

  it('warn about an unknown key, as about any unknown option', () => {
    const file = join(dir, 'warn.yaml');
    writeFileSync(file, `${BASE}
caches: {c: {grids: [GLOBAL_WEBMERCATOR], sources: [s], disable_storage: true}}
layers: [{name: l, title: L, sources: [c], dimensions: {time: {values: ["2020-01-01T00:00:00Z"], unit: s}}}]
`);
    const { warnings } = loadConfig(file, { env: {} });
    assert.ok(warnings.some((w) => /dimensions\.time\.unit/.test(String(w))), String(warnings));
  });

  it('may use file caches and caches without storage, no other (MapProxy 7 message)', () => {
    const dims = 'dimensions: {time: {values: ["2020-01-01T00:00:00Z"]}}';
    load(`${BASE}
caches:
  f: {grids: [GLOBAL_WEBMERCATOR], sources: [s], cache: {type: file, directory_layout: tms}}
  d: {grids: [GLOBAL_WEBMERCATOR], sources: [s], disable_storage: true, cache: {type: mbtiles}}
layers: [{name: a, title: A, sources: [f], ${dims}}, {name: b, title: B, sources: [d], ${dims}}]
`);
    assert.throws(
      () => load(`${BASE}
caches: {m: {grids: [GLOBAL_WEBMERCATOR], sources: [s], cache: {type: mbtiles}}}
layers: [{name: a, title: A, sources: [m], ${dims}}]
`),
      (err: unknown) => err instanceof ConfigError && /caching of dimension layer \(a\) is not supported yet\. need to `disable_storage: true` on m cache/.test(err.message),
    );
  });
});
