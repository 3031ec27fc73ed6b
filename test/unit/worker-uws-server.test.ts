import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { CoreRequest, CoreResponse } from '../../src/core/http.js';
import { listenUws, type UwsServer } from '../../src/worker/adapters/uws-server.js';
import { loadNativeUws } from '../../src/worker/adapters/uws-native.js';

/** A handler like the core's router: /hello and /echo exist, everything else is 404. */
function fakeCore() {
  const seen: CoreRequest[] = [];
  let release: (() => void) | null = null;
  const handler = {
    async handle(req: CoreRequest): Promise<CoreResponse> {
      seen.push(req);
      if (req.path === '/hello') return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'hello world' };
      if (req.path === '/echo') {
        return { status: 200, headers: { 'Content-Type': 'application/octet-stream' }, body: req.body ?? Buffer.alloc(0) };
      }
      if (req.path === '/slow') {
        await new Promise<void>((r) => (release = r));
        return { status: 200, headers: {}, body: 'late' };
      }
      if (req.path === '/big') return { status: 200, headers: {}, body: Buffer.alloc(4 * 1024 * 1024, 7) };
      return { status: 404, headers: { 'Content-Type': 'text/plain' }, body: 'not found' };
    },
  };
  return { handler, seen, release: () => release?.() };
}

/** One raw HTTP/1.1 exchange on a fresh connection; resolves with everything the server sent before closing. */
function raw(port: number, text: string | Buffer, opts: { closeAfterMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', reject);
    s.on('close', () => resolve(out));
    if (opts.closeAfterMs !== undefined) setTimeout(() => s.destroy(), opts.closeAfterMs);
  });
}

describe('uWS adapter', () => {
  const core = fakeCore();
  let server: UwsServer;

  before(async () => {
    server = await listenUws(loadNativeUws(), core.handler, {
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 1024,
      bodyTimeoutMs: 500,
    });
  });
  after(() => server.close());

  it('answers unmatched paths with the handler\'s 404 instead of dropping the connection', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/no/such/route?x=1`);
    assert.equal(res.status, 404);
    assert.equal(await res.text(), 'not found');
  });

  it('passes path, query, headers and remote address', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/hello?SERVICE=WMS&a=%20b`, { headers: { 'X-Test': 'yes' } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello world');
    const req = core.seen.at(-1)!;
    assert.equal(req.method, 'GET');
    assert.equal(req.path, '/hello');
    assert.equal(req.query, 'SERVICE=WMS&a=%20b');
    assert.equal(req.headers['x-test'], 'yes');
    assert.equal(req.remoteAddr, '127.0.0.1');
  });

  it('answers HEAD with the GET headers and no body', async () => {
    // uWS marks the answer `Connection: close` but leaves closing to the client: stop reading after a while.
    const text = await raw(server.port, 'HEAD /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { closeAfterMs: 300 });
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /content-length: 11\r\n/i);
    assert.match(text, /content-type: text\/plain\r\n/i);
    assert.ok(text.endsWith('\r\n\r\n'), `no body expected, got ${JSON.stringify(text)}`);
    const missing = await raw(server.port, 'HEAD /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { closeAfterMs: 300 });
    assert.match(missing, /^HTTP\/1\.1 404 Not Found\r\n/);
  });

  it('reads POST bodies', async () => {
    const body = Buffer.from('<GetMap>' + 'x'.repeat(600) + '</GetMap>');
    const res = await fetch(`http://127.0.0.1:${server.port}/echo`, { method: 'POST', body });
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), body);
    assert.equal(core.seen.at(-1)!.method, 'POST');
  });

  it('refuses bodies over the limit with 413', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/echo`, { method: 'POST', body: Buffer.alloc(5000) });
    assert.equal(res.status, 413);
  });

  it('answers 408 when a body does not arrive in time', async () => {
    const text = await raw(server.port, 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial');
    assert.match(text, /^HTTP\/1\.1 408 /);
  });

  it('survives a client that goes away before its answer, and counts it as finished', async () => {
    const before = core.seen.length;
    await raw(server.port, 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n', { closeAfterMs: 100 });
    assert.equal(core.seen.length, before + 1);
    core.release(); // the handler answers after the abort: must not throw or write to the dead response
    assert.equal(await server.drain(2000), true);
    const res = await fetch(`http://127.0.0.1:${server.port}/hello`);
    assert.equal(res.status, 200);
  });

  it('sends large bodies completely', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/big`);
    const buf = Buffer.from(await res.arrayBuffer());
    assert.equal(buf.length, 4 * 1024 * 1024);
    assert.equal(buf[buf.length - 1], 7);
  });

  it('drains: stops accepting, lets the request in flight finish', async () => {
    const s2 = await listenUws(loadNativeUws(), core.handler, { host: '127.0.0.1', port: 0 });
    const pending = fetch(`http://127.0.0.1:${s2.port}/slow`);
    while (s2.inFlight === 0) await new Promise((r) => setTimeout(r, 10));
    s2.stopAccepting();
    await assert.rejects(fetch(`http://127.0.0.1:${s2.port}/hello`));
    core.release();
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'late');
    assert.equal(await s2.drain(1000), true);
    await s2.close();
  });
});
