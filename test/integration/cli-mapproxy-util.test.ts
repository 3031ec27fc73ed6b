import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/core/config/load-config.js';
import { loadSeedConfig } from '../../src/core/config/seed-config.js';
import { mapServerAvailable, startMapServer, type TestMapServer } from '../support/mapserver.js';

/*
 * Each mapproxy-util command of ours next to Debian's mapproxy-util (MapProxy 1.15) with the same arguments: the
 * same lines where MapProxy prints something. Where MapProxy's output is not deterministic (a layer's SRS are a
 * Python set) the lines are compared with that list sorted.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../../shared/reference/mapproxy-fixtures/', import.meta.url));
const OURS = [join(ROOT, 'node_modules/tsx/dist/esm/index.mjs'), join(ROOT, 'src/cli/entry/mapproxy-util.ts')];
const SEED_OURS = [join(ROOT, 'node_modules/tsx/dist/esm/index.mjs'), join(ROOT, 'src/cli/entry/mapproxy-seed.ts')];
const HAVE_MAPPROXY = existsSync('/usr/bin/mapproxy-util');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking this process (the capabilities server below answers from it). */
function run(cmd: string, argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(cmd, argv, { cwd, env });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const ours = (args: string[], cwd = ROOT): Promise<Run> => run(process.execPath, ['--import', OURS[0]!, OURS[1]!, ...args], cwd, process.env);

async function theirs(args: string[], cwd = ROOT): Promise<Run> {
  // Python's set order is fixed by the hash seed; the logging warnings go to stdout and are not part of the output
  const r = await run('/usr/bin/mapproxy-util', args, cwd, { ...process.env, PYTHONHASHSEED: '0' });
  const stdout = r.stdout.split('\n').filter((l) => !/^\[[\d-]+ [\d:,]+\] mapproxy\.\S+ - WARNING - /.test(l)).join('\n');
  return { ...r, stdout };
}

/** `srs: [...]` lines with their list sorted (MapProxy prints a set). */
const sortSrs = (text: string): string =>
  text.replace(/^(\s*(?:- )?srs: )\[(.*)\]$/gm, (_m, head: string, list: string) => `${head}[${list.split(', ').sort().join(', ')}]`);

let capsServer: Server;
let capsUrl = '';
before(async () => {
  // capabilities documents of MapProxy's own tests, served as a WMS would answer GetCapabilities
  capsServer = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://x').pathname.slice(1);
    if (!/^[\w.-]+\.xml$/.test(name) || !existsSync(join(FIXTURES, name))) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/vnd.ogc.wms_xml' }).end(readFileSync(join(FIXTURES, name)));
  });
  await new Promise<void>((r) => capsServer.listen(0, '127.0.0.1', r));
  capsUrl = `http://127.0.0.1:${(capsServer.address() as { port: number }).port}/`;
});
after(() => new Promise<void>((r) => capsServer.close(() => r())));

test('the command list and unknown commands as mapproxy-util', { skip: !HAVE_MAPPROXY && 'MapProxy not installed' }, async () => {
  const [a, b] = await Promise.all([theirs([]), ours([])]);
  assert.equal(b.status, a.status);
  // ours lists validate after MapProxy's commands
  assert.equal(b.stdout.split('\n').filter((l) => !l.startsWith('  validate')).join('\n'), a.stdout);
  const [ua, ub] = await Promise.all([theirs(['frobnicate']), ours(['frobnicate'])]);
  assert.equal(ub.status, ua.status);
  assert.equal(ub.stdout.split('\n').at(-2), ua.stdout.split('\n').at(-2));
  assert.equal((await ours(['create', '-l'])).stdout, (await theirs(['create', '-l'])).stdout);
});

test('scales: identical output for each option', { skip: !HAVE_MAPPROXY && 'MapProxy not installed' }, async () => {
  for (const args of [
    ['scales', '1000000', '-l', '4'],
    ['scales', '--res-to-scale', '0.5', '-l', '3', '--unit', 'd'],
    ['scales', '--as-res-config', '100000', '-l', '3', '--repeat'],
    ['scales', '--eval', '360/256', '-l', '2'],
    ['scales', '-d', '96', '1000', '500'],
  ]) {
    const [a, b] = await Promise.all([theirs(args), ours(args)]);
    assert.equal(b.stdout, a.stdout, args.join(' '));
    assert.equal(b.status, a.status, args.join(' '));
  }
});

test('grids: identical output for grids of the fixture and the default configuration', { skip: !HAVE_MAPPROXY && 'MapProxy not installed' }, async () => {
  for (const args of [
    // not yet the same: grids whose bbox is reprojected (the last digits of proj4js and PROJ differ)
    ['grids', '-f', join(FIXTURES, 'util_grids.yaml'), '-g', 'GLOBAL_MERCATOR'],
    ['grids', '-f', join(FIXTURES, 'util_grids.yaml'), '-g', 'GLOBAL_GEODETIC'],
    ['grids', '-f', join(FIXTURES, 'util_grids.yaml'), '-l'],
    ['grids', '-f', join(ROOT, 'config/mapproxy.yaml'), '--all'],
  ]) {
    const [a, b] = await Promise.all([theirs(args), ours(args)]);
    assert.equal(b.stdout, a.stdout, args.join(' '));
  }
});

/**
 * Grids with a base: (built-in and own, origin, min_res, max_res, res_factor and tile_size over the base's). Not a
 * chain of bases: MapProxy 1.15 takes only the direct base's own keys (a grid on a grid on `local` loses local's
 * srs, bbox and res), where our reader applies the whole chain (docs/commands.md).
 */
const BASE_GRIDS = `
layers:
  - {name: a, title: a, sources: [c1]}
caches:
  c1: {grids: [merc5, web_ul, local, local512, geo_max], sources: []}
grids:
  merc5: {base: GLOBAL_MERCATOR, num_levels: 5}
  web_ul: {base: GLOBAL_WEBMERCATOR, origin: ul, min_res: 2000, num_levels: 4}
  local: {srs: 'EPSG:25832', bbox: [280000, 5200000, 920000, 6100000], res: [1000, 500, 250, 100]}
  local512: {base: local, tile_size: [512, 512]}
  geo_max: {base: GLOBAL_GEODETIC, max_res: 0.01, res_factor: 2}
`;

test("grids with base: the keys written in each grid, then the base's resolved bbox, origin and tile size, as MapProxy", { skip: !HAVE_MAPPROXY && 'MapProxy not installed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grids-base-'));
  writeFileSync(join(dir, 'mapproxy.yaml'), BASE_GRIDS);
  for (const args of [
    ['grids', '-f', join(dir, 'mapproxy.yaml'), '--all'],
    ['grids', '-f', join(dir, 'mapproxy.yaml'), '-g', 'web_ul'],
  ]) {
    const [a, b] = await Promise.all([theirs(args), ours(args)]);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.stdout, a.stdout, args.join(' '));
  }
});

test('wms-capabilities: the layer tree of 1.1.1 and 1.3.0 documents as MapProxy prints it', { skip: !HAVE_MAPPROXY && 'MapProxy not installed' }, async () => {
  for (const doc of ['util_wms_capabilities111.xml', 'util_wms_capabilities130.xml']) {
    for (const version of ['1.1.1', '1.3.0']) {
      const args = ['wms-capabilities', '--version', version, `${capsUrl}${doc}`];
      const [a, b] = await Promise.all([theirs(args), ours(args)]);
      assert.equal(b.status, 0, b.stderr);
      assert.equal(sortSrs(b.stdout), sortSrs(a.stdout), `${doc} ${version}`);
    }
  }
  const exception = await ours(['wms-capabilities', `${capsUrl}util_wms_capabilities_service_exception.xml`]);
  assert.equal(exception.status, 1);
  assert.match(exception.stderr, /Not a capabilities document: unknown start tag in capabilities: ServiceExceptionReport/);
  assert.equal((await ours(['wms-capabilities', `${capsUrl}missing.xml`])).status, 1);
});

test('wms-capabilities of a live MapServer WMS', { skip: (!mapServerAvailable() || !HAVE_MAPPROXY) && 'MapServer or MapProxy not installed' }, async () => {
  const ms: TestMapServer = await startMapServer();
  try {
    const args = ['wms-capabilities', ms.url];
    const [{ stdout: a }, { stdout: b }] = await Promise.all([theirs(args), ours(args)]);
    assert.match(b, /- name: areas/);
    assert.equal(sortSrs(b), sortSrs(a));
  } finally {
    await ms.stop();
  }
});

test('autoconfig: the same mapproxy.yaml and seed.yaml as MapProxy (base grids, overwrites)', { skip: !HAVE_MAPPROXY && 'MapProxy not installed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'autoconfig-'));
  const common = ['--capabilities', 'util-conf-wms-111-cap.xml', '--base', 'util-conf-base-grids.yaml', '--overwrite', 'util-conf-overwrite.yaml', '--force'];
  await theirs(['autoconfig', ...common, '--output', join(dir, 'theirs.yaml'), '--output-seed', join(dir, 'theirs-seed.yaml')], FIXTURES);
  const r = await ours(['autoconfig', ...common, '--output', join(dir, 'ours.yaml'), '--output-seed', join(dir, 'ours-seed.yaml')], FIXTURES);
  assert.equal(r.status, 0, r.stderr);
  // compared as YAML data, read by PyYAML (MapProxy's reader): the text layout of two YAML writers differs
  const py = spawnSync('/usr/bin/python3', ['-c', `
import sys, yaml
d = sys.argv[1]
for a, b in (('theirs.yaml', 'ours.yaml'), ('theirs-seed.yaml', 'ours-seed.yaml')):
    A = yaml.safe_load(open(d + '/' + a)); B = yaml.safe_load(open(d + '/' + b))
    print(a, A == B)
`, dir], { encoding: 'utf8' });
  assert.equal(py.stdout, 'theirs.yaml True\ntheirs-seed.yaml True\n', py.stderr);
  // and our readers take what we wrote
  const loaded = loadConfig(join(dir, 'ours.yaml'));
  assert.deepEqual(Object.keys(loaded.config.caches).sort(), ['osm_cache', 'osm_roads_cache']);
  assert.equal(loadSeedConfig(join(dir, 'ours-seed.yaml'), loaded).seeds.length, 3);
  const header = readFileSync(join(dir, 'ours.yaml'), 'utf8').split('\n');
  assert.match(header[0]!, /^# yaml-language-server: \$schema=/);
  assert.equal(header[1], '# MapProxy configuration automatically generated from:');
});

test('create: base-config, wsgi-app (a Node module) and log-ini write files our readers take', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'create-'));
  const r = await ours(['create', '-t', 'base-config', join(dir, 'conf')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `writing ${join(dir, 'conf/mapproxy.yaml')}\nwriting ${join(dir, 'conf/seed.yaml')}\n`);
  const loaded = loadConfig(join(dir, 'conf/mapproxy.yaml'));
  assert.deepEqual(Object.keys(loaded.config.caches), ['osm_cache']);
  assert.ok(loadSeedConfig(join(dir, 'conf/seed.yaml'), loaded).seeds.length > 0);
  assert.equal((await ours(['create', '-t', 'base-config', join(dir, 'conf')])).status, 1, 'existing files need --force');

  assert.equal((await ours(['create', '-t', 'wsgi-app', join(dir, 'app')])).status, 1, 'wsgi-app needs -f');
  assert.equal((await ours(['create', '-t', 'wsgi-app', '-f', join(dir, 'conf/mapproxy.yaml'), join(dir, 'app')])).status, 0);
  assert.match(readFileSync(join(dir, 'app.mjs'), 'utf8'), /export const app = await createApp\(/);

  assert.equal((await ours(['create', '-t', 'log-ini', join(dir, 'log.yaml')])).status, 0);
  writeFileSync(join(dir, 'with-log.yaml'), `base: [conf/mapproxy.yaml, log.yaml]\n`);
  assert.equal(loadConfig(join(dir, 'with-log.yaml')).config.server?.log?.level, 'info');
});

test('validate through mapproxy-util: line and key path, exit code 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'validate-'));
  writeFileSync(join(dir, 'm.yaml'), 'caches:\n  c:\n    grids: GLOBAL_WEBMERCATOR\n    sources: []\n');
  const r = await ours(['validate', join(dir, 'm.yaml')]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, new RegExp(`^${join(dir, 'm.yaml')}:3:12: error: caches\\.c\\.grids: expected a list, got string "GLOBAL_WEBMERCATOR"$`, 'm'));
  assert.equal((await ours(['validate', join(ROOT, 'config/mapproxy.yaml')])).status, 0);
});

test('mapproxy-seed: MapProxy flags (--summary, --seed, unknown tasks, --reseed-file)', { skip: !HAVE_MAPPROXY && 'MapProxy not installed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mapproxy-seed-'));
  await ours(['create', '-t', 'base-config', dir]);
  const seed = (args: string[]) => spawnSync(process.execPath, ['--import', SEED_OURS[0]!, SEED_OURS[1]!, ...args], { cwd: dir, encoding: 'utf8' });
  const mp = (args: string[]) => spawnSync('/usr/bin/mapproxy-seed', args, { cwd: dir, encoding: 'utf8' });
  const summary = ['-f', 'mapproxy.yaml', '-s', 'seed.yaml', '--summary'];
  const a = mp(summary), b = seed(summary);
  assert.equal(b.status, 0, b.stderr);
  assert.equal(b.stdout.split('\n')[0], a.stdout.split('\n')[0]);
  assert.equal(b.stdout.split('\n').length, a.stdout.split('\n').length);
  const unknown = seed(['-f', 'mapproxy.yaml', '-s', 'seed.yaml', '--seed', 'nope', '--summary']);
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stdout + unknown.stderr, /unknown seed tasks: nope/);
  // a finished run (no progress file) within the interval: nothing to do, as MapProxy says
  writeFileSync(join(dir, 'reseed.stamp'), '');
  const again = seed(['-f', 'mapproxy.yaml', '-s', 'seed.yaml', '--reseed-file', 'reseed.stamp', '--reseed-interval', '1d', '--progress-file', 'p.json', '-n']);
  assert.equal(again.status, 1);
  assert.equal(again.stdout, 'no need for re-seeding\n');
  assert.match(seed(['--duration', 'soon']).stderr, /invalid duration value/);
});
