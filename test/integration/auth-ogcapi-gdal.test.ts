import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startOurServer, type OurServer } from '../support/our-app.js';

const run = promisify(execFile);

/*
 * GDAL's OGCAPI driver as a client with credentials: with an API key (sent through GDAL_HTTP_HEADERS) it sees
 * only the collections the access rules grant for `services: [ogcapi]`, and opens them; without a key the
 * landing page is refused and GDAL cannot open the service.
 */
const CONFIG = `
globals:
  cache: {base_dir: CACHE_DIR}
server:
  hooks: ./access.yaml
services:
  ogcapi:
layers:
  - name: public
    title: Public layer
    sources: [public_cache]
  - name: secret
    title: Secret layer
    sources: [secret_cache]
caches:
  public_cache: {grids: [GLOBAL_WEBMERCATOR], sources: [dbg]}
  secret_cache: {grids: [GLOBAL_WEBMERCATOR], sources: [dbg]}
sources:
  dbg: {type: debug}
`;

const RULES = `
rules:
  - name: partner
    api_key: {header: X-Api-Key, keys: [partner-key-0123456789]}
    services: [ogcapi]
    layers: [public]
  - name: staff
    api_key: {header: X-Api-Key, keys: [staff-key-0123456789]}
    services: [ogcapi]
    layers: '*'
`;

/** The collections GDAL lists as subdatasets of the landing page, by their URL's last segment. */
function subdatasetCollections(info: { metadata?: Record<string, Record<string, string>> }): string[] {
  const sub = info.metadata?.['SUBDATASETS'] ?? {};
  return Object.entries(sub)
    .filter(([k]) => k.endsWith('_NAME'))
    .map(([, v]) => /\/collections\/([^/?]+)/.exec(v)?.[1] ?? v)
    .sort();
}

describe('GDAL OGCAPI driver under access rules', () => {
  let dir: string;
  let server: OurServer;
  const gdalinfo = (args: string[], key?: string) =>
    run('gdalinfo', ['-json', ...args], {
      timeout: 60_000,
      cwd: dir,
      env: { ...process.env, GDAL_HTTP_HEADERS: key ? `X-Api-Key: ${key}` : '', CPL_CURL_VERBOSE: 'NO' },
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auth-ogcapi-gdal-'));
    writeFileSync(join(dir, 'access.yaml'), RULES);
    const file = join(dir, 'mapproxy.yaml');
    writeFileSync(file, CONFIG.replace('CACHE_DIR', join(dir, 'cache')));
    server = await startOurServer(file);
  });
  after(async () => {
    await server.stop();
    await server.app.runtime.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a partner key sees and opens only its collection', async () => {
    const { stdout } = await gdalinfo([`OGCAPI:${server.url}/ogcapi`], 'partner-key-0123456789');
    assert.deepEqual(subdatasetCollections(JSON.parse(stdout)), ['public']);
    const opened = JSON.parse((await gdalinfo(['-oo', 'API=MAP', `OGCAPI:${server.url}/ogcapi/collections/public`], 'partner-key-0123456789')).stdout) as { driverShortName: string };
    assert.equal(opened.driverShortName, 'OGCAPI');
    await assert.rejects(gdalinfo(['-oo', 'API=MAP', `OGCAPI:${server.url}/ogcapi/collections/secret`], 'partner-key-0123456789'));
  });

  it('a staff key sees every collection; no key opens nothing', async () => {
    const { stdout } = await gdalinfo([`OGCAPI:${server.url}/ogcapi`], 'staff-key-0123456789');
    assert.deepEqual(subdatasetCollections(JSON.parse(stdout)), ['public', 'secret']);
    await assert.rejects(gdalinfo([`OGCAPI:${server.url}/ogcapi`]));
  });
});
