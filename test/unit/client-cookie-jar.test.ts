// The cookie rules of http.manage_cookies beyond what the side-by-side test with MapProxy's tile server shows:
// domains other than the answering host, expiry in time, and secure cookies over https (Python's CookieJar rules).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CookieJar, sharedCookieJar } from '../../src/core/client/cookie-jar.js';

describe('cookie jar (http.manage_cookies)', () => {
  it('keeps domain cookies for the domain and host cookies for the host and its subdomains, as Python does', () => {
    const jar = new CookieJar(() => 1000);
    jar.store(new URL('http://a.maps.example/wms'), ['d=1; Domain=maps.example', 'h=2', 'bad=3; Domain=other.example', 'tld=4; Domain=example']);
    assert.equal(jar.header(new URL('http://b.maps.example/x')), 'd=1');
    assert.equal(jar.header(new URL('http://a.maps.example/x')), 'd=1; h=2');
    assert.equal(jar.header(new URL('http://sub.a.maps.example/x')), 'd=1; h=2');
    assert.equal(jar.header(new URL('http://other.example/x')), undefined);
  });

  it('lets cookies expire with the clock and sends secure ones over https only', () => {
    let now = 1000;
    const jar = new CookieJar(() => now);
    jar.store(new URL('https://maps.example/a/b'), ['short=1; Max-Age=10; Path=/', 'sec=2; Secure; Path=/a', 'bare; Path=/']);
    assert.equal(jar.header(new URL('https://maps.example/a/c')), 'sec=2; short=1; bare');
    assert.equal(jar.header(new URL('http://maps.example/a/c')), 'short=1; bare');
    now = 1010;
    assert.equal(jar.header(new URL('https://maps.example/a/c')), 'sec=2; bare');
    // Max-Age wins over Expires whatever their order; an unreadable Max-Age drops the cookie
    jar.store(new URL('https://maps.example/'), ['x=1; Expires=Wed, 01 Jan 2200 00:00:00 GMT; Max-Age=0', 'y=1; Max-Age=soon']);
    assert.equal(jar.header(new URL('https://maps.example/')), 'bare');
  });

  it('shares one jar between sources with the same TLS settings, as MapProxy shares its opener', () => {
    const jars = new Map<string, CookieJar>();
    const a = sharedCookieJar(jars, 'http://one.example/', { sslNoCertChecks: false });
    assert.equal(sharedCookieJar(jars, 'http://two.example/', { sslNoCertChecks: true }), a);
    assert.notEqual(sharedCookieJar(jars, 'https://two.example/', { sslNoCertChecks: true }), a);
  });
});
