import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReloadingApp, type ReloadingApp } from '../../src/core/reloading-app.js';
import type { CoreRequest, CoreResponse } from '../../src/core/http.js';
import { debugConfig } from '../support/configs.js';

/** A configuration with the debug source and a file cache; `title` shows which version answered. */
const config = (title: string, cacheDir: string, cacheExtra?: string) => debugConfig(title, cacheDir, { cacheExtra });

interface Fixture {
  dir: string;
  main: string;
  logs: { errors: string[]; infos: string[]; warns: string[] };
  log: { error: (...a: unknown[]) => void; warn: (...a: unknown[]) => void; info: (...a: unknown[]) => void };
}

function fixture(files: (dir: string) => Record<string, string>): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'mpts-reload-'));
  for (const [name, text] of Object.entries(files(dir))) writeFileSync(join(dir, name), text);
  const logs = { errors: [] as string[], infos: [] as string[], warns: [] as string[] };
  const fmt = (a: unknown[]) => a.map((x) => (x instanceof Error ? x.message : String(x))).join(' ');
  return {
    dir,
    main: join(dir, 'mapproxy.yaml'),
    logs,
    log: {
      error: (...a) => logs.errors.push(fmt(a)),
      warn: (...a) => logs.warns.push(fmt(a)),
      info: (...a) => logs.infos.push(fmt(a)),
    },
  };
}

/** Rewrites a file and moves its mtime forward, so the edit is seen even on filesystems with 1 s timestamps. */
function edit(file: string, text: string): void {
  const before = statSync(file).mtimeMs;
  writeFileSync(file, text);
  const t = new Date(before + 2000);
  utimesSync(file, t, t);
}

function capabilities(app: { handle(r: CoreRequest): Promise<CoreResponse> }): Promise<CoreResponse> {
  return app.handle({
    method: 'GET',
    path: '/service',
    query: 'SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.1.1',
    headers: { host: 'localhost' },
  });
}

async function title(app: ReloadingApp): Promise<string> {
  const res = await capabilities(app);
  assert.equal(res.status, 200);
  const m = /<Service>[\s\S]*?<Title>([^<]*)<\/Title>/.exec(String(res.body));
  assert.ok(m, 'capabilities have a service title');
  return m[1];
}

test('an edit of the main configuration file is served by the next request', async (t) => {
  const f = fixture((dir) => ({ 'mapproxy.yaml': config('First', join(dir, 'cache')) }));
  const app = await createReloadingApp(f.main, { log: f.log, checkIntervalMs: 0 });
  t.after(async () => {
    await app.close();
    rmSync(f.dir, { recursive: true, force: true });
  });
  assert.equal(await title(app), 'First');
  const first = app.current;
  edit(f.main, config('Second', join(f.dir, 'cache')));
  assert.equal(await title(app), 'Second');
  assert.notEqual(app.current, first);
  assert.equal(await title(app), 'Second');
  assert.deepEqual(f.logs.errors, []);
});

test('an edit of a base: file is served by the next request', async (t) => {
  const f = fixture((dir) => ({
    'mapproxy.yaml': `base: [services.yaml]\n${config('Main', join(dir, 'cache')).replace(/services:[\s\S]*?tms:\n/, '')}`,
    'services.yaml': 'services:\n  wms:\n    md:\n      title: From base\n  tms:\n',
  }));
  const app = await createReloadingApp(f.main, { log: f.log, checkIntervalMs: 0 });
  t.after(async () => {
    await app.close();
    rmSync(f.dir, { recursive: true, force: true });
  });
  assert.equal(await title(app), 'From base');
  edit(join(f.dir, 'services.yaml'), 'services:\n  wms:\n    md:\n      title: Base edited\n  tms:\n');
  assert.equal(await title(app), 'Base edited');
});

test('a broken edit keeps the previous answers and logs the key path once per change', async (t) => {
  const f = fixture((dir) => ({ 'mapproxy.yaml': config('Good', join(dir, 'cache')) }));
  const app = await createReloadingApp(f.main, { log: f.log, checkIntervalMs: 0 });
  t.after(async () => {
    await app.close();
    rmSync(f.dir, { recursive: true, force: true });
  });
  assert.equal(await title(app), 'Good');

  edit(f.main, config('Broken', join(f.dir, 'cache'), 'meta_size: lots'));
  assert.equal(await title(app), 'Good');
  assert.equal(f.logs.errors.length, 1);
  assert.match(f.logs.errors[0], /mapproxy\.yaml/);
  assert.match(f.logs.errors[0], /caches\.dbg_cache\.meta_size/);

  // Not reported again while nothing changes.
  assert.equal(await title(app), 'Good');
  assert.equal(f.logs.errors.length, 1);

  // Still broken after another edit: reported again.
  edit(f.main, config('Broken again', join(f.dir, 'cache'), 'meta_size: many'));
  assert.equal(await title(app), 'Good');
  assert.equal(f.logs.errors.length, 2);

  edit(f.main, config('Fixed', join(f.dir, 'cache')));
  assert.equal(await title(app), 'Fixed');
  assert.equal(f.logs.errors.length, 2);
});

test('a broken edit in a newly added base: file is retried when that file is fixed', async (t) => {
  const f = fixture((dir) => ({ 'mapproxy.yaml': config('Good', join(dir, 'cache')) }));
  const app = await createReloadingApp(f.main, { log: f.log, checkIntervalMs: 0 });
  t.after(async () => {
    await app.close();
    rmSync(f.dir, { recursive: true, force: true });
  });
  const extra = join(f.dir, 'extra.yaml');
  writeFileSync(extra, 'globals: [not, a, mapping\n');
  edit(f.main, `base: extra.yaml\n${readFileSync(f.main, 'utf8')}`);
  assert.equal(await title(app), 'Good');
  assert.equal(f.logs.errors.length, 1);
  assert.match(f.logs.errors[0], /extra\.yaml/);

  edit(extra, 'services:\n  wms:\n    md:\n      title: Via extra\n');
  // The main file wins over its base, so the title stays; the point is that the app was rebuilt.
  const before = app.current;
  assert.equal(await title(app), 'Good');
  assert.notEqual(app.current, before);
  assert.equal(f.logs.errors.length, 1);
});

test('concurrent requests during a rebuild all succeed, with one rebuild', async (t) => {
  const f = fixture((dir) => ({ 'mapproxy.yaml': config('One', join(dir, 'cache')) }));
  const app = await createReloadingApp(f.main, { log: f.log, checkIntervalMs: 0 });
  t.after(async () => {
    await app.close();
    rmSync(f.dir, { recursive: true, force: true });
  });
  assert.equal(await title(app), 'One');
  edit(f.main, config('Two', join(f.dir, 'cache')));
  const titles = await Promise.all(Array.from({ length: 8 }, () => title(app)));
  assert.deepEqual(titles, Array(8).fill('Two'));
  assert.equal(f.logs.infos.filter((m) => m.includes('reloaded')).length, 1);
});

test('the replaced runtime is closed only after its requests in flight finish', async (t) => {
  const f = fixture((dir) => ({ 'mapproxy.yaml': config('Old', join(dir, 'cache')) }));
  const app = await createReloadingApp(f.main, { log: f.log, checkIntervalMs: 0 });
  t.after(async () => {
    await app.close();
    rmSync(f.dir, { recursive: true, force: true });
  });
  const old = app.current;
  let closes = 0;
  const closeOld = old.runtime.close;
  (old.runtime as { close: () => Promise<void> }).close = () => {
    closes++;
    return closeOld();
  };
  // Hold one request on the old app until we let it go.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const running = new Promise<void>((r) => (entered = r));
  const handleOld = old.handle;
  (old as { handle: typeof old.handle }).handle = async (req) => {
    entered();
    await gate;
    return handleOld(req);
  };
  const inFlight = title(app);
  await running;

  edit(f.main, config('New', join(f.dir, 'cache')));
  assert.equal(await title(app), 'New');
  assert.equal(closes, 0, 'not closed while a request is still running on it');

  release();
  assert.equal(await inFlight, 'Old');
  assert.equal(closes, 1);
});

test('checks are throttled by checkIntervalMs', async (t) => {
  const f = fixture((dir) => ({ 'mapproxy.yaml': config('Before', join(dir, 'cache')) }));
  const app = await createReloadingApp(f.main, { log: f.log, checkIntervalMs: 3_600_000 });
  t.after(async () => {
    await app.close();
    rmSync(f.dir, { recursive: true, force: true });
  });
  assert.equal(await title(app), 'Before');
  edit(f.main, config('After', join(f.dir, 'cache')));
  // Within the hour since the last check, the configuration is not looked at again.
  assert.equal(await title(app), 'Before');
});

test('a configuration that fails to load at start rejects like createApp', async (t) => {
  const f = fixture((dir) => ({ 'mapproxy.yaml': config('Bad', join(dir, 'cache'), 'meta_size: lots') }));
  t.after(() => rmSync(f.dir, { recursive: true, force: true }));
  await assert.rejects(createReloadingApp(f.main, { log: f.log }), /caches\.dbg_cache\.meta_size/);
});
