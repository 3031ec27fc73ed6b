import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMultiApp, type MultiApp, type MultiAppOptions } from '../../src/core/multiapp.js';
import type { CoreRequest, CoreResponse } from '../../src/core/http.js';
import { debugConfig } from '../support/configs.js';

/** A project configuration with the debug source and a file cache; `unknown_key` makes each build log a warning. */
const project = (title: string, cacheDir: string) => debugConfig(title, cacheDir, { demo: true, cacheExtra: 'unknown_key: 1' });

interface Setup {
  app: MultiApp;
  dir: string;
  errors: string[];
  warns: string[];
}

async function setup(t: { after(fn: () => Promise<void>): void }, opts: MultiAppOptions = {}): Promise<Setup> {
  const root = mkdtempSync(join(tmpdir(), 'mpts-multiapp-'));
  const dir = join(root, 'conf');
  const cache = join(root, 'cache');
  await import('node:fs/promises').then((fs) => fs.mkdir(dir));
  writeFileSync(join(dir, 'proj1.yaml'), project('Project One', join(cache, 'proj1')));
  writeFileSync(join(dir, 'proj-2.yaml'), project('Project Two', join(cache, 'proj2')));
  writeFileSync(join(dir, 'notes.txt'), 'not a configuration');
  writeFileSync(join(root, 'outside.yaml'), project('Outside', join(cache, 'outside')));
  const errors: string[] = [];
  const warns: string[] = [];
  const fmt = (a: unknown[]) => a.map((x) => (x instanceof Error ? x.message : String(x))).join(' ');
  const app = await createMultiApp(dir, {
    checkIntervalMs: 0,
    log: { error: (...a: unknown[]) => errors.push(fmt(a)), warn: (...a: unknown[]) => warns.push(fmt(a)) },
    ...opts,
  });
  t.after(async () => {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  });
  return { app, dir, errors, warns };
}

function get(app: MultiApp, pathAndQuery: string, extra: Partial<CoreRequest> = {}): Promise<CoreResponse> {
  const q = pathAndQuery.indexOf('?');
  return app.handle({
    method: 'GET',
    path: q < 0 ? pathAndQuery : pathAndQuery.slice(0, q),
    query: q < 0 ? '' : pathAndQuery.slice(q + 1),
    headers: { host: 'localhost:8080' },
    ...extra,
  });
}

const CAPS = '/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.1.1';

function serviceTitle(res: CoreResponse): string | undefined {
  return /<Service>[\s\S]*?<Title>([^<]*)<\/Title>/.exec(String(res.body))?.[1];
}

function edit(file: string, text: string): void {
  const before = statSync(file).mtimeMs;
  writeFileSync(file, text);
  const t = new Date(before + 2000);
  utimesSync(file, t, t);
}

test('each configuration is served under its name, with its name in the capabilities URLs', async (t) => {
  const { app } = await setup(t);
  const one = await get(app, `/proj1${CAPS}`);
  assert.equal(one.status, 200);
  assert.equal(serviceTitle(one), 'Project One');
  assert.match(String(one.body), /xlink:href="http:\/\/localhost:8080\/proj1\/service\?"/);

  const two = await get(app, `/proj-2${CAPS}`);
  assert.equal(two.status, 200);
  assert.equal(serviceTitle(two), 'Project Two');
  assert.match(String(two.body), /xlink:href="http:\/\/localhost:8080\/proj-2\/service\?"/);

  const tile = await get(app, '/proj1/tms/1.0.0/dbg/EPSG3857/0/0/0.png');
  assert.equal(tile.status, 200);
  assert.equal(tile.headers['Content-Type'], 'image/png');
});

test('the mount point and X-Script-Name come before the app name', async (t) => {
  const { app } = await setup(t);
  const mounted = await get(app, `/proj1${CAPS}`, { scriptName: '/maps' });
  assert.match(String(mounted.body), /xlink:href="http:\/\/localhost:8080\/maps\/proj1\/service\?"/);
  const proxied = await get(app, `/proj1${CAPS}`, {
    headers: { host: 'internal:8080', 'x-forwarded-host': 'maps.example.org', 'x-script-name': '/public/' },
  });
  assert.match(String(proxied.body), /xlink:href="http:\/\/maps\.example\.org\/public\/proj1\/service\?"/);
});

test('the app root shows the app welcome page with its own links', async (t) => {
  const { app } = await setup(t);
  const res = await get(app, '/proj1');
  assert.equal(res.status, 200);
  assert.match(String(res.body), /href="http:\/\/localhost:8080\/proj1\/demo\/"/);
});

test('with allowListing, / lists the available apps with links', async (t) => {
  const { app } = await setup(t, { allowListing: true });
  const res = await get(app, '/');
  assert.equal(res.status, 200);
  assert.equal(res.headers['Content-Type'], 'text/html');
  const body = String(res.body);
  assert.match(body, /MapProxy/);
  assert.match(body, /<a href="http:\/\/localhost:8080\/proj-2\/">proj-2<\/a>/);
  assert.match(body, /<a href="http:\/\/localhost:8080\/proj1\/">proj1<\/a>/);
  assert.ok(body.indexOf('proj-2') < body.indexOf('proj1'), 'sorted by name');
  assert.doesNotMatch(body, /notes/);
});

test('without allowListing, / greets but lists nothing (as MapProxy)', async (t) => {
  const { app } = await setup(t);
  const res = await get(app, '/');
  assert.equal(res.status, 200);
  assert.match(String(res.body), /MapProxy/);
  assert.doesNotMatch(String(res.body), /proj1/);
});

test('unknown apps and traversal attempts are 404 not found', async (t) => {
  const { app } = await setup(t);
  for (const path of ['/unknown/service', '/notes', '/proj1.yaml/service', '/../outside/service', '/..', '/%2e%2e/outside', '/.proj1/service']) {
    const res = await get(app, path);
    assert.equal(res.status, 404, path);
    assert.equal(res.headers['Content-Type'], 'text/plain', path);
    assert.equal(String(res.body), 'not found', path);
  }
});

test('an edited configuration is picked up by the next request', async (t) => {
  const { app, dir } = await setup(t);
  assert.equal(serviceTitle(await get(app, `/proj1${CAPS}`)), 'Project One');
  edit(join(dir, 'proj1.yaml'), project('Project One, edited', join(dir, 'cache')));
  assert.equal(serviceTitle(await get(app, `/proj1${CAPS}`)), 'Project One, edited');
});

test('a removed configuration is no longer served; a new one is served at once', async (t) => {
  const { app, dir } = await setup(t);
  assert.equal((await get(app, `/proj1${CAPS}`)).status, 200);
  unlinkSync(join(dir, 'proj1.yaml'));
  assert.equal((await get(app, `/proj1${CAPS}`)).status, 404);
  writeFileSync(join(dir, 'proj3.yaml'), project('Project Three', join(dir, 'cache')));
  assert.equal(serviceTitle(await get(app, `/proj3${CAPS}`)), 'Project Three');
});

test('a configuration that fails to load answers 500 naming it, with the details in the log', async (t) => {
  const { app, dir, errors } = await setup(t);
  writeFileSync(join(dir, 'broken.yaml'), project('Broken', join(dir, 'cache')).replace('unknown_key: 1', 'meta_size: lots'));
  const res = await get(app, `/broken${CAPS}`);
  assert.equal(res.status, 500);
  assert.equal(res.headers['Content-Type'], 'text/plain');
  assert.match(String(res.body), /broken\.yaml/);
  assert.doesNotMatch(String(res.body), /meta_size/);
  assert.equal(errors.length, 1);
  assert.match(errors[0], /caches\.dbg_cache\.meta_size/);
  // Other apps are unaffected.
  assert.equal((await get(app, `/proj1${CAPS}`)).status, 200);
});

test('with maxApps 1 both apps are still served, rebuilt after eviction', async (t) => {
  const { app, warns } = await setup(t, { maxApps: 1 });
  const builds = (name: string) => warns.filter((w) => w.includes(`${name}.yaml`) && w.includes('unknown_key')).length;
  assert.equal(serviceTitle(await get(app, `/proj1${CAPS}`)), 'Project One');
  assert.equal(serviceTitle(await get(app, `/proj1${CAPS}`)), 'Project One');
  assert.equal(builds('proj1'), 1, 'cached while it is the only app');
  assert.equal(serviceTitle(await get(app, `/proj-2${CAPS}`)), 'Project Two');
  assert.equal(serviceTitle(await get(app, `/proj1${CAPS}`)), 'Project One');
  assert.equal(builds('proj1'), 2, 'evicted by proj-2 and built again');
  assert.equal(builds('proj-2'), 1);
});

test('concurrent first requests to one app build it once', async (t) => {
  const { app, warns } = await setup(t);
  const results = await Promise.all(Array.from({ length: 6 }, () => get(app, `/proj1${CAPS}`)));
  assert.deepEqual(results.map((r) => r.status), Array(6).fill(200));
  assert.equal(warns.filter((w) => w.includes('proj1.yaml')).length, 1);
});
