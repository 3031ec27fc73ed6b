/**
 * An access rules file with a key and a JWT rule in a two-worker daemon: secrets come from the daemon's
 * environment, refusals appear in /metrics by reason and in the log, and neither shows a key or a token.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as jose from 'jose';
import { tempDir } from '../support/configs.js';
import { Daemon, debugConfig, freePort, metricSum } from './daemon-support.js';

const KEY = 'daemon-key-3fa9e1c07d';
const SECRET = 'daemon-jwt-secret-at-least-32-bytes-long';
const TILE = '/tms/1.0.0/dbg_EPSG3857/0/0/0.png';

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('latin1') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('access rules in the daemon', () => {
  let daemon: Daemon | undefined;
  let port = 0;
  const token = (exp: string | number) => new jose.SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(new TextEncoder().encode(SECRET));

  before(async () => {
    const dir = tempDir('auth-rules-daemon-');
    writeFileSync(
      join(dir, 'access.yaml'),
      `rules:\n  - api_key: { header: X-API-Key, keys: [$AUTH15_DAEMON_KEY] }\n    layers: "*"\n  - jwt: { secret: $AUTH15_DAEMON_SECRET }\n    services: [tms]\n    layers: [dbg]\n`,
    );
    writeFileSync(join(dir, 'mapproxy.yaml'), `${debugConfig(join(dir, 'cache'))}\nserver:\n  hooks: ./access.yaml\n`);
    port = await freePort();
    // the daemon inherits this process's environment
    process.env.AUTH15_DAEMON_KEY = KEY;
    process.env.AUTH15_DAEMON_SECRET = SECRET;
    daemon = new Daemon(['serve', join(dir, 'mapproxy.yaml'), '--workers', '2', '--bind', `127.0.0.1:${port}`]);
    await daemon.waitFor(/master \(pid \d+\): serving/, 60_000);
  });

  after(async () => {
    delete process.env.AUTH15_DAEMON_KEY;
    delete process.env.AUTH15_DAEMON_SECRET;
    if (!daemon) return;
    daemon.proc.kill('SIGTERM');
    await Promise.race([daemon.exited, new Promise((r) => setTimeout(r, 10_000))]);
    daemon.kill();
  });

  it('admits the key and the token from the environment, and counts every refusal by reason', async () => {
    assert.equal((await get(port, TILE, { 'x-api-key': KEY })).status, 200);
    assert.equal((await get(port, TILE, { authorization: `Bearer ${await token('5m')}` })).status, 200);
    const wrongKey = 'not-the-daemon-key-9999';
    const expired = await token(Math.floor(Date.now() / 1000) - 600);
    const refused = [
      await get(port, TILE),
      await get(port, TILE),
      await get(port, TILE, { 'x-api-key': wrongKey }),
      await get(port, TILE, { authorization: `Bearer ${expired}` }),
      await get(port, '/demo/', { authorization: `Bearer ${await token('5m')}` }),
    ];
    assert.deepEqual(refused.map((r) => r.status), [401, 401, 401, 401, 403]);
    const metrics = (await get(port, '/metrics')).body;
    assert.equal(metricSum(metrics, 'mapproxy_access_denied_total', 'reason="no_credentials",status="401"'), 2);
    assert.equal(metricSum(metrics, 'mapproxy_access_denied_total', 'reason="bad_key",status="401"'), 1);
    assert.equal(metricSum(metrics, 'mapproxy_access_denied_total', 'reason="token_expired",status="401"'), 1);
    assert.equal(metricSum(metrics, 'mapproxy_access_denied_total', 'reason="service",status="403"'), 1);
    if (existsSync('/usr/bin/promtool')) {
      const check = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
      assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
    }
    // a JSON log line: the quotes around the path are escaped
    await daemon!.waitFor(/access denied: 401 token_expired GET \\"\/tms\/1.0.0\/dbg_EPSG3857\/0\/0\/0.png\\" from 127.0.0.1/, 10_000);
    for (const secret of [KEY, SECRET, wrongKey, expired]) {
      assert.ok(!metrics.includes(secret), 'a credential in /metrics');
      assert.ok(!daemon!.output.includes(secret), 'a credential in the log');
    }
  });
});
