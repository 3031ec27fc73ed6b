import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient, HTTPClientError, USER_AGENT, type RequestInfo } from '../../src/core/client/http-client.js';
import { InProcessLimiter } from '../../src/core/client/request-limiter.js';
import { splitUrlCredentials } from '../../src/core/client/url-credentials.js';
import { localHttpServer } from '../support/local-http.js';

interface Seen { url: string; headers: http.IncomingHttpHeaders; method: string; body: string }
const seen: Seen[] = [];
let active = 0;
let maxActive = 0;

const { base, dispatchers } = await localHttpServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    seen.push({ url: req.url!, headers: req.headers, method: req.method!, body });
    const path = new URL(req.url!, 'http://x').pathname;
    if (path === '/img') {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(Buffer.from([1, 2, 3]));
    } else if (path === '/missing') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('nope');
    } else if (path === '/empty') {
      res.writeHead(204);
      res.end();
    } else if (path === '/slow') {
      setTimeout(() => { res.writeHead(200); res.end('late'); }, 1500);
    } else if (path === '/redirect') {
      res.writeHead(302, { location: '/img' });
      res.end();
    } else if (path === '/busy') {
      active++;
      maxActive = Math.max(maxActive, active);
      setTimeout(() => { active--; res.writeHead(200); res.end('ok'); }, 30);
    } else {
      res.writeHead(500);
      res.end();
    }
  });
});

test('GET returns status, lower-case headers and the body; sends the MapProxy-ts User-Agent and custom headers', async () => {
  const client = new HttpClient({ dispatchers, headers: { 'X-Foo': 'bar' } });
  const res = await client.request(`${base}/img?a=1`);
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'image/png');
  assert.deepEqual(res.body, Buffer.from([1, 2, 3]));
  const req = seen.at(-1)!;
  assert.equal(req.url, '/img?a=1');
  assert.equal(req.headers['user-agent'], USER_AGENT);
  assert.match(USER_AGENT, /^MapProxy-ts\/\d+\.\d+/);
  assert.equal(req.headers['x-foo'], 'bar');
});

test('credentials in the URL become a Basic Authorization header and never appear in errors', async () => {
  const events: RequestInfo[] = [];
  const client = new HttpClient({ dispatchers, hideErrorDetails: false, onRequest: (i) => events.push(i) });
  const authed = base.replace('http://', 'http://user:s3cr%et@');
  await client.request(`${authed}/img`);
  assert.equal(seen.at(-1)!.headers.authorization, 'Basic ' + Buffer.from('user:s3cr%et').toString('base64'));
  await assert.rejects(client.request(`${authed}/missing`), (err: HTTPClientError) => {
    assert.ok(err instanceof HTTPClientError);
    assert.equal(err.responseCode, 404);
    assert.equal(err.message, `HTTP Error "${base}/missing": 404`);
    assert.ok(!err.message.includes('s3cr') && !err.fullMessage.includes('s3cr'));
    return true;
  });
  assert.ok(events.every((e) => !e.url.includes('s3cr')));
  assert.deepEqual(events.map((e) => e.status), [200, 404]);
  assert.ok(events[1].error);
});

test('hidden error details give the generic message; the full one stays available for the log', async () => {
  const client = new HttpClient({ dispatchers });
  await assert.rejects(client.request(`${base}/missing`), (err: HTTPClientError) => {
    assert.equal(err.message, 'HTTP Error (see logs for URL and reason).');
    assert.equal(err.fullMessage, `HTTP Error "${base}/missing": 404`);
    return true;
  });
});

test('204 is an error', async () => {
  const client = new HttpClient({ dispatchers });
  await assert.rejects(client.request(`${base}/empty`), (err: HTTPClientError) => err.responseCode === 204);
});

test('no answer within client_timeout gives "No response from URL"', async () => {
  const client = new HttpClient({ dispatchers, timeout: 0.2, hideErrorDetails: false });
  await assert.rejects(client.request(`${base}/slow`), (err: HTTPClientError) => {
    assert.equal(err.responseCode, undefined);
    assert.equal(err.message, `No response from URL "${base}/slow": timed out`);
    return true;
  });
});

test('connection refused gives "No response from URL"', async () => {
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const client = new HttpClient({ dispatchers, hideErrorDetails: false });
  await assert.rejects(client.request(`http://127.0.0.1:${port}/x`), /^HTTPClientError: No response from URL "http:\/\/127\.0\.0\.1:\d+\/x": /);
});

test('redirects are followed', async () => {
  const client = new HttpClient({ dispatchers });
  const res = await client.request(`${base}/redirect`);
  assert.equal(res.headers['content-type'], 'image/png');
});

test('POST sends the body form-encoded', async () => {
  const client = new HttpClient({ dispatchers });
  await client.request(`${base}/img`, { method: 'POST', body: 'a=b&c=d' });
  const req = seen.at(-1)!;
  assert.equal(req.method, 'POST');
  assert.equal(req.body, 'a=b&c=d');
  assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
});

test('concurrent_requests limits the parallel requests to one host', async () => {
  maxActive = 0;
  const client = new HttpClient({ dispatchers, limiter: new InProcessLimiter(2) });
  await Promise.all(Array.from({ length: 6 }, () => client.request(`${base}/busy`)));
  assert.equal(maxActive, 2);
});

test('splitUrlCredentials follows MapProxy auth_data_from_url', () => {
  assert.deepEqual(splitUrlCredentials('invalid_url'), { url: 'invalid_url' });
  assert.deepEqual(splitUrlCredentials('http://localhost/bar'), { url: 'http://localhost/bar' });
  assert.deepEqual(splitUrlCredentials('http://bar@localhost/bar'), { url: 'http://localhost/bar', username: 'bar' });
  assert.deepEqual(splitUrlCredentials('http://bar:b:az@@localhost/bar'), { url: 'http://localhost/bar', username: 'bar', password: 'b:az@' });
  assert.deepEqual(splitUrlCredentials('http://localhost/bar@2x'), { url: 'http://localhost/bar@2x' });
  assert.deepEqual(splitUrlCredentials('https://bar@localhost/bar/0/0/0@2x.png'),
    { url: 'https://localhost/bar/0/0/0@2x.png', username: 'bar' });
});
