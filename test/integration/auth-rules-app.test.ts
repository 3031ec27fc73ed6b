/**
 * An access rules file in `server.hooks`, answered by createApp as the daemon's workers answer: API keys, bearer
 * JWTs and networks through TMS, WMS, KML and the demo; every refusal counted by reason and logged without the
 * credential; 10 000 random credentials never reach a protected tile.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as jose from 'jose';
import { createApp, type App } from '../../src/core/app.js';
import { NO_METRICS } from '../../src/core/metrics.js';
import type { CoreRequest } from '../../src/core/http.js';
import { tempDir, writeConfig } from '../support/configs.js';
import { prng } from '../support/prng.js';

const PARTNER_KEY = 'partner-7c1e0a9f3b2d';
const JWT_SECRET = 'jwt-secret-for-the-sso-rule-0123456789';

const CONFIG = (cacheDir: string) => `
services:
  demo:
  tms:
  kml:
  wms:
    md: {title: Rules}
    srs: ['EPSG:4326', 'EPSG:3857']
layers:
  - name: open
    title: Open
    sources: [open_cache]
  - name: secret
    title: Secret
    sources: [secret_cache]
caches:
  open_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [dbg]
    cache: {type: file, directory: ${cacheDir}/open}
  secret_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [dbg]
    cache: {type: file, directory: ${cacheDir}/secret}
sources:
  dbg: {type: debug}
server:
  hooks: ./access.yaml
`;

const RULES = `
trusted_proxies: [10.0.0.1]
rules:
  - name: partners
    api_key: { header: X-API-Key, query: apikey, keys: [$PARTNER_KEY] }
    layers: [open]
  - name: sso
    jwt: { secret: $JWT_SECRET, audience: mapproxy, layers_claim: layers }
    services: [tms, wms, kml]
    layers: "*"
  - name: office
    cidr: [192.168.10.0/24]
    layers: "*"
`;

const SECRET_TILE = '/tms/1.0.0/secret/EPSG3857/1/0/0.png';
const OPEN_TILE = '/tms/1.0.0/open/EPSG3857/1/0/0.png';
const SECRET_MAP = '/service?SERVICE=WMS&REQUEST=GetMap&VERSION=1.1.1&LAYERS=secret&SRS=EPSG:4326&BBOX=-10,-10,10,10&WIDTH=64&HEIGHT=64&FORMAT=image/png&STYLES=';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe('access rules file through createApp', () => {
  let app: App;
  const denials: string[] = [];
  const lines: string[] = [];

  before(async () => {
    const dir = tempDir('auth-rules-app-');
    writeFileSync(join(dir, 'access.yaml'), RULES);
    const config = writeConfig(dir, CONFIG(join(dir, 'cache')));
    const log = { warn: (m: string) => void lines.push(m), error: (m: string, e?: unknown) => void lines.push(`${m} ${String(e)}`) };
    const metrics = { ...NO_METRICS, accessDenied: (reason: string, status: number) => void denials.push(`${status} ${reason}`) };
    app = await createApp(config, { env: { PARTNER_KEY, JWT_SECRET }, log, metrics });
  });

  async function ask(pathAndQuery: string, headers: Record<string, string> = {}, remoteAddr = '203.0.113.9') {
    const q = pathAndQuery.indexOf('?');
    const req: CoreRequest = {
      method: 'GET',
      path: q < 0 ? pathAndQuery : pathAndQuery.slice(0, q),
      query: q < 0 ? '' : pathAndQuery.slice(q + 1),
      headers: { host: 'localhost', ...headers },
      remoteAddr,
    };
    const res = await app.handle(req);
    return { status: res.status, body: typeof res.body === 'string' ? Buffer.from(res.body) : res.body };
  }

  const token = (claims: jose.JWTPayload, exp: number | string = '5m') =>
    new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setAudience('mapproxy').setExpirationTime(exp).sign(new TextEncoder().encode(JWT_SECRET));

  it('a partner key opens its layer, not the other; the key in the query works as in the header', async () => {
    assert.equal((await ask(OPEN_TILE, { 'x-api-key': PARTNER_KEY })).status, 200);
    assert.equal((await ask(`${OPEN_TILE}?apikey=${PARTNER_KEY}`)).status, 200);
    const secret = await ask(SECRET_TILE, { 'x-api-key': PARTNER_KEY });
    assert.equal(secret.status, 403);
    assert.equal(secret.body.toString(), 'forbidden');
  });

  it('a token opens the layers of its claim through the services of its rule; not the demo', async () => {
    const t = await token({ layers: ['secret'] });
    const tile = await ask(SECRET_TILE, { authorization: `Bearer ${t}` });
    assert.equal(tile.status, 200);
    assert.ok(tile.body.subarray(0, 4).equals(PNG));
    assert.equal((await ask(SECRET_MAP, { authorization: `Bearer ${t}` })).status, 200);
    assert.equal((await ask(OPEN_TILE, { authorization: `Bearer ${t}` })).status, 403);
    assert.equal((await ask('/demo/', { authorization: `Bearer ${t}` })).status, 403);
    assert.equal((await ask('/kml/secret/EPSG3857/1/0/0.kml', { authorization: `Bearer ${t}` })).status, 200);
  });

  it('the office network sees everything, the demo too; a spoofed X-Forwarded-For does not make a client the office', async () => {
    assert.equal((await ask('/demo/', {}, '192.168.10.20')).status, 200);
    assert.equal((await ask(SECRET_TILE, { 'x-forwarded-for': '192.168.10.20' }, '203.0.113.9')).status, 401);
    // through the trusted proxy the client is told truthfully...
    assert.equal((await ask(SECRET_TILE, { 'x-forwarded-for': '192.168.10.20' }, '10.0.0.1')).status, 200);
    // ...but what the client wrote left of the proxy's own entry is not believed
    assert.equal((await ask(SECRET_TILE, { 'x-forwarded-for': '192.168.10.20, 198.51.100.7' }, '10.0.0.1')).status, 401);
  });

  it('counts each refusal by reason and logs it without the key or the token', async () => {
    denials.length = 0;
    lines.length = 0;
    const expired = await token({ layers: ['secret'] }, Math.floor(Date.now() / 1000) - 3600);
    const wrongKey = 'wrong-key-4711-do-not-log';
    await ask(SECRET_TILE);
    await ask(`${SECRET_TILE}?apikey=${wrongKey}`);
    await ask(SECRET_TILE, { authorization: `Bearer ${expired}` });
    await ask(SECRET_TILE, { 'x-api-key': PARTNER_KEY });
    await ask(SECRET_MAP, { 'x-api-key': PARTNER_KEY });
    await ask('/demo/', { authorization: `Bearer ${await token({ layers: ['open'] })}` });
    assert.deepEqual(denials, ['401 no_credentials', '401 bad_key', '401 token_expired', '403 layer', '403 layer', '403 service']);
    const text = lines.join('\n');
    assert.match(text, /access denied: 401 bad_key GET "\/tms\/1.0.0\/secret\/EPSG3857\/1\/0\/0.png" from 203.0.113.9/);
    for (const secret of [wrongKey, PARTNER_KEY, expired, expired.split('.')[1]!]) assert.ok(!text.includes(secret), 'a credential in the log');
  });

  it('10 000 random credentials: no crash, no protected tile or map, only 401 and 403', async () => {
    const rnd = prng(1515);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const noise = (n: number) => Array.from({ length: Math.floor(rnd() * n) }, () => String.fromCharCode(Math.floor(rnd() * 0x7f) + (rnd() < 0.1 ? 0x80 : 0))).join('');
    const b64 = (n: number) => Buffer.from(noise(n)).toString('base64url');
    const good = await token({ layers: ['open'] });
    const [gh, gp] = good.split('.');
    // tokens near the real ones: random parts, the real header and payload with a random signature, alg none,
    // the real signature on a payload claiming more
    const tokens = [
      () => `${b64(40)}.${b64(80)}.${b64(40)}`,
      () => `${gh}.${gp}.${b64(43)}`,
      () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ layers: ['secret'], aud: 'mapproxy', exp: 9e9 })).toString('base64url')}.`,
      () => `${gh}.${Buffer.from(JSON.stringify({ layers: ['secret', noise(5)], aud: 'mapproxy', exp: 9e9 })).toString('base64url')}.${good.split('.')[2]}`,
      () => noise(60),
    ];
    const keys = [() => noise(40), () => PARTNER_KEY.slice(0, Math.floor(rnd() * PARTNER_KEY.length)), () => `${PARTNER_KEY}${noise(3)}`, () => PARTNER_KEY.toUpperCase()];
    // addresses outside the office network and the proxy (first octet 11 to 191)
    const addrs = () => `${11 + Math.floor(rnd() * 181)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}`;
    const statuses = new Map<number, number>();
    for (let i = 0; i < 10_000; i++) {
      const headers: Record<string, string> = {};
      if (rnd() < 0.5) headers['authorization'] = `${pick(['Bearer ', 'bearer ', 'Basic ', ''])}${pick(tokens)()}`;
      if (rnd() < 0.5) headers['x-api-key'] = pick(keys)();
      const viaProxy = rnd() < 0.1;
      // spoofed: the office address written by the client itself, directly or left of the proxy's entry
      if (rnd() < 0.3) headers['x-forwarded-for'] = viaProxy ? `192.168.10.7, ${pick([addrs(), noise(10)])}` : pick(['192.168.10.7', `${noise(10)}, 192.168.10.7`]);
      if (rnd() < 0.2) headers['referer'] = noise(30);
      const query = rnd() < 0.3 ? `apikey=${encodeURIComponent(pick(keys)())}&${encodeURIComponent(noise(8))}=${encodeURIComponent(noise(8))}` : '';
      const target = pick([SECRET_TILE, SECRET_MAP, '/kml/secret/EPSG3857/1/0/0.kml']);
      const res = await ask(query ? `${target}${target.includes('?') ? '&' : '?'}${query}` : target, headers, viaProxy ? '10.0.0.1' : addrs());
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assert.ok(res.status === 401 || res.status === 403, `#${i}: ${res.status} for ${JSON.stringify(headers)} ${query}`);
      assert.ok(!res.body.subarray(0, 4).equals(PNG), `#${i}: an image`);
    }
    assert.ok((statuses.get(401) ?? 0) > 5000, JSON.stringify([...statuses]));
  });
});
