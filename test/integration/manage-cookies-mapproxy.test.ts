// http.manage_cookies side by side with MapProxy 1.15 (Debian's): each server in front of its own copy of a small
// tile server that hands out cookies (a session cookie with the default path, site-wide ones, a secure one, one
// deleted later with Max-Age=0, one for a foreign domain) and records the Cookie header of every request. The same
// tiles asked in the same order must send the same Cookie headers upstream; a source without the option sends none.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReferenceMapProxy, type ReferenceMapProxy } from '../support/mapproxy-reference.js';
import { startOurServer, type OurServer } from '../support/our-app.js';
import sharp from 'sharp';

const skip = !existsSync('/usr/lib/python3/dist-packages/mapproxy') ? 'MapProxy 1.15 missing' : false;

/** What the tile server answers with, by the order of the request (later requests set nothing). */
const SET_COOKIES: string[][] = [
  ['session=abc', 'site=1; Path=/', 'sec=s; Path=/; Secure', 'gone=1; Path=/', 'later=1; Path=/; Expires=Wed, 01 Jan 2200 00:00:00 GMT'],
  ['gone=x; Path=/; Max-Age=0', 'foreign=1; Domain=example.com; Path=/', 'site=2; Path=/; Max-Age=3600'],
];

interface CookieServer { url: string; cookies: (string | null)[]; close(): Promise<void> }

async function cookieServer(tile: Buffer): Promise<CookieServer> {
  const cookies: (string | null)[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    cookies.push(`${req.url!.replace(/\/\d+\/\d+\/\d+\.png$/, '/…')} ${req.headers.cookie ?? '-'}`);
    const set = SET_COOKIES[n++] ?? [];
    res.writeHead(200, { 'Content-Type': 'image/png', 'Set-Cookie': set });
    res.end(tile);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cookies,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function config(baseDir: string, upstream: string): string {
  return `
globals: {cache: {base_dir: ${baseDir}}}
services: {tms: {}}
layers:
  - {name: kept, title: kept, sources: [kept]}
  - {name: plain, title: plain, sources: [plain]}
caches:
  kept: {grids: [GLOBAL_WEBMERCATOR], sources: [kept], disable_storage: true}
  plain: {grids: [GLOBAL_WEBMERCATOR], sources: [plain], disable_storage: true}
sources:
  kept: {type: tile, grid: GLOBAL_WEBMERCATOR, url: '${upstream}/kept/%(z)s/%(x)s/%(y)s.png', http: {manage_cookies: true}}
  plain: {type: tile, grid: GLOBAL_WEBMERCATOR, url: '${upstream}/plain/%(z)s/%(x)s/%(y)s.png'}
`;
}

// requests one after the other: the order of Set-Cookie and Cookie matters
const TILES = ['kept/0/0/0', 'kept/1/0/0', 'kept/0/0/0', 'plain/1/1/1', 'kept/1/1/1'];

describe('http.manage_cookies side by side with MapProxy 1.15', { skip }, () => {
  let dir: string;
  let tile: Buffer;
  let ours: OurServer;
  let theirs: ReferenceMapProxy;
  let oursUp: CookieServer;
  let theirsUp: CookieServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cookies-'));
    tile = await sharp({ create: { width: 256, height: 256, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 1 } } }).png().toBuffer();
    oursUp = await cookieServer(tile);
    theirsUp = await cookieServer(tile);
    writeFileSync(join(dir, 'ours.yaml'), config(join(dir, 'ours-cache'), oursUp.url));
    writeFileSync(join(dir, 'theirs.yaml'), config(join(dir, 'theirs-cache'), theirsUp.url));
    ours = await startOurServer(join(dir, 'ours.yaml'));
    theirs = await startReferenceMapProxy(join(dir, 'theirs.yaml'));
  });

  after(async () => {
    await ours?.stop();
    await theirs?.stop();
    await oursUp?.close();
    await theirsUp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the cookies MapProxy sends, request by request', async () => {
    for (const t of TILES) {
      for (const base of [ours.url, theirs.url]) {
        const [layer, ...zxy] = t.split('/');
        const res = await fetch(`${base}/tms/1.0.0/${layer}/EPSG3857/${zxy.join('/')}.png`);
        assert.equal(res.status, 200, `${base} ${t}`);
        await res.arrayBuffer();
      }
    }
    assert.equal(theirsUp.cookies.length, TILES.length);
    assert.deepEqual(oursUp.cookies, theirsUp.cookies);
    // what the comparison covers: a first request without cookies, the session cookie only on its own path,
    // the secure one never over http, the deleted and the foreign one never, and nothing for the plain source
    assert.deepEqual(oursUp.cookies, [
      '/kept/… -',
      '/kept/… site=1; gone=1; later=1',
      '/kept/… session=abc; site=2; later=1',
      '/plain/… -',
      '/kept/… site=2; later=1',
    ]);
  });
});
