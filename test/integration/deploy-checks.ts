// What every deployment test checks through the web server: the URLs in capabilities carry the
// web server's address and the /proxy mount point, and tiles come through.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';

async function get(url: string): Promise<{ status: number; type: string; body: Buffer }> {
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export async function checkWmsCapabilities(port: number): Promise<void> {
  const res = await get(`http://127.0.0.1:${port}/proxy/service?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.1.1`);
  assert.equal(res.status, 200);
  const xml = res.body.toString('utf8');
  assert.match(xml, /<WMT_MS_Capabilities/);
  const hrefs = [...xml.matchAll(/xlink:href="([^"]*)"/g)].map((m) => m[1]).filter((h) => h.includes('/service'));
  assert.ok(hrefs.length > 0, 'no OnlineResource URLs');
  // the service's own OnlineResource is the bare URL; every request type's is the URL with '?'
  const base = `http://127.0.0.1:${port}/proxy/service`;
  for (const href of hrefs) assert.ok(href === base || href.startsWith(`${base}?`), href);
  assert.ok(hrefs.some((h) => h === `${base}?`), hrefs.join(' '));
}

export async function checkWmtsCapabilities(port: number): Promise<void> {
  const res = await get(`http://127.0.0.1:${port}/proxy/wmts/1.0.0/WMTSCapabilities.xml`);
  assert.equal(res.status, 200);
  const xml = res.body.toString('utf8');
  const templates = [...xml.matchAll(/template="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(templates,
    [`http://127.0.0.1:${port}/proxy/wmts/debug/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}.png`]);
  assert.ok(xml.includes(`xlink:href="http://127.0.0.1:${port}/proxy/wmts/1.0.0/WMTSCapabilities.xml"`));
}

/** A TMS tile through the web server is a PNG, and it landed in the file cache. */
export async function checkTmsTile(port: number, cacheDir: string): Promise<void> {
  const res = await get(`http://127.0.0.1:${port}/proxy/tms/1.0.0/debug/EPSG3857/1/0/1.png`);
  assert.equal(res.status, 200);
  assert.equal(res.type, 'image/png');
  assert.deepEqual(res.body.subarray(0, 8), PNG_SIGNATURE);
  const cached = readdirSync(cacheDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.png'));
  assert.ok(cached.some((f) => f.startsWith('debug_cache_EPSG3857')), `cache holds ${cached.join(', ')}`);
  // the mount point is not served twice, and outside of it nothing reaches the core
  assert.equal((await get(`http://127.0.0.1:${port}/tms/1.0.0/debug/EPSG3857/1/0/1.png`)).status, 404);
}
