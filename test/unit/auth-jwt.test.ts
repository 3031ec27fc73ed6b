/**
 * Bearer JWT access rules (our extension): HS256 secrets from the environment, RS256 keys from a PEM file, ES256
 * keys from a JWKS served by a small HTTP server here; every way a token can be wrong gives its own reason.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as jose from 'jose';
import type { AuthResult, AuthService } from '../../src/core/auth/authorize.js';
import { readAccessRules } from '../../src/core/auth/rules/access-rules.js';
import { jwtVerifiers, rulesAuthorize } from '../../src/core/auth/rules/rules-authorize.js';
import type { CoreRequest } from '../../src/core/http.js';

const SECRET = 'a-secret-of-at-least-thirty-two-bytes!!';
const NOW = () => Math.floor(Date.now() / 1000);

function rulesFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'auth-jwt-'));
  writeFileSync(join(dir, 'access.yaml'), text);
  return join(dir, 'access.yaml');
}

async function authorizer(text: string, env: Record<string, string> = { JWT_SECRET: SECRET }) {
  const rules = readAccessRules(rulesFile(text), env);
  const auth = rulesAuthorize(rules, await jwtVerifiers(rules));
  return async (r: Partial<CoreRequest>, layers = ['osm', 'roads', 'secret'], service: AuthService = 'wms.map'): Promise<AuthResult> =>
    auth(service, layers, { request: { method: 'GET', path: '/service', query: '', headers: {}, remoteAddr: '203.0.113.9', ...r }, queryExtent: null });
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const grantedLayers = (a: AuthResult) => (a.authorized === 'partial' ? Object.keys(a.layers).sort() : a.authorized);
const reasonOf = (a: AuthResult) => ('reason' in a ? `${a.authorized}:${a.reason}` : a.authorized);

function hs256(claims: jose.JWTPayload, opts: { secret?: string; exp?: number; nbf?: number; iss?: string; aud?: string } = {}) {
  const jwt = new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer(opts.iss ?? 'https://idp.example.com/').setAudience(opts.aud ?? 'mapproxy');
  jwt.setExpirationTime(opts.exp ?? NOW() + 600);
  if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

const HS_RULES = `
rules:
  - name: customers
    jwt:
      secret: $JWT_SECRET
      issuer: https://idp.example.com/
      audience: mapproxy
      leeway: 30
      layers_claim: layers
    layers: [osm, roads]
`;

describe('JWT rules: HS256 with a secret from the environment', () => {
  it('a valid token grants the layers its claim lists, bounded by the rule', async () => {
    const ask = await authorizer(HS_RULES);
    assert.deepEqual(grantedLayers(await ask(bearer(await hs256({ layers: ['osm', 'secret'] })))), ['osm']);
    // the claim may also be a space-separated string, as OAuth scopes are
    assert.deepEqual(grantedLayers(await ask(bearer(await hs256({ layers: 'osm roads' })))), ['osm', 'roads']);
    // the scheme is case-insensitive (RFC 6750)
    assert.deepEqual(grantedLayers(await ask({ headers: { authorization: `bearer ${await hs256({ layers: ['roads'] })}` } })), ['roads']);
  });

  it('no token, an expired, a not-yet-valid, a forged, an unsigned or a foreign token is 401 with its reason', async () => {
    const ask = await authorizer(HS_RULES);
    const claims = { layers: ['osm'] };
    const cases: [string, Partial<CoreRequest>][] = [
      ['unauthenticated:no_credentials', {}],
      ['unauthenticated:no_credentials', { headers: { authorization: 'Basic dXNlcjpwdw==' } }],
      ['unauthenticated:token_expired', bearer(await hs256(claims, { exp: NOW() - 120 }))],
      ['unauthenticated:token_not_yet_valid', bearer(await hs256(claims, { nbf: NOW() + 120 }))],
      ['unauthenticated:token_invalid', bearer(await hs256(claims, { secret: 'another-secret-of-at-least-32-bytes!!' }))],
      ['unauthenticated:token_invalid', bearer(new jose.UnsecuredJWT(claims).setIssuer('https://idp.example.com/').setAudience('mapproxy').setExpirationTime('1h').encode())],
      ['unauthenticated:token_issuer', bearer(await hs256(claims, { iss: 'https://evil.example.com/' }))],
      ['unauthenticated:token_audience', bearer(await hs256(claims, { aud: 'another-service' }))],
      ['unauthenticated:token_claims', bearer(await hs256({ roles: ['osm'] }))],
      ['unauthenticated:token_invalid', bearer('not.a.token')],
      ['unauthenticated:token_invalid', bearer('x'.repeat(20_000))],
    ];
    for (const [want, req] of cases) assert.equal(reasonOf(await ask(req)), want, JSON.stringify(req).slice(0, 200));
  });

  it('a token without exp is refused: a leaked one would be good forever', async () => {
    const ask = await authorizer(HS_RULES);
    const token = await new jose.SignJWT({ layers: ['osm'] }).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://idp.example.com/').setAudience('mapproxy').sign(new TextEncoder().encode(SECRET));
    assert.equal(reasonOf(await ask(bearer(token))), 'unauthenticated:token_claims');
  });

  it('expiry and not-before honour the leeway, and no more', async () => {
    const ask = await authorizer(HS_RULES);
    assert.equal(grantedLayers(await ask(bearer(await hs256({ layers: ['osm'] }, { exp: NOW() - 10 })))).length, 1);
    assert.equal(grantedLayers(await ask(bearer(await hs256({ layers: ['osm'] }, { nbf: NOW() + 10 })))).length, 1);
    assert.equal(reasonOf(await ask(bearer(await hs256({ layers: ['osm'] }, { exp: NOW() - 45 })))), 'unauthenticated:token_expired');
  });

  it('required claims, a token in a query parameter, and a rule without a layers claim', async () => {
    const ask = await authorizer(`
rules:
  - name: viewers
    jwt: { secret: "\${JWT_SECRET}", query: access_token, claims: { scope: maps, tenant: 7 } }
    layers: "*"
`);
    const good = await hs256({ scope: 'read maps', tenant: 7 });
    assert.equal((await ask({ query: `SERVICE=WMS&ACCESS_TOKEN=${good}` })).authorized, 'full');
    assert.equal((await ask(bearer(good))).authorized, 'full');
    assert.equal(reasonOf(await ask(bearer(await hs256({ scope: 'read', tenant: 7 })))), 'unauthenticated:token_claims');
    assert.equal(reasonOf(await ask(bearer(await hs256({ scope: 'maps', tenant: 8 })))), 'unauthenticated:token_claims');
  });
});

describe('JWT rules: RS256 public key from a PEM file', () => {
  let file = '';
  let rsaPrivate: jose.CryptoKey;
  let pem = '';
  before(async () => {
    const pair = await jose.generateKeyPair('RS256', { extractable: true });
    rsaPrivate = pair.privateKey;
    pem = await jose.exportSPKI(pair.publicKey);
    file = rulesFile(`
rules:
  - name: partners
    jwt: { key_file: ./partner.pem, algorithms: [RS256, HS256x] }
    layers: [roads]
`);
  });

  const rsRules = (algs = '[RS256]') => `
rules:
  - name: partners
    jwt: { key_file: ./partner.pem, algorithms: ${algs}, audience: [mapproxy, tiles] }
    layers: [roads]
`;

  async function askRs() {
    const path = rulesFile(rsRules());
    writeFileSync(join(path, '..', 'partner.pem'), pem);
    const rules = readAccessRules(path, {});
    const auth = rulesAuthorize(rules, await jwtVerifiers(rules));
    return async (token: string) => auth('tms', ['roads'], { request: { method: 'GET', path: '/tms/1.0.0/roads/EPSG3857/0/0/0.png', query: '', headers: { authorization: `Bearer ${token}` } }, queryExtent: null });
  }

  it('a token signed with the private key is admitted; one listing another audience of the rule too', async () => {
    const ask = await askRs();
    const token = await new jose.SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setAudience('tiles').setExpirationTime('5m').sign(rsaPrivate);
    assert.deepEqual(grantedLayers(await ask(token)), ['roads']);
  });

  it('algorithm confusion: an HS256 token whose secret is the public key PEM is refused', async () => {
    const ask = await askRs();
    const forged = await new jose.SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setAudience('mapproxy').setExpirationTime('5m').sign(new TextEncoder().encode(pem));
    assert.equal(reasonOf(await ask(forged)), 'unauthenticated:token_invalid');
    // and a rule cannot be configured to accept it
    assert.throws(() => readAccessRules(file, {}), /'HS256x' cannot be used with a public key/);
    assert.throws(() => readAccessRules(rulesFile(rsRules('[RS256, HS256]')), {}), /'HS256' cannot be used with a public key/);
    assert.throws(() => readAccessRules(rulesFile(rsRules('[none]')), {}), /'none' cannot be used/);
  });

  it('a token with a changed payload (same signature) is refused', async () => {
    const ask = await askRs();
    const token = await new jose.SignJWT({ layers: ['roads'] }).setProtectedHeader({ alg: 'RS256' }).setAudience('mapproxy').setExpirationTime('5m').sign(rsaPrivate);
    const [h, , s] = token.split('.');
    const payload = Buffer.from(JSON.stringify({ layers: ['roads', 'secret'], aud: 'mapproxy', exp: NOW() + 300 })).toString('base64url');
    assert.equal(reasonOf(await ask(`${h}.${payload}.${s}`)), 'unauthenticated:token_invalid');
  });
});

describe('JWT rules: ES256 keys from a JWKS URL', () => {
  let server: Server;
  let url = '';
  let fetches = 0;
  let serve = true;
  let es: jose.CryptoKey;
  before(async () => {
    const pair = await jose.generateKeyPair('ES256', { extractable: true });
    es = pair.privateKey;
    const jwk = { ...(await jose.exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((req, res) => {
      fetches++;
      if (!serve) return void res.writeHead(503).end();
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const es256 = (kid: string, claims: jose.JWTPayload = { layers: ['osm'] }) =>
    new jose.SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).setIssuer('idp').setExpirationTime('5m').sign(es);

  it('fetches the JWKS once and keeps it; an unknown kid is refused', async () => {
    const ask = await authorizer(`
rules:
  - name: sso
    jwt: { jwks_url: "${url}", issuer: idp, layers_claim: layers }
    layers: "*"
`);
    assert.equal(fetches, 0, 'the JWKS is fetched on the first token, not at start');
    for (let i = 0; i < 5; i++) assert.deepEqual(grantedLayers(await ask(bearer(await es256('k1')))), ['osm']);
    assert.equal(fetches, 1);
    assert.equal(reasonOf(await ask(bearer(await es256('k2')))), 'unauthenticated:token_invalid');
    // an unknown kid refetches once, then waits for the cooldown: forged kids cannot hammer the IdP
    for (let i = 0; i < 5; i++) await ask(bearer(await es256(`k-${i}`)));
    assert.ok(fetches <= 2, `${fetches} fetches`);
  });

  it('a JWKS that cannot be fetched refuses every token with jwks_unavailable', async () => {
    serve = false;
    try {
      const ask = await authorizer(`
rules:
  - name: sso
    jwt: { jwks_url: "${url}" }
    layers: "*"
  - name: down
    jwt: { jwks_url: "http://127.0.0.1:9/jwks.json" }
    layers: "*"
`);
      assert.equal(reasonOf(await ask(bearer(await es256('k1')))), 'unauthenticated:jwks_unavailable');
    } finally {
      serve = true;
    }
  });
});

describe('rules per service', () => {
  it('a rule names the protocols it admits to; good credentials elsewhere are 403 service', async () => {
    const ask = await authorizer(`
rules:
  - name: tiles-only
    api_key: { header: X-API-Key, keys: [tile-key] }
    services: [tms, wmts, ogcapi]
    layers: "*"
  - name: maps
    api_key: { header: X-API-Key, keys: [map-key] }
    services: [WMS]
    layers: [osm]
`);
    const key = (k: string) => ({ headers: { 'x-api-key': k } });
    assert.equal((await ask(key('tile-key'), ['osm'], 'tms')).authorized, 'full');
    assert.equal((await ask({ ...key('tile-key'), path: '/ogcapi/collections/osm/map/tiles/WebMercatorQuad/0/0/0' }, ['osm'], 'wmts')).authorized, 'full');
    assert.equal(reasonOf(await ask(key('tile-key'), ['osm'], 'wms.map')), 'forbidden:service');
    assert.equal(reasonOf(await ask(key('tile-key'), [], 'demo')), 'forbidden:service');
    assert.deepEqual(grantedLayers(await ask(key('map-key'), ['osm'], 'wms.capabilities')), ['osm']);
    assert.equal(reasonOf(await ask(key('map-key'), ['osm'], 'kml')), 'forbidden:service');
    assert.equal(reasonOf(await ask(key('nope'), ['osm'], 'kml')), 'unauthenticated:bad_key');
    assert.equal(reasonOf(await ask({}, ['osm'], 'kml')), 'unauthenticated:no_credentials');
  });
  it('an unknown service name is refused at start', () => {
    assert.throws(() => readAccessRules(rulesFile('rules:\n  - cidr: 10.0.0.0/8\n    services: [wfs]\n    layers: "*"\n'), {}), /unknown service 'wfs'/);
  });
});

describe('JWT rule configuration errors', () => {
  const bad: [string, RegExp][] = [
    ['jwt: { secret: short }', /at least 32 bytes/],
    ['jwt: { secret: $UNSET_SECRET }', /UNSET_SECRET is not set/],
    [`jwt: { secret: "${SECRET}", jwks_url: "https://x/" }`, /exactly one of secret, key_file or jwks_url/],
    ['jwt: { jwks_url: "ftp://x/" }', /expected an http\(s\) URL/],
    [`jwt: { secret: "${SECRET}", leeway: 3600 }`, /leeway: expected seconds between 0 and 300/],
    [`jwt: { secret: "${SECRET}", audiense: x }`, /unknown key 'audiense'/],
    ['jwt: { key_file: ./missing.pem }', /cannot read/],
  ];
  for (const [jwt, message] of bad) {
    it(`refuses ${jwt.slice(0, 40)}`, async () => {
      await assert.rejects(authorizer(`rules:\n  - name: r\n    ${jwt}\n    layers: "*"\n`, { JWT_SECRET: SECRET }), message);
    });
  }
  it('a PEM key of one type refuses algorithms of another; of the default algorithms it keeps the one that fits', async () => {
    const pair = await jose.generateKeyPair('ES256', { extractable: true });
    const path = rulesFile('rules:\n  - jwt: { key_file: ec.pem, algorithms: [RS256] }\n    layers: "*"\n');
    writeFileSync(join(path, '..', 'ec.pem'), await jose.exportSPKI(pair.publicKey));
    await assert.rejects(jwtVerifiers(readAccessRules(path, {})), /none of RS256 fits the ec key/);
    const ok = rulesFile('rules:\n  - jwt: { key_file: ec.pem }\n    layers: "*"\n');
    writeFileSync(join(ok, '..', 'ec.pem'), await jose.exportSPKI(pair.publicKey));
    const rules = readAccessRules(ok, {});
    const auth = rulesAuthorize(rules, await jwtVerifiers(rules));
    const token = await new jose.SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setExpirationTime('5m').sign(pair.privateKey);
    const a = await auth('tms', ['x'], { request: { method: 'GET', path: '/tms', query: '', headers: { authorization: `Bearer ${token}` } }, queryExtent: null });
    assert.equal(a.authorized, 'full');
  });
});
