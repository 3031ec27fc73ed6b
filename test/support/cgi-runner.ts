// A tiny CGI host on node:http: runs a CGI binary once per request and relays its answer.
// Enough for MapServer's `mapserv` (GET only, no request body).
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CgiRunnerOptions {
  /** Path of the CGI binary. */
  script: string;
  /** Extra environment for every request (MS_MAPFILE, MAPSERVER_CONFIG_FILE, …). */
  env?: Record<string, string>;
  /** Called with each request's query string before the script runs. */
  onRequest?: (query: string) => void;
}

export interface CgiRunner {
  readonly url: string;        // http://127.0.0.1:<port>/
  readonly port: number;
  stop(): Promise<void>;
}

export interface CgiResponse { status: number; headers: Record<string, string>; body: Buffer }

/** Splits a CGI answer at the blank line; a `Status:` header sets the HTTP status. */
export function parseCgiOutput(output: Buffer): CgiResponse {
  let split = -1;
  let sepLen = 0;
  for (let i = 0; i < output.length - 1; i++) {
    if (output[i] === 0x0a && output[i + 1] === 0x0a) { split = i; sepLen = 2; break; }
    if (output[i] === 0x0d && output[i + 1] === 0x0a && output[i + 2] === 0x0d && output[i + 3] === 0x0a) {
      split = i; sepLen = 4; break;
    }
  }
  if (split < 0) return { status: 502, headers: { 'content-type': 'text/plain' }, body: Buffer.from('CGI answer without headers') };
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of output.subarray(0, split).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') status = parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers, body: output.subarray(split + sepLen) };
}

function runScript(opts: CgiRunnerOptions, req: IncomingMessage, port: number): Promise<CgiResponse> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const query = url.search.replace(/^\?/, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: query,
    SCRIPT_NAME: url.pathname,
    SERVER_NAME: '127.0.0.1',
    SERVER_PORT: String(port),
    SERVER_PROTOCOL: 'HTTP/1.1',
    HTTP_HOST: req.headers.host ?? `127.0.0.1:${port}`,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    ...opts.env,
  };
  return new Promise((resolve) => {
    const child = spawn(opts.script, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => resolve({ status: 502, headers: { 'content-type': 'text/plain' }, body: Buffer.from(String(e)) }));
    child.on('close', (code) => {
      const output = Buffer.concat(out);
      if (code !== 0 && output.length === 0) {
        resolve({ status: 502, headers: { 'content-type': 'text/plain' },
          body: Buffer.from(`CGI exit ${code}: ${Buffer.concat(err).toString()}`) });
      } else {
        resolve(parseCgiOutput(output));
      }
    });
  });
}

/** Starts the CGI host on a free 127.0.0.1 port. */
export async function startCgiRunner(opts: CgiRunnerOptions): Promise<CgiRunner> {
  let port = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const query = new URL(req.url ?? '/', 'http://127.0.0.1').search.replace(/^\?/, '');
    opts.onRequest?.(query);
    req.resume();
    runScript(opts, req, port).then((answer) => {
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
      res.end(answer.body);
    }, (e: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
