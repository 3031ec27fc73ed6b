// Pooled upstream connections: a reused connection that the server closes as our request arrives is
// retried once for GET (never for POST, never for a fresh connection), and idle connections follow
// the server's Keep-Alive hint or else close before common servers' 5 s idle timeout.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { HttpClient, HTTPClientError } from '../../src/core/client/http-client.js';
import { HttpDispatchers, IDLE_CONNECTION_MS } from '../../src/core/client/dispatchers.js';

/** What the test server does with the n-th request (1-based) on one connection and overall. */
type Behaviour = (nthOnConnection: number, nthOverall: number) => 'answer' | 'close';

interface RawServer {
  base: string;
  /** Every request seen, with the number of the connection it came on. */
  requests: { connection: number; method: string }[];
  connections(): number;
}

/**
 * A raw TCP HTTP/1.1 server, so that a test decides exactly when a connection closes (node:http
 * would answer or time out on its own terms). `keepAliveHint` adds `Keep-Alive: timeout=N`.
 */
async function rawServer(behaviour: Behaviour, keepAliveHint?: number): Promise<RawServer> {
  const requests: RawServer['requests'] = [];
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const connection = ++connections;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = '';
    let n = 0;
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        requests.push({ connection, method: head.split(' ')[0]! });
        if (behaviour(++n, requests.length) === 'close') {
          socket.destroy();
          return;
        }
        const hint = keepAliveHint !== undefined ? `Keep-Alive: timeout=${keepAliveHint}\r\n` : '';
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n${hint}\r\nok`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return {
    base: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    requests,
    connections: () => connections,
  };
}

/** undici reuses a connection from the event loop turn after its response ended: requests here come later. */
const pause = () => sleep(20);

function client(): HttpClient {
  const dispatchers = new HttpDispatchers();
  after(() => dispatchers.close());
  return new HttpClient({ dispatchers, timeout: 5 });
}

test('a GET on a reused connection that the server closes unanswered is sent again on a new connection', async () => {
  const server = await rawServer((n) => (n === 1 ? 'answer' : 'close'));
  const c = client();
  assert.equal((await c.request(`${server.base}/a`)).body.toString(), 'ok');
  await pause();
  assert.equal((await c.request(`${server.base}/b`)).body.toString(), 'ok');
  assert.deepEqual(server.requests, [
    { connection: 1, method: 'GET' },
    { connection: 1, method: 'GET' }, // closed unanswered
    { connection: 2, method: 'GET' },
  ]);
});

test('undici alone does not retry: a plain Agent fails with "other side closed" (why our client retries)', async () => {
  const server = await rawServer((n) => (n === 1 ? 'answer' : 'close'));
  const agent = new Agent();
  after(() => agent.close());
  const get = async (path: string) => (await agent.request({ origin: server.base, path, method: 'GET' })).body.text();
  assert.equal(await get('/a'), 'ok');
  await pause();
  await assert.rejects(get('/b'), /other side closed/);
  assert.equal(server.requests.length, 2);
});

test('a GET is retried once only', async () => {
  // Only the very first request is answered: the second meets the closed connection, its retry
  // goes out on a new connection that closes too, and that is the end.
  const server = await rawServer((_n, overall) => (overall === 1 ? 'answer' : 'close'));
  const c = client();
  await c.request(`${server.base}/a`);
  await pause();
  await assert.rejects(c.request(`${server.base}/b`), HTTPClientError);
  assert.deepEqual(server.requests.map((r) => r.connection), [1, 1, 2]);
});

test('a POST on a reused connection that closes is not sent again', async () => {
  const server = await rawServer((n) => (n === 1 ? 'answer' : 'close'));
  const c = client();
  await c.request(`${server.base}/a`, { method: 'POST', body: 'x=1' });
  await pause();
  await assert.rejects(c.request(`${server.base}/b`, { method: 'POST', body: 'x=2' }), (err: unknown) => {
    assert.ok(err instanceof HTTPClientError);
    assert.match(err.fullMessage, /No response from URL .*\/b": other side closed/);
    return true;
  });
  assert.equal(server.requests.length, 2);
});

test('a fresh connection that closes unanswered is an error, not a retry', async () => {
  const server = await rawServer(() => 'close');
  const c = client();
  await assert.rejects(c.request(`${server.base}/a`), HTTPClientError);
  assert.equal(server.requests.length, 1);
});

test("an idle connection is kept for the server's Keep-Alive timeout less a margin", async () => {
  // timeout=2 leaves 1 s of idleness: reused after 0.3 s, replaced after 1.3 s.
  const server = await rawServer(() => 'answer', 2);
  const c = client();
  await c.request(`${server.base}/a`);
  await sleep(300);
  await c.request(`${server.base}/b`);
  assert.equal(server.connections(), 1);
  await sleep(1300);
  await c.request(`${server.base}/c`);
  assert.equal(server.connections(), 2);
  assert.equal(server.requests.length, 3);
});

test('without a Keep-Alive hint an idle connection closes before 5 s, the common server timeout', async () => {
  assert.ok(IDLE_CONNECTION_MS < 5000);
  const server = await rawServer(() => 'answer');
  const c = client();
  await c.request(`${server.base}/a`);
  await sleep(IDLE_CONNECTION_MS - 1000);
  await c.request(`${server.base}/b`);
  assert.equal(server.connections(), 1, 'reused while idle for less than the idle time');
  await sleep(IDLE_CONNECTION_MS + 200);
  await c.request(`${server.base}/c`);
  assert.equal(server.connections(), 2, 'closed by us after the idle time');
  assert.equal(server.requests.length, 3, 'no request met a closed connection');
});
