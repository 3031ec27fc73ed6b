import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { CoreRequest, CoreResponse } from '../../src/core/http.js';
import {
  FCGI_KEEP_CONN, ProtocolStatus, RecordParser, RecordType, Role, decodeEndRequest, decodeNameValuePairs,
  encodeBeginRequest, encodeNameValuePairs, encodeRecord, encodeStream, type FcgiRecord,
} from '../../src/worker/adapters/fastcgi-protocol.js';
import { serveFastCgi, type FastCgiServer } from '../../src/worker/adapters/fastcgi.js';

const dirs: string[] = [];
const servers: FastCgiServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempSocket(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpts-fcgi-'));
  dirs.push(dir);
  return path.join(dir, 'fcgi.sock');
}

const quiet = { warn: () => {}, error: () => {} };

/** A fake core: records what it was asked and answers with `answer`. */
function fakeHandler(answer: (req: CoreRequest) => CoreResponse | Promise<CoreResponse>) {
  const seen: CoreRequest[] = [];
  return {
    seen,
    async handle(req: CoreRequest) {
      seen.push(req);
      return answer(req);
    },
  };
}

async function start(handler: { handle(req: CoreRequest): Promise<CoreResponse> }, extra = {}) {
  const socketPath = tempSocket();
  const server = await serveFastCgi(handler, { socketPath, log: quiet, ...extra });
  servers.push(server);
  return { server, socketPath };
}

/** The web server's side of a connection: sends records, collects what comes back. */
class Client {
  readonly socket: net.Socket;
  private readonly parser = new RecordParser();
  readonly records: FcgiRecord[] = [];
  private waiters: (() => void)[] = [];
  readonly closed: Promise<void>;

  constructor(where: string | { port: number; host: string }) {
    this.socket = typeof where === 'string' ? net.connect(where) : net.connect(where.port, where.host);
    this.socket.on('data', (chunk: Buffer) => {
      this.records.push(...this.parser.push(chunk));
      for (const w of this.waiters.splice(0)) w();
    });
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) => this.socket.on('close', () => {
      resolve();
      for (const w of this.waiters.splice(0)) w();
    }));
  }

  send(...buffers: Buffer[]): void {
    this.socket.write(Buffer.concat(buffers));
  }

  /** Everything a web server sends for one request. */
  request(id: number, params: Record<string, string>, opts: { stdin?: Buffer; keepConn?: boolean } = {}): Buffer[] {
    return [
      encodeRecord(RecordType.BEGIN_REQUEST, id,
        encodeBeginRequest({ role: Role.RESPONDER, flags: opts.keepConn === false ? 0 : FCGI_KEEP_CONN })),
      ...encodeStream(RecordType.PARAMS, id, encodeNameValuePairs(Object.entries(params))),
      encodeRecord(RecordType.PARAMS, id),
      ...encodeStream(RecordType.STDIN, id, opts.stdin ?? Buffer.alloc(0)),
      encodeRecord(RecordType.STDIN, id),
    ];
  }

  async until(pred: () => boolean): Promise<void> {
    while (!pred()) {
      if (this.socket.destroyed) throw new Error('connection closed');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** STDOUT of request `id` and its END_REQUEST body, once END_REQUEST has arrived. */
  async response(id: number): Promise<{ stdout: Buffer; end: ReturnType<typeof decodeEndRequest>; records: FcgiRecord[] }> {
    const mine = () => this.records.filter((r) => r.requestId === id);
    await this.until(() => mine().some((r) => r.type === RecordType.END_REQUEST));
    const records = mine();
    const endRec = records.find((r) => r.type === RecordType.END_REQUEST)!;
    const stdout = Buffer.concat(records.filter((r) => r.type === RecordType.STDOUT).map((r) => r.content));
    return { stdout, end: decodeEndRequest(endRec.content), records };
  }
}

function parseCgi(stdout: Buffer): { head: string; body: Buffer } {
  const sep = stdout.indexOf('\r\n\r\n');
  return { head: stdout.subarray(0, sep).toString('latin1'), body: stdout.subarray(sep + 4) };
}

test('a GET request reaches the core with its CGI variables and the answer comes back on STDOUT', async () => {
  const handler = fakeHandler(() => ({ status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'hello' }));
  const { socketPath } = await start(handler);
  const c = new Client(socketPath);
  c.send(...c.request(1, {
    REQUEST_METHOD: 'GET', SCRIPT_NAME: '/proxy', PATH_INFO: '/service', QUERY_STRING: 'SERVICE=WMS',
    HTTP_HOST: 'example.org', HTTP_X_FORWARDED_PROTO: 'https', REMOTE_ADDR: '10.1.2.3',
  }));
  const { stdout, end, records } = await c.response(1);
  assert.deepEqual(end, { appStatus: 0, protocolStatus: ProtocolStatus.REQUEST_COMPLETE });
  // the STDOUT stream ends with an empty record before END_REQUEST
  const types = records.map((r) => [r.type, r.content.length]);
  assert.deepEqual(types.slice(-2), [[RecordType.STDOUT, 0], [RecordType.END_REQUEST, 8]]);
  assert.equal(stdout.toString(), 'Status: 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello');
  const [req] = handler.seen;
  assert.equal(req.method, 'GET');
  assert.equal(req.scriptName, '/proxy');
  assert.equal(req.path, '/service');
  assert.equal(req.query, 'SERVICE=WMS');
  assert.equal(req.remoteAddr, '10.1.2.3');
  assert.deepEqual(req.headers, { host: 'example.org', 'x-forwarded-proto': 'https' });
  c.socket.destroy();
});

test('large responses and request bodies span several records; keep-conn serves a second request', async () => {
  const big = Buffer.alloc(200_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 256;
  const handler = fakeHandler((req) => ({
    status: 200, headers: { 'Content-Type': 'application/octet-stream' }, body: req.body ?? big,
  }));
  const { socketPath } = await start(handler);
  const c = new Client(socketPath);
  c.send(...c.request(1, { REQUEST_METHOD: 'GET' }));
  const first = await c.response(1);
  assert.ok(first.records.every((r) => r.content.length <= 65535));
  assert.ok(first.records.filter((r) => r.type === RecordType.STDOUT).length >= 4);
  assert.deepEqual(parseCgi(first.stdout).body, big);

  const posted = big.subarray(0, 150_000);
  c.send(...c.request(2, { REQUEST_METHOD: 'POST', CONTENT_LENGTH: String(posted.length), CONTENT_TYPE: 'text/xml' },
    { stdin: posted }));
  const second = await c.response(2);
  assert.deepEqual(parseCgi(second.stdout).body, posted);
  assert.deepEqual(handler.seen[1].body, posted);
  assert.equal(handler.seen[1].headers['content-type'], 'text/xml');
  assert.equal(c.socket.destroyed, false);
  c.socket.destroy();
});

test('without FCGI_KEEP_CONN the server closes the connection after the answer', async () => {
  const { socketPath } = await start(fakeHandler(() => ({ status: 204, headers: {}, body: '' })));
  const c = new Client(socketPath);
  c.send(...c.request(1, { REQUEST_METHOD: 'GET' }, { keepConn: false }));
  const { stdout } = await c.response(1);
  assert.match(stdout.toString(), /^Status: 204 No Content\r\n/);
  await c.closed;
});

test('requests multiplexed on one connection are answered independently', async () => {
  let releaseFirst!: () => void;
  const firstDone = new Promise<void>((r) => { releaseFirst = r; });
  const handler = fakeHandler(async (req) => {
    if (req.path === '/slow') await firstDone;
    return { status: 200, headers: {}, body: `answer for ${req.path}` };
  });
  const { socketPath } = await start(handler);
  const c = new Client(socketPath);
  // interleave the records of two requests
  const a = c.request(7, { PATH_INFO: '/slow' });
  const b = c.request(9, { PATH_INFO: '/fast' });
  const mixed: Buffer[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) mixed.push(...(a[i] ? [a[i]] : []), ...(b[i] ? [b[i]] : []));
  c.send(...mixed);
  const fast = await c.response(9);
  assert.equal(parseCgi(fast.stdout).body.toString(), 'answer for /fast');
  assert.equal(c.records.some((r) => r.requestId === 7), false);
  releaseFirst();
  const slow = await c.response(7);
  assert.equal(parseCgi(slow.stdout).body.toString(), 'answer for /slow');
  c.socket.destroy();
});

test('GET_VALUES is answered with the values we know; other management records get UNKNOWN_TYPE', async () => {
  const { socketPath } = await start(fakeHandler(() => ({ status: 200, headers: {}, body: '' })), { maxConns: 5 });
  const c = new Client(socketPath);
  c.send(encodeRecord(RecordType.GET_VALUES, 0,
    encodeNameValuePairs([['FCGI_MPXS_CONNS', ''], ['FCGI_MAX_CONNS', ''], ['NOT_A_VARIABLE', '']])));
  await c.until(() => c.records.length >= 1);
  assert.equal(c.records[0].type, RecordType.GET_VALUES_RESULT);
  assert.equal(c.records[0].requestId, 0);
  assert.deepEqual(decodeNameValuePairs(c.records[0].content), [['FCGI_MPXS_CONNS', '1'], ['FCGI_MAX_CONNS', '5']]);
  c.send(encodeRecord(42, 0, Buffer.from('?')));
  await c.until(() => c.records.length >= 2);
  assert.equal(c.records[1].type, RecordType.UNKNOWN_TYPE);
  assert.equal(c.records[1].content[0], 42);
  c.socket.destroy();
});

test('roles other than responder are refused with FCGI_UNKNOWN_ROLE', async () => {
  const handler = fakeHandler(() => ({ status: 200, headers: {}, body: '' }));
  const { socketPath } = await start(handler);
  const c = new Client(socketPath);
  c.send(encodeRecord(RecordType.BEGIN_REQUEST, 3, encodeBeginRequest({ role: Role.AUTHORIZER, flags: FCGI_KEEP_CONN })));
  const { end, stdout } = await c.response(3);
  assert.equal(end.protocolStatus, ProtocolStatus.UNKNOWN_ROLE);
  assert.equal(stdout.length, 0);
  assert.equal(handler.seen.length, 0);
  c.socket.destroy();
});

test('an aborted request ends at once; its late answer is dropped and the connection stays usable', async () => {
  let release!: () => void;
  const blocked = new Promise<void>((r) => { release = r; });
  const handler = fakeHandler(async (req) => {
    if (req.path === '/block') await blocked;
    return { status: 200, headers: {}, body: `done ${req.path}` };
  });
  const { socketPath } = await start(handler);
  const c = new Client(socketPath);
  c.send(...c.request(1, { PATH_INFO: '/block' }));
  await new Promise<void>((resolve) => { const t = setInterval(() => { if (handler.seen.length) { clearInterval(t); resolve(); } }, 5); });
  c.send(encodeRecord(RecordType.ABORT_REQUEST, 1));
  const aborted = await c.response(1);
  assert.equal(aborted.end.protocolStatus, ProtocolStatus.REQUEST_COMPLETE);
  assert.equal(aborted.stdout.length, 0);
  release();
  c.send(...c.request(2, { PATH_INFO: '/next' }));
  const next = await c.response(2);
  assert.equal(parseCgi(next.stdout).body.toString(), 'done /next');
  // nothing more was sent for request 1 after its END_REQUEST
  assert.equal(c.records.filter((r) => r.requestId === 1).length, 2);
  c.socket.destroy();
});

test('bad records close the connection; the server goes on serving others', async () => {
  const { socketPath } = await start(fakeHandler(() => ({ status: 200, headers: {}, body: 'ok' })));
  const badVersion = new Client(socketPath);
  badVersion.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  await badVersion.closed;

  const badParams = new Client(socketPath);
  badParams.send(
    encodeRecord(RecordType.BEGIN_REQUEST, 1, encodeBeginRequest({ role: Role.RESPONDER, flags: FCGI_KEEP_CONN })),
    encodeRecord(RecordType.PARAMS, 1, Buffer.from([0x80, 0, 0, 50, 1, 65])), // name says 50 bytes, 1 follows
    encodeRecord(RecordType.PARAMS, 1),
    encodeRecord(RecordType.STDIN, 1),
  );
  await badParams.closed;
  assert.equal(badParams.records.length, 0);

  const wrongDirection = new Client(socketPath);
  wrongDirection.send(encodeRecord(RecordType.STDOUT, 1, Buffer.from('x')));
  await wrongDirection.closed;

  const good = new Client(socketPath);
  good.send(...good.request(1, {}));
  assert.equal(parseCgi((await good.response(1)).stdout).body.toString(), 'ok');
  good.socket.destroy();
});

test('an error in the core becomes a 500; HEAD gets no body', async () => {
  const handler = fakeHandler((req) => {
    if (req.path === '/boom') throw new Error('boom');
    return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'body' };
  });
  const { socketPath } = await start(handler);
  const c = new Client(socketPath);
  c.send(...c.request(1, { PATH_INFO: '/boom' }));
  assert.match((await c.response(1)).stdout.toString(), /^Status: 500 Internal Server Error\r\n/);
  c.send(...c.request(2, { REQUEST_METHOD: 'HEAD', PATH_INFO: '/x' }));
  const head = await c.response(2);
  assert.equal(head.stdout.toString(), 'Status: 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\n');
  c.socket.destroy();
});

test('request bodies above the limit get 413 without reaching the core', async () => {
  const handler = fakeHandler(() => ({ status: 200, headers: {}, body: '' }));
  const { socketPath } = await start(handler, { maxBodyBytes: 1000 });
  const c = new Client(socketPath);
  c.send(...c.request(1, { REQUEST_METHOD: 'POST' }, { stdin: Buffer.alloc(5000) }));
  assert.match((await c.response(1)).stdout.toString(), /^Status: 413 /);
  assert.equal(handler.seen.length, 0);
  c.socket.destroy();
});

test('TCP works too (port 0 picks a free port)', async () => {
  const server = await serveFastCgi(fakeHandler((req) => ({ status: 200, headers: {}, body: req.remoteAddr ?? '' })),
    { host: '127.0.0.1', port: 0, log: quiet });
  servers.push(server);
  assert.equal(typeof server.address, 'object');
  const { port } = server.address as net.AddressInfo;
  assert.ok(port > 0);
  const c = new Client({ port, host: '127.0.0.1' });
  c.send(...c.request(1, { REMOTE_ADDR: '203.0.113.9' }));
  assert.equal(parseCgi((await c.response(1)).stdout).body.toString(), '203.0.113.9');
  c.socket.destroy();
});

test('the unix socket gets the requested mode and disappears on close', async () => {
  const socketPath = tempSocket();
  const server = await serveFastCgi(fakeHandler(() => ({ status: 200, headers: {}, body: '' })),
    { socketPath, socketMode: '660', log: quiet });
  assert.equal(server.address, socketPath);
  assert.equal(fs.statSync(socketPath).mode & 0o777, 0o660);
  await server.close();
  assert.equal(fs.existsSync(socketPath), false);
  await assert.rejects(serveFastCgi(fakeHandler(() => ({ status: 200, headers: {}, body: '' })),
    { socketPath, socketMode: '999' }), RangeError);
});

test('a stale socket file is replaced; a live socket or a regular file is not', async () => {
  const handler = fakeHandler(() => ({ status: 200, headers: {}, body: 'fresh' }));
  const stale = tempSocket();
  // A socket file nobody listens on, as a killed daemon leaves behind.
  execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', stale]);
  assert.ok(fs.statSync(stale).isSocket());
  const server = await serveFastCgi(handler, { socketPath: stale, log: quiet });
  servers.push(server);
  const c = new Client(stale);
  c.send(...c.request(1, {}));
  assert.equal(parseCgi((await c.response(1)).stdout).body.toString(), 'fresh');
  c.socket.destroy();

  await assert.rejects(serveFastCgi(handler, { socketPath: stale, log: quiet }), { code: 'EADDRINUSE' });
  const regular = path.join(path.dirname(tempSocket()), 'not-a-socket');
  fs.writeFileSync(regular, 'keep me');
  await assert.rejects(serveFastCgi(handler, { socketPath: regular, log: quiet }), /not a socket/);
  assert.equal(fs.readFileSync(regular, 'utf8'), 'keep me');
});

test('close() lets the request in flight finish before the connection closes', async () => {
  let release!: () => void;
  const blocked = new Promise<void>((r) => { release = r; });
  const handler = fakeHandler(async () => {
    await blocked;
    return { status: 200, headers: {}, body: 'finished' };
  });
  const socketPath = tempSocket();
  const server = await serveFastCgi(handler, { socketPath, log: quiet });
  const c = new Client(socketPath);
  c.send(...c.request(1, {}));
  await new Promise<void>((resolve) => { const t = setInterval(() => { if (handler.seen.length) { clearInterval(t); resolve(); } }, 5); });
  let closed = false;
  const closing = server.close().then(() => { closed = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(closed, false);
  release();
  assert.equal(parseCgi((await c.response(1)).stdout).body.toString(), 'finished');
  await closing;
  await c.closed;
});
