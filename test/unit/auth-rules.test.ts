import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { AuthResult } from '../../src/core/auth/authorize.js';
import { loadHooksModule } from '../../src/core/auth/hooks-module.js';
import { readAccessRules } from '../../src/core/auth/rules/access-rules.js';
import { clientAddress, Networks } from '../../src/core/auth/rules/client-address.js';
import { rulesAuthorize } from '../../src/core/auth/rules/rules-authorize.js';
import type { CoreRequest } from '../../src/core/http.js';
import { prng } from '../support/prng.js';

const RULES = `
trusted_proxies: [10.0.0.1, "fd00::/8"]
rules:
  - name: partners
    api_key: { header: X-API-Key, query: apikey, keys: [$PARTNER_KEY, "k-two"] }
    layers: [osm, roads]
    limited_to: { srs: "EPSG:4326", geometry: [5, 45, 15, 55] }
  - name: office
    cidr: [192.168.10.0/24, "2001:db8::/32"]
    layers: "*"
  - name: site
    referrer: [https://maps.example.com/]
    layers: [osm]
`;

function rules(text = RULES, env: Record<string, string> = { PARTNER_KEY: 'sekret-partner-key' }) {
  const dir = mkdtempSync(join(tmpdir(), 'auth-rules-'));
  writeFileSync(join(dir, 'access.yaml'), text);
  return readAccessRules(join(dir, 'access.yaml'), env);
}

const auth = rulesAuthorize(rules());
const ask = (r: Partial<CoreRequest>, layers = ['osm', 'roads', 'secret']) =>
  auth('wms.map', layers, { request: { method: 'GET', path: '/service', query: '', headers: {}, remoteAddr: '203.0.113.9', ...r }, queryExtent: null }) as AuthResult;

describe('access rules: API keys', () => {
  it('a valid key in the header or the query grants the rule layers with its limited_to', () => {
    for (const r of [{ headers: { 'x-api-key': 'sekret-partner-key' } }, { query: 'SERVICE=WMS&APIKEY=k-two' }]) {
      const a = ask(r);
      assert.equal(a.authorized, 'partial');
      assert.deepEqual(Object.keys((a as { layers: object }).layers), ['osm', 'roads']);
      assert.deepEqual((a as { layers: Record<string, { limited_to?: unknown }> }).layers.osm!.limited_to, { srs: 'EPSG:4326', geometry: [5, 45, 15, 55] });
    }
  });
  it('no key, a wrong key, a prefix of a key or the key plus a character is 401', () => {
    for (const key of [undefined, 'wrong', 'sekret-partner', 'sekret-partner-key!', '', '$PARTNER_KEY']) {
      assert.equal(ask(key === undefined ? {} : { headers: { 'x-api-key': key } }).authorized, 'unauthenticated', String(key));
    }
  });
  it('10 000 random credentials never admit and never throw', () => {
    const rnd = prng(15);
    for (let i = 0; i < 10_000; i++) {
      const len = Math.floor(rnd() * 40);
      const key = Array.from({ length: len }, () => String.fromCharCode(Math.floor(rnd() * 0x2fff))).join('');
      const a = ask(i % 2 ? { headers: { 'x-api-key': key, referer: key, 'x-forwarded-for': key } } : { query: `apikey=${encodeURIComponent(key)}&${key}` });
      assert.equal(a.authorized, 'unauthenticated');
    }
  });
  it('an unset $VAR refuses the file; unknown keys and empty rules are refused', () => {
    assert.throws(() => rules(RULES, {}), /PARTNER_KEY is not set/);
    assert.throws(() => rules('rules:\n  - name: x\n    layers: "*"\n'), /needs api_key, jwt, cidr or referrer/);
    assert.throws(() => rules('rules:\n  - name: x\n    cidr: 10.0.0.0/8\n    layrs: "*"\n'), /unknown key 'layrs'/);
    assert.throws(() => rules('rules:\n  - name: x\n    cidr: 10.0.0.0/33\n    layers: "*"\n'), /bad prefix/);
  });
});

describe('access rules: networks and proxies', () => {
  it('CIDR edges, IPv6 and IPv4-mapped addresses', () => {
    assert.equal(ask({ remoteAddr: '192.168.10.0' }).authorized, 'full');
    assert.equal(ask({ remoteAddr: '192.168.10.255' }).authorized, 'full');
    assert.equal(ask({ remoteAddr: '192.168.11.0' }).authorized, 'unauthenticated');
    assert.equal(ask({ remoteAddr: '::ffff:192.168.10.7' }).authorized, 'full');
    assert.equal(ask({ remoteAddr: '2001:db8:1::5' }).authorized, 'full');
    assert.equal(ask({ remoteAddr: '2001:db9::5' }).authorized, 'unauthenticated');
  });
  it('X-Forwarded-For counts only from a trusted proxy, and only right of the last untrusted hop', () => {
    assert.equal(ask({ remoteAddr: '203.0.113.9', headers: { 'x-forwarded-for': '192.168.10.7' } }).authorized, 'unauthenticated');
    assert.equal(ask({ remoteAddr: '10.0.0.1', headers: { 'x-forwarded-for': '192.168.10.7' } }).authorized, 'full');
    // the client wrote 192.168.10.7 itself; the proxy appended the real peer 203.0.113.9
    assert.equal(ask({ remoteAddr: '10.0.0.1', headers: { 'x-forwarded-for': '192.168.10.7, 203.0.113.9' } }).authorized, 'unauthenticated');
    assert.equal(ask({ remoteAddr: 'fd00::1', headers: { 'x-forwarded-for': '192.168.10.7, 10.0.0.1' } }).authorized, 'full');
    assert.equal(ask({ remoteAddr: '10.0.0.1', headers: { 'x-forwarded-for': 'garbage' } }).authorized, 'unauthenticated');
  });
  it('clientAddress without trusted proxies is the peer', () => {
    assert.equal(clientAddress('1.2.3.4', '5.6.7.8', null), '1.2.3.4');
    assert.equal(new Networks(['0.0.0.0/0'], 't').has('8.8.8.8'), true);
    assert.equal(new Networks(['0.0.0.0/0'], 't').has('not-an-ip'), false);
  });
});

describe('access rules: referrer and combining rules', () => {
  it('a referrer prefix grants its layers; a look-alike host does not', () => {
    const a = ask({ headers: { referer: 'https://maps.example.com/view?x=1' } });
    assert.deepEqual(Object.keys((a as { layers: object }).layers), ['osm']);
    assert.equal(ask({ headers: { referer: 'https://maps.example.com.evil.net/' } }).authorized, 'unauthenticated');
  });
  it('an unlimited grant of a layer wins over a limited one', () => {
    const a = ask({ headers: { 'x-api-key': 'k-two', referer: 'https://maps.example.com/' } }) as { layers: Record<string, { limited_to?: unknown }> };
    assert.equal(a.layers.osm!.limited_to, undefined);
    assert.notEqual(a.layers.roads!.limited_to, undefined);
  });
  it('without key rules a refused request is 403', () => {
    const onlyNet = rulesAuthorize(rules('rules:\n  - cidr: 10.0.0.0/8\n    layers: "*"\n'));
    const a = onlyNet('tms', ['x'], { request: { method: 'GET', path: '/', query: '', headers: {}, remoteAddr: '11.0.0.1' }, queryExtent: null });
    assert.equal((a as AuthResult).authorized, 'forbidden');
  });
});

describe('server.hooks naming a rules file', () => {
  it('a .yaml path is read as access rules; an invalid one refuses to start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-rules-hooks-'));
    writeFileSync(join(dir, 'ok.yaml'), 'rules:\n  - cidr: 127.0.0.1\n    layers: "*"\n');
    writeFileSync(join(dir, 'bad.yaml'), 'rules: nope\n');
    const hooks = await loadHooksModule(join(dir, 'ok.yaml'));
    const a = await hooks.authorize!('demo', [], { request: { method: 'GET', path: '/demo/', query: '', headers: {}, remoteAddr: '127.0.0.1' }, queryExtent: null });
    assert.equal(a.authorized, 'full');
    await assert.rejects(loadHooksModule(join(dir, 'bad.yaml')), /expected a 'rules:' list/);
  });
});
