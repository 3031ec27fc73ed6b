// Each way an upstream can fail, end to end through createApp with a real file cache and a fake
// upstream: what the client gets, what ends up in the cache, and what is logged.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { tempDir, writeConfig } from '../support/configs.js';
import { closedPort, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { createApp, get } from '../support/our-app.js';
import { waitUntilEqual } from '../support/wait-until.js';

const MODES = ['ok', 'status500', 'status404', 'html', 'garbage', 'wrongsize', 'timeout', 'refused'] as const;
type Mode = (typeof MODES)[number];

function config(upstream: FakeUpstream, refusedPort: number, cacheDir: string, opts: { onError?: string; onSourceErrors?: string } = {}): string {
  const url = (m: Mode) =>
    m === 'refused' ? `http://user:secret@127.0.0.1:${refusedPort}/service` : upstream.url.replace('http://', 'http://user:secret@');
  return `
services:
  tms:
  wms:
    srs: ['EPSG:3857']
    on_source_errors: ${opts.onSourceErrors ?? 'notify'}
layers:
${MODES.map((m) => `  - name: l_${m}\n    title: ${m}\n    sources: [c_${m}]`).join('\n')}
caches:
${MODES.map((m) => `  c_${m}:\n    grids: [GLOBAL_WEBMERCATOR]\n    sources: [s_${m}]\n    meta_size: [2, 2]\n    meta_buffer: 0\n    cache_dir: ${JSON.stringify(cacheDir)}`).join('\n')}
sources:
${MODES.map((m) => `  s_${m}:\n    type: wms\n    req:\n      url: ${url(m)}\n      layers: ${m}\n      transparent: true\n${opts.onError ?? ''}`).join('\n')}
globals:
  http:
    client_timeout: 1
  cache:
    lock_dir: ${JSON.stringify(join(cacheDir, 'locks'))}
`;
}

/** Every file under `dir` (recursively), except lock files. */
function cacheFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, e);
    if (statSync(p).isFile() && !p.includes('tile_locks') && !p.includes(`${join(dir, 'locks')}`)) out.push(p);
  }
  return out;
}

const tileUrl = (m: Mode) => `/tms/1.0.0/l_${m}/EPSG3857/1/0/0.png`;
const failing = MODES.filter((m) => m !== 'ok');

let upstream: FakeUpstream;
let refusedPort: number;
const dirs: string[] = [];
const warnings: string[] = [];
const originalWarn = console.warn;
before(async () => {
  upstream = await startFakeUpstream();
  refusedPort = await closedPort();
  console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
});
after(async () => {
  console.warn = originalWarn;
  await upstream.stop();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function newCacheDir(): string {
  const d = tempDir('failures-');
  dirs.push(d);
  return d;
}

describe('upstream failures without on_error', () => {
  it('each failure is an error response; nothing is cached; the log names the URL without credentials', async () => {
    const cacheDir = newCacheDir();
    const app = await createApp(writeConfig(cacheDir, config(upstream, refusedPort, join(cacheDir, 'cache'))));
    const ok = await get(app, tileUrl('ok'));
    assert.equal(ok.status, 200);
    // the asked tile is stored before the answer, the meta tile's other three right after
    const okFiles = await waitUntilEqual(() => cacheFiles(join(cacheDir, 'cache', 'c_ok_EPSG3857')).length, () => 4, 'the meta tile stored');
    assert.equal(okFiles, 4, 'the working source fills its meta tile');

    for (const m of failing) {
      warnings.length = 0;
      const res = await get(app, tileUrl(m));
      assert.equal(res.status, 500, `${m}: status`);
      assert.equal(cacheFiles(join(cacheDir, 'cache', `c_${m}_EPSG3857`)).length, 0, `${m}: nothing cached`);
      assert.ok(!res.body.toString().includes('secret'), `${m}: no credentials in the response`);
      assert.ok(warnings.every((w) => !w.includes('secret')), `${m}: no credentials in the log`);
      if (['status500', 'status404', 'timeout', 'refused'].includes(m)) {
        const port = m === 'refused' ? refusedPort : upstream.port;
        assert.ok(
          warnings.some((w) => w.includes(`http://127.0.0.1:${port}/service?`)),
          `${m}: the log names the URL: ${warnings.join('\n')}`,
        );
      }
    }
    // a failed creation left no lock behind: a second request fails the same way instead of waiting
    const again = await get(app, tileUrl('status500'));
    assert.equal(again.status, 500);
  });

  it('WMS on_source_errors: notify answers with the other layers, raise with an exception', async () => {
    for (const mode of ['notify', 'raise']) {
      const cacheDir = newCacheDir();
      const app = await createApp(writeConfig(cacheDir, config(upstream, refusedPort, join(cacheDir, 'cache'), { onSourceErrors: mode })));
      const q = '/service?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&SRS=EPSG:3857&BBOX=0,0,10000000,10000000&WIDTH=64&HEIGHT=64&FORMAT=image/png&STYLES=&LAYERS=l_ok,l_status500';
      const res = await get(app, q);
      if (mode === 'notify') {
        assert.equal(res.headers['content-type'], 'image/png', res.body.toString());
        const px = await sharp(res.body).raw().toBuffer({ resolveWithObject: true });
        const got = [...px.data.subarray(0, 3)];
        assert.ok([10, 120, 200].every((v, i) => Math.abs(got[i] - v) <= 3), `the working layer is drawn: ${got}`);
      } else {
        assert.match(res.headers['content-type'] ?? '', /xml/);
        assert.match(res.body.toString(), /ServiceException/);
      }
      assert.equal(cacheFiles(join(cacheDir, 'cache', 'c_status500_EPSG3857')).length, 0);
    }
  });
});

describe('upstream failures with on_error', () => {
  const onError = `    on_error:
      500:
        response: '#ff0000'
        cache: True
      other:
        response: transparent
        cache: False
`;

  it('answers the configured colour and caches it only with cache: true', async () => {
    const cacheDir = newCacheDir();
    const app = await createApp(writeConfig(cacheDir, config(upstream, refusedPort, join(cacheDir, 'cache'), { onError })));

    const red = await get(app, tileUrl('status500'));
    assert.equal(red.status, 200);
    const redPx = await sharp(red.body).ensureAlpha().raw().toBuffer();
    assert.deepEqual([...redPx.subarray(0, 4)], [255, 0, 0, 255]);
    assert.equal(cacheFiles(join(cacheDir, 'cache', 'c_status500_EPSG3857')).length, 4, '500 → cache: true');

    for (const m of ['status404', 'timeout', 'refused', 'html'] as const) {
      const res = await get(app, tileUrl(m));
      assert.equal(res.status, 200, `${m}: status`);
      const px = await sharp(res.body).ensureAlpha().raw().toBuffer();
      assert.equal(px[3], 0, `${m}: transparent`);
      assert.match(res.headers['cache-control'] ?? '', /no-cache/, `${m}: not cacheable for clients either`);
      assert.equal(cacheFiles(join(cacheDir, 'cache', `c_${m}_EPSG3857`)).length, 0, `${m}: not cached`);
    }
    // an answer that claims to be an image but is not, or has the wrong size, is a source error:
    // on_error colours are for failed requests (as in MapProxy), and nothing wrong is stored
    for (const m of ['garbage', 'wrongsize'] as const) {
      const res = await get(app, tileUrl(m));
      assert.equal(res.status, 500, `${m}: status`);
      assert.equal(cacheFiles(join(cacheDir, 'cache', `c_${m}_EPSG3857`)).length, 0, `${m}: not cached`);
    }
  });
});
