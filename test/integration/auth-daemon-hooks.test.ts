/**
 * The daemon loads `server.hooks` in every worker: an authorization module written as a deployer would write it
 * (a key in a header), answered by a two-worker daemon started from the CLI.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../support/configs.js';
import { Daemon, debugConfig, freePort } from './daemon-support.js';

const HOOKS = `
// Keys per customer; 'tiles-only' may fetch TMS tiles of dbg but not draw WMS maps.
const KEYS = { 'full-key': 'full', 'tiles-only': 'tiles' };
export function authorize(service, layers, { request }) {
  const who = KEYS[request.headers['x-api-key'] ?? ''];
  if (!who) return { authorized: 'unauthenticated' };
  if (who === 'full') return { authorized: 'full' };
  return { authorized: 'partial', layers: { dbg: { tile: true, map: false } } };
}
`;

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('latin1'), type: String(res.headers['content-type']) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('server.hooks in the daemon', () => {
  let daemon: Daemon | undefined;
  let port = 0;

  before(async () => {
    const dir = tempDir('auth-daemon-');
    writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
    writeFileSync(join(dir, 'mapproxy.yaml'), `${debugConfig(join(dir, 'cache'))}\nserver:\n  hooks: ./hooks.mjs\n`);
    port = await freePort();
    daemon = new Daemon(['serve', join(dir, 'mapproxy.yaml'), '--workers', '2', '--bind', `127.0.0.1:${port}`]);
    await daemon.waitFor(/master \(pid \d+\): serving/, 60_000);
  });

  after(async () => {
    if (!daemon) return;
    daemon.proc.kill('SIGTERM');
    await Promise.race([daemon.exited, new Promise((r) => setTimeout(r, 10_000))]);
    daemon.kill();
  });

  it('every worker asks the module: no key is 401 on each of many fresh connections', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => get(port, '/service?SERVICE=WMS&REQUEST=GetCapabilities')));
    for (const a of answers) {
      assert.equal(a.status, 401);
      assert.equal(a.body, 'unauthorized');
    }
    assert.equal(daemon!.workerPids().size, 2);
  });

  it('a full key sees the capabilities; a tiles-only key gets tiles but no map', async () => {
    const caps = await get(port, '/service?SERVICE=WMS&REQUEST=GetCapabilities', { 'x-api-key': 'full-key' });
    assert.equal(caps.status, 200);
    assert.match(caps.body, /<Name>dbg<\/Name>/);
    const tile = await get(port, '/tms/1.0.0/dbg_EPSG3857/0/0/0.png', { 'x-api-key': 'tiles-only' });
    assert.equal(tile.status, 200);
    assert.equal(tile.type, 'image/png');
    const map = await get(port, '/service?SERVICE=WMS&REQUEST=GetMap&VERSION=1.1.1&LAYERS=dbg&SRS=EPSG:4326&BBOX=-10,-10,10,10&WIDTH=64&HEIGHT=64&FORMAT=image/png&STYLES=', { 'x-api-key': 'tiles-only' });
    assert.equal(map.status, 403);
    assert.equal(map.body, 'forbidden');
  });

  it('a module that exports no hook stops the daemon at start', async () => {
    const dir = tempDir('auth-daemon-bad-');
    writeFileSync(join(dir, 'hooks.mjs'), 'export const authorise = () => ({ authorized: "full" });\n');
    writeFileSync(join(dir, 'mapproxy.yaml'), `${debugConfig(join(dir, 'cache'))}\nserver:\n  hooks: ./hooks.mjs\n`);
    const bad = new Daemon(['serve', join(dir, 'mapproxy.yaml'), '--workers', '0', '--bind', `127.0.0.1:${await freePort()}`]);
    const code = await Promise.race([bad.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000))]);
    bad.kill();
    assert.notEqual(code, 0);
    assert.notEqual(code, 'timeout');
    assert.match(bad.output, /exports neither authorize nor decorateImg/);
  });
});
