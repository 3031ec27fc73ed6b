import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import * as jose from 'jose';
import sharp from 'sharp';
import { createApp, type OurApp } from '../support/our-app.js';

/*
 * /ogcapi under the authorization hook as WMS and WMTS are: the documents list only the permitted collections,
 * maps and tiles of a forbidden one are refused with the standard's exception document (401/403), limited_to
 * clips maps and tiles, decorate_img sees OGC API images as `ogcapi.map`; an access rules file with
 * `services: [ogcapi]` covers all of /ogcapi, and a JWT rule's 401 carries `WWW-Authenticate: Bearer`.
 */
const CONFIG = `
globals:
  cache: {base_dir: CACHE_DIR}
server:
  hooks: HOOKS
services:
  wms:
  wmts:
  ogcapi:
    default_dataset_layers: [dbg]
layers:
  - name: dbg
    title: Debug layer
    sources: [dbg_cache]
  - name: small
    title: Small layer
    sources: [dbg_small]
caches:
  dbg_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [dbg]
sources:
  dbg: {type: debug}
  # never asked: only its coverage matters
  dbg_small:
    type: wms
    req: {url: 'http://127.0.0.1:9/service', layers: small}
    coverage: {bbox: [5, 45, 15, 55], srs: 'EPSG:4326'}
`;

/** The hook module: the answer depends on the `x-user` header; every question is recorded. */
const HOOK_MODULE = (blankUrl: string, imageUrl: string) => `
import { blankImage } from ${JSON.stringify(blankUrl)};
import { ImageResult } from ${JSON.stringify(imageUrl)};
globalThis.ogcauthCalls = [];
const ALL = { map: true, featureinfo: true, legendgraphic: true, tile: true };
// the north-east quarter of the world (beyond web mercator's latitude limit, so that 1/0/1 is inside)
const NE = { srs: 'EPSG:4326', geometry: [0, 0, 180, 89] };
export function authorize(service, layers, { request, queryExtent }) {
  globalThis.ogcauthCalls.push({ service, layers, queryExtent });
  switch (request.headers['x-user']) {
    case 'admin': return { authorized: 'full' };
    case 'partial': return { authorized: 'partial', layers: { dbg: ALL } };
    case 'small': return { authorized: 'partial', layers: { small: ALL } };
    case 'maponly': return { authorized: 'partial', layers: { dbg: { map: true } } };
    case 'limited': return { authorized: 'partial', layers: { dbg: { ...ALL, limited_to: NE } } };
    case 'forbidden': return { authorized: 'forbidden' };
    case 'challenged': return { authorized: 'unauthenticated', challenge: 'Basic realm="maps"' };
    case 'splitting': return { authorized: 'unauthenticated', challenge: 'Basic\\r\\nSet-Cookie: stolen=1' };
    default: return { authorized: 'unauthenticated' };
  }
}
export function decorateImg(image, service, layers, ctx) {
  globalThis.ogcauthCalls.push({ decorated: service, layers });
  if (ctx.request.headers['x-stamp'] !== 'red') return image;
  return ImageResult.fromRaw(blankImage([256, 256], { transparent: false, bgcolor: [255, 0, 0, 1] }), { transparent: false });
}
`;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  json(): Record<string, unknown>;
}

interface Call {
  service?: string;
  decorated?: string;
  layers: string[];
}
const calls = (): Call[] => (globalThis as unknown as { ogcauthCalls: Call[] }).ogcauthCalls;

async function handle(app: OurApp, pathAndQuery: string, headers: Record<string, string>): Promise<Answer> {
  const q = pathAndQuery.indexOf('?');
  const res = await app.handle({
    method: 'GET',
    path: q < 0 ? pathAndQuery : pathAndQuery.slice(0, q),
    query: q < 0 ? '' : pathAndQuery.slice(q + 1),
    headers: { host: 'localhost', ...headers },
    remoteAddr: '127.0.0.1',
  });
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) h[k.toLowerCase()] = v;
  const body = typeof res.body === 'string' ? Buffer.from(res.body) : res.body;
  return { status: res.status, headers: h, body, json: () => JSON.parse(body.toString()) as Record<string, unknown> };
}

/** The alpha channel of a PNG answer, with its width. */
async function alpha(body: Buffer): Promise<{ a: Uint8Array; width: number }> {
  const { data, info } = await sharp(body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const a = new Uint8Array(info.width * info.height);
  for (let i = 0; i < a.length; i++) a[i] = data[i * 4 + 3]!;
  return { a, width: info.width };
}
const opaqueIn = ({ a, width }: { a: Uint8Array; width: number }, x0: number, x1: number): number => {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (i % width >= x0 && i % width < x1 && a[i]! > 0) n++;
  return n;
};

/** An OGC API exception document with its status. */
function assertException(r: Answer, status: number): void {
  assert.equal(r.status, status);
  assert.equal(r.headers['content-type'], 'application/json');
  const doc = r.json();
  assert.equal(doc['status'], status);
  assert.equal(doc['title'], 'OGCAPI');
  assert.equal(typeof doc['type'], 'string');
  if (status === 401 || status === 403) assert.match(r.headers['cache-control'] ?? '', /no-cache/);
}

describe('OGC API under the authorization hook', () => {
  let dir: string;
  let app: OurApp;
  const get = (path: string, user: string, more: Record<string, string> = {}) => handle(app, path, { 'x-user': user, ...more });
  const collectionIds = async (user: string) => ((await get('/ogcapi/collections', user)).json()['collections'] as { id: string }[]).map((c) => c.id);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auth-ogcapi-'));
    const src = new URL('../../src/core/', import.meta.url);
    writeFileSync(join(dir, 'hooks.mjs'), HOOK_MODULE(new URL('image/blank.ts', src).href, new URL('image/image.ts', src).href));
    const file = join(dir, 'mapproxy.yaml');
    writeFileSync(file, CONFIG.replace('CACHE_DIR', join(dir, 'cache')).replace('HOOKS', pathToFileURL(join(dir, 'hooks.mjs')).pathname));
    app = await createApp(file);
  });
  after(async () => {
    await app.runtime.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('collections, a collection and the landing page show only what ogcapi.capabilities permits', async () => {
    assert.deepEqual(await collectionIds('admin'), ['dbg', 'small']);
    calls().length = 0;
    assert.deepEqual(await collectionIds('partial'), ['dbg']);
    assert.deepEqual(calls(), [{ service: 'ogcapi.capabilities', layers: ['dbg', 'small'], queryExtent: null }]);
    assert.equal((await get('/ogcapi/collections/dbg', 'partial')).status, 200);
    assertException(await get('/ogcapi/collections/small', 'partial'), 403);
    assertException(await get('/ogcapi/collections/nothing', 'partial'), 404);
    // the HTML page answers the refusal as a page
    const html = await get('/ogcapi/collections/small?f=html', 'partial');
    assert.equal(html.status, 403);
    assert.match(html.headers['content-type']!, /^text\/html/);
    assertException(await get('/ogcapi/collections', 'forbidden'), 403);
    assertException(await get('/ogcapi', 'forbidden'), 403);
    assertException(await get('/ogcapi/collections', 'nobody'), 401);
    // no hook-given challenge: a bare 401, as MapProxy's
    assert.equal((await get('/ogcapi/collections', 'nobody')).headers['www-authenticate'], undefined);
  });

  it("a hook's challenge is the 401's WWW-Authenticate; one that would split the header is an internal error", async () => {
    const r = await get('/ogcapi/collections', 'challenged');
    assertException(r, 401);
    assert.equal(r.headers['www-authenticate'], 'Basic realm="maps"');
    const split = await get('/ogcapi/collections', 'splitting');
    assert.equal(split.status, 500);
    assert.equal(split.headers['set-cookie'], undefined);
  });

  it('the landing page announces the dataset map only when its layers are all shown', async () => {
    const mapLinks = async (user: string) => ((await get('/ogcapi', user)).json()['links'] as { rel: string }[]).filter((l) => l.rel.endsWith('/map')).length;
    assert.equal(await mapLinks('partial'), 2);
    assert.equal(await mapLinks('small'), 0);
    assertException(await get('/ogcapi/map/tiles', 'small'), 403);
  });

  it('a collection extent shrinks to limited_to; the limited map is clipped to it', async () => {
    const col = (await get('/ogcapi/collections/dbg', 'limited')).json();
    const [bbox] = (col['extent'] as { spatial: { bbox: number[][] } }).spatial.bbox;
    assert.deepEqual(bbox!.map((v) => Math.round(v)), [0, 0, 180, 85]);
    const url = '/ogcapi/collections/dbg/map?crs=EPSG:3857&bbox-crs=EPSG:3857&bbox=-20037508.34,-20037508.34,20037508.34,20037508.34&width=256&height=256&transparent=true&f=png';
    const full = await alpha((await get(url, 'admin')).body);
    const limited = await get(url, 'limited');
    assert.equal(limited.status, 200);
    const clipped = await alpha(limited.body);
    assert.ok(opaqueIn(full, 0, 120) > 0, 'the unlimited map draws its west half');
    assert.equal(opaqueIn(clipped, 0, 127), 0, 'the west half (outside limited_to) is background');
    assert.ok(opaqueIn(clipped, 130, 256) > 0, 'the east half is drawn');
  });

  it('maps and drawn tiles ask ogcapi.map / ogcapi.tile; a forbidden collection is refused with the exception document', async () => {
    const url = '/ogcapi/collections/small/map?bbox=5,45,15,55&width=64&height=64';
    calls().length = 0;
    assertException(await get(url, 'partial'), 403);
    assert.deepEqual(calls().map((c) => c.service), ['ogcapi.map']);
    assertException(await get(url, 'nobody'), 401);
    assert.equal((await get('/ogcapi/collections/dbg/map?bbox=-10,-10,10,10&width=64&height=64', 'partial')).status, 200);
    // the dataset map names its default layers; asking for a hidden one by collections= is refused
    assert.equal((await get('/ogcapi/map?bbox=-10,-10,10,10&width=64&height=64', 'partial')).status, 200);
    assertException(await get('/ogcapi/map?collections=dbg,small&bbox=5,45,15,55&width=64&height=64', 'partial'), 403);
    calls().length = 0;
    // with transparent= the tile is drawn, not read from the cache: it needs the `tile` permission
    assertException(await get('/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/0/0/0.png?transparent=true', 'maponly'), 403);
    assert.deepEqual(calls().map((c) => c.service), ['ogcapi.tile']);
    assert.equal((await get('/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/0/0/0.png?transparent=true', 'partial')).status, 200);
  });

  it('cached tiles ask ogcapi.tile: refused without `tile`, outside limited_to transparent, inside as WMTS serves them', async () => {
    const tile = (user: string, rowCol: string) => get(`/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/1/${rowCol}.png`, user);
    calls().length = 0;
    assertException(await tile('maponly', '0/1'), 403);
    assert.deepEqual(calls().map((c) => c.service), ['ogcapi.tile']);
    assertException(await tile('nobody', '0/1'), 401);
    // 1/1/0 is the south-west quarter: outside limited_to, a transparent tile; the unlimited one has lines
    assert.ok(opaqueIn(await alpha((await tile('admin', '1/0')).body), 0, 256) > 0);
    const outside = await tile('limited', '1/0');
    assert.equal(outside.status, 200);
    assert.equal(opaqueIn(await alpha(outside.body), 0, 256), 0);
    const inside = await tile('limited', '0/1');
    assert.deepEqual(inside.body, (await tile('admin', '0/1')).body);
  });

  it('tilesets: a hidden collection is refused, the dataset tilesets need its default layers', async () => {
    assert.equal((await get('/ogcapi/collections/dbg/map/tiles', 'partial')).status, 200);
    assertException(await get('/ogcapi/collections/small/map/tiles', 'partial'), 403);
    assertException(await get('/ogcapi/collections/small/map/tiles/WebMercatorQuad', 'partial'), 403);
    assertException(await get('/ogcapi/collections/dbg/map/tiles', 'forbidden'), 403);
    assert.equal((await get('/ogcapi/map/tiles', 'partial')).status, 200);
  });

  it('decorate_img changes OGC API maps and tiles, told `ogcapi.map` as MapProxy 7 tells it', async () => {
    const stamp = { 'x-stamp': 'red' };
    calls().length = 0;
    const map = await get('/ogcapi/collections/dbg/map?bbox=-10,-10,10,10&width=256&height=256&f=png', 'admin', stamp);
    assert.equal(map.status, 200);
    const tile = await get('/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/0/0/0.png', 'admin', stamp);
    assert.equal(tile.status, 200);
    assert.deepEqual(calls().filter((c) => c.decorated).map((c) => [c.decorated, c.layers]), [['ogcapi.map', ['dbg']], ['ogcapi.map', ['dbg']]]);
    for (const body of [map.body, tile.body]) {
      const { data } = await sharp(body).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([data[0], data[1], data[2]], [255, 0, 0]);
    }
  });
});

const RULES = `
rules:
  - name: ogcapi-partner
    api_key: {header: X-Api-Key, keys: [ogc-key-0123456789]}
    services: [ogcapi]
    layers: [dbg]
  - name: wms-partner
    api_key: {header: X-Api-Key, keys: [wms-key-0123456789]}
    services: [wms]
    layers: '*'
  - name: bearer
    jwt: {secret: a-secret-of-at-least-thirty-two-bytes!!, audience: mapproxy}
    services: [ogcapi]
    layers: '*'
`;

describe('access rules with services: [ogcapi]', () => {
  let dir: string;
  let app: OurApp;
  const get = (path: string, headers: Record<string, string> = {}) => handle(app, path, headers);
  const token = (aud: string) =>
    new jose.SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setAudience(aud).setExpirationTime('5m').sign(new TextEncoder().encode('a-secret-of-at-least-thirty-two-bytes!!'));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auth-ogcapi-rules-'));
    writeFileSync(join(dir, 'access.yaml'), RULES);
    const file = join(dir, 'mapproxy.yaml');
    writeFileSync(file, CONFIG.replace('CACHE_DIR', join(dir, 'cache')).replace('HOOKS', './access.yaml'));
    app = await createApp(file);
  });
  after(async () => {
    await app.runtime.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an ogcapi key opens all of /ogcapi for its layers and nothing of WMS', async () => {
    const key = { 'x-api-key': 'ogc-key-0123456789' };
    const ids = ((await get('/ogcapi/collections', key)).json()['collections'] as { id: string }[]).map((c) => c.id);
    assert.deepEqual(ids, ['dbg']);
    assert.equal((await get('/ogcapi/collections/dbg/map?bbox=-10,-10,10,10&width=64&height=64', key)).status, 200);
    assert.equal((await get('/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/0/0/0.png', key)).status, 200);
    assert.equal((await get('/ogcapi/collections/dbg/map/tiles', key)).status, 200);
    assertException(await get('/ogcapi/collections/small/map?bbox=5,45,15,55&width=64&height=64', key), 403);
    const wms = await get('/service?SERVICE=WMS&REQUEST=GetCapabilities', key);
    assert.equal(wms.status, 403);
    assert.equal(wms.headers['content-type'], 'text/plain');
  });

  it('a WMS key is refused by /ogcapi (403, reason service), as an OGC API exception', async () => {
    const key = { 'x-api-key': 'wms-key-0123456789' };
    assertException(await get('/ogcapi/collections', key), 403);
    assertException(await get('/ogcapi/collections/dbg/map/tiles/WebMercatorQuad/0/0/0.png', key), 403);
    assert.equal((await get('/service?SERVICE=WMS&REQUEST=GetCapabilities', key)).status, 200);
  });

  it('a 401 from the JWT rule carries WWW-Authenticate: Bearer (invalid_token for a refused token); a key 401 none', async () => {
    const none = await get('/ogcapi/collections');
    assertException(none, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    const wrong = await get('/ogcapi/collections', { authorization: `Bearer ${await token('elsewhere')}` });
    assertException(wrong, 401);
    assert.equal(wrong.headers['www-authenticate'], 'Bearer error="invalid_token"');
    const ok = await get('/ogcapi/collections', { authorization: `Bearer ${await token('mapproxy')}` });
    assert.deepEqual((ok.json()['collections'] as { id: string }[]).map((c) => c.id), ['dbg', 'small']);
    // a wrong API key outranks the missing token: the key rule's 401, without a challenge
    const badKey = await get('/ogcapi/collections', { 'x-api-key': 'not-a-key-0123456789' });
    assertException(badKey, 401);
    assert.equal(badKey.headers['www-authenticate'], undefined);
    // WMS answers its plain 401 with the same challenge
    const wms = await get('/service?SERVICE=WMS&REQUEST=GetCapabilities');
    assert.equal(wms.status, 401);
    assert.equal(wms.headers['www-authenticate'], 'Bearer');
  });
});
