import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './log/logger.js';
import type { CoreRequest, CoreResponse } from './http.js';

/** Anything with the core's handle(): an App, a MultiMapProxy, a test double. */
export interface RequestHandler {
  handle(req: CoreRequest): Promise<CoreResponse>;
}

export interface ServeOptions {
  host?: string;
  port?: number;
  /** Listen on a unix socket instead of TCP. */
  socketPath?: string;
  /** Mount point (SCRIPT_NAME) when not served at the root. */
  scriptName?: string;
}

/** Read a node:http request into the core's plain request. */
export async function toCoreRequest(req: http.IncomingMessage, scriptName = ''): Promise<CoreRequest> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  let path = decodeURIComponent(q >= 0 ? url.slice(0, q) : url);
  if (scriptName && path.startsWith(scriptName)) path = path.slice(scriptName.length) || '/';
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  let body: Buffer | undefined;
  if (req.method === 'POST' || req.method === 'PUT') {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    body = Buffer.concat(chunks);
  }
  return {
    method: req.method ?? 'GET',
    path,
    query: q >= 0 ? url.slice(q + 1) : '',
    headers,
    remoteAddr: req.socket.remoteAddress,
    body,
    scriptName,
  };
}

/** Write a core response to node:http (HEAD gets the headers only). */
export function writeCoreResponse(res: http.ServerResponse, method: string, response: CoreResponse): void {
  const body = typeof response.body === 'string' ? Buffer.from(response.body) : response.body;
  res.writeHead(response.status, { ...response.headers, 'Content-Length': String(body.length) });
  res.end(method === 'HEAD' ? undefined : body);
}

/** A node:http request listener around a core handler: the embedding API, as MapProxy's WSGI app. */
export function httpListener(handler: RequestHandler, scriptName = '', log: Pick<Logger, 'error'> = console): http.RequestListener {
  return (req, res) => {
    toCoreRequest(req, scriptName)
      .then((coreReq) => handler.handle(coreReq).then((r) => writeCoreResponse(res, coreReq.method, r)))
      .catch((err: unknown) => {
        log.error('internal error', err);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('internal error');
      });
  };
}

/** Serve a core handler with node:http on TCP or a unix socket. */
export function serveHttp(handler: RequestHandler, opts: ServeOptions = {}): Promise<http.Server> {
  const server = http.createServer(httpListener(handler, opts.scriptName));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve(server);
    };
    if (opts.socketPath) server.listen(opts.socketPath, done);
    else server.listen(opts.port ?? 8080, opts.host ?? '127.0.0.1', done);
  });
}

export function serverPort(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}
