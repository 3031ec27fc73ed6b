// A counting, deliberately slow fake WMS for lock and failure tests. What it answers depends on the
// LAYERS parameter: 'ok' (a PNG of the requested size), 'status500' / 'status404', 'html' (a 200 text
// answer), 'garbage' (image/png that does not decode), 'wrongsize' (a PNG half the requested size),
// 'timeout' (never answers). Answers can be held back until the test lets them go.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import sharp from 'sharp';

export interface UpstreamRequest {
  url: string;
  layers: string;
  bbox: string;
  authorization?: string;
  userAgent?: string;
}

export interface FakeUpstream {
  /** Base URL with a trailing '?'-free path, e.g. http://127.0.0.1:1234/service */
  readonly url: string;
  readonly port: number;
  readonly requests: UpstreamRequest[];
  /** Requests per BBOX (one meta tile = one bbox). */
  countsByBBox(): Map<string, number>;
  /** While held, answers wait until `release()`. */
  hold(): void;
  release(): void;
  /** Resolves once `n` requests have arrived in total. */
  waitForRequests(n: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startFakeUpstream(opts: { delayMs?: number; color?: [number, number, number] } = {}): Promise<FakeUpstream> {
  const requests: UpstreamRequest[] = [];
  let held = false;
  let heldQueue: (() => void)[] = [];
  let waiters: { n: number; resolve: () => void }[] = [];
  const sockets = new Set<Socket>();
  const color = opts.color ?? [10, 120, 200];

  const png = (w: number, h: number) =>
    sharp({ create: { width: w, height: h, channels: 3, background: { r: color[0], g: color[1], b: color[2] } } }).png().toBuffer();

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    const p = new Map([...u.searchParams].map(([k, v]) => [k.toLowerCase(), v]));
    const layers = p.get('layers') ?? '';
    requests.push({ url: req.url ?? '', layers, bbox: p.get('bbox') ?? '', authorization: req.headers.authorization, userAgent: req.headers['user-agent'] });
    waiters = waiters.filter((w) => (requests.length >= w.n ? (w.resolve(), false) : true));
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    if (held) await new Promise<void>((r) => heldQueue.push(r));
    const w = Number(p.get('width') ?? 256);
    const h = Number(p.get('height') ?? 256);
    switch (layers) {
      case 'timeout':
        return; // never answers
      case 'status500':
      case 'status404':
        res.writeHead(Number(layers.slice(6)), { 'content-type': 'text/plain' }).end('upstream failure');
        return;
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>maintenance</body></html>');
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from('\x89PNG\r\n\x1a\nthis is not really a png'));
        return;
      case 'wrongsize':
        res.writeHead(200, { 'content-type': 'image/png' }).end(await png(Math.max(1, w >> 1), Math.max(1, h >> 1)));
        return;
      default:
        res.writeHead(200, { 'content-type': 'image/png' }).end(await png(w, h));
    }
  }

  function release(): void {
    held = false;
    const q = heldQueue;
    heldQueue = [];
    q.forEach((r) => r());
  }

  const server: Server = createServer((req, res) => {
    answer(req, res).catch((err) => res.writeHead(500).end(String(err)));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/service`,
    port,
    requests,
    countsByBBox() {
      const m = new Map<string, number>();
      for (const r of requests) m.set(r.bbox, (m.get(r.bbox) ?? 0) + 1);
      return m;
    },
    hold() {
      held = true;
    },
    release,
    waitForRequests(n) {
      if (requests.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    async stop() {
      release();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A free TCP port on 127.0.0.1 nobody listens on (for "connection refused"). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
