import cluster from 'node:cluster';
/**
 * Serve the core as a FastCGI responder, for web servers that speak FastCGI to their
 * applications (lighttpd's fastcgi.server, nginx's fastcgi_pass, Apache's mod_proxy_fcgi):
 * MapProxy's deployment guide runs its WSGI app this way through flup.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import type { RequestHandler } from '../../core/node-http-adapter.js';
import { FastCgiConnection, type FastCgiConnectionContext } from './fastcgi-connection.js';

export interface FastCgiServeOptions {
  host?: string;
  /** TCP port (default 9000 when no socketPath; 0 picks a free one). */
  port?: number;
  /** Listen on a unix socket instead of TCP. A stale socket file left by a dead process is replaced. */
  socketPath?: string;
  /** Permissions of the unix socket, octal: '660', '0666' or 0o660. */
  socketMode?: string | number;
  /** Concurrent connections (FCGI_MAX_CONNS). Default 1024. */
  maxConns?: number;
  /** Requests in flight over all connections (FCGI_MAX_REQS); more get FCGI_OVERLOADED. Default 1024. */
  maxRequests?: number;
  /** Larger request bodies are answered with 413. Default 16 MiB. */
  maxBodyBytes?: number;
  /** Output the web server has not taken within this time closes its connection. Default 60 s. */
  sendTimeoutMs?: number;
  log?: Pick<Console, 'warn' | 'error'>;
}

export interface FastCgiServer {
  /** Stop accepting, let the requests in flight finish, close every connection. */
  close(): Promise<void>;
  /** The socket path, or the TCP address (with the port actually bound). */
  readonly address: string | net.AddressInfo;
}

const DEFAULT_PARAMS_LIMIT = 1024 * 1024;

export function parseSocketMode(mode: string | number): number {
  if (typeof mode === 'number') {
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new RangeError(`invalid socket mode ${mode}`);
    return mode;
  }
  if (!/^0?[0-7]{3,4}$/.test(mode.trim())) throw new RangeError(`invalid socket mode '${mode}' (want octal, e.g. 660)`);
  return parseInt(mode.trim(), 8);
}

/**
 * A socket file that nobody listens on (the previous daemon died) would make listen() fail
 * with EADDRINUSE. Remove it, but never a live socket of a running server or a non-socket file.
 */
async function removeStaleSocket(path: string): Promise<void> {
  let stat;
  try {
    stat = await fs.lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!stat.isSocket()) throw new Error(`${path} exists and is not a socket; not replacing it`);
  const live = await new Promise<boolean>((resolve, reject) => {
    const probe = net.connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') resolve(false);
      else reject(err);
    });
  });
  if (live) {
    throw Object.assign(new Error(`${path}: another server is listening on this socket`), { code: 'EADDRINUSE' });
  }
  await fs.unlink(path);
}

export async function serveFastCgi(handler: RequestHandler, opts: FastCgiServeOptions = {}): Promise<FastCgiServer> {
  const maxConns = opts.maxConns ?? 1024;
  const maxRequests = opts.maxRequests ?? 1024;
  const mode = opts.socketMode !== undefined ? parseSocketMode(opts.socketMode) : undefined;
  let inFlight = 0;
  const ctx: FastCgiConnectionContext = {
    handler,
    log: opts.log ?? console,
    maxParamsBytes: DEFAULT_PARAMS_LIMIT,
    maxBodyBytes: opts.maxBodyBytes ?? 16 * 1024 * 1024,
    sendTimeoutMs: opts.sendTimeoutMs ?? 60_000,
    admit: () => (inFlight < maxRequests ? (inFlight++, true) : false),
    release: () => {
      inFlight--;
    },
    values: new Map([
      ['FCGI_MAX_CONNS', String(maxConns)],
      ['FCGI_MAX_REQS', String(maxRequests)],
      ['FCGI_MPXS_CONNS', '1'],
    ]),
  };

  const connections = new Set<FastCgiConnection>();
  const server = net.createServer((socket) => {
    const conn = new FastCgiConnection(socket, ctx);
    connections.add(conn);
    socket.on('close', () => connections.delete(conn));
  });
  server.maxConnections = maxConns;
  server.on('error', (err) => ctx.log.error('FastCGI server error', err));

  // In a cluster worker the master already removed a stale file, and the socket it opened for the
  // first worker is live: checking again would refuse every worker but the first.
  if (opts.socketPath && !cluster.isWorker) await removeStaleSocket(opts.socketPath);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (opts.socketPath) server.listen(opts.socketPath, done);
    else server.listen(opts.port ?? 9000, opts.host ?? '127.0.0.1', done);
  });
  if (opts.socketPath && mode !== undefined) {
    try {
      await fs.chmod(opts.socketPath, mode);
    } catch (err) {
      server.close();
      throw err;
    }
  }

  const address = opts.socketPath ?? (server.address() as net.AddressInfo);
  let closing: Promise<void> | undefined;
  return {
    address,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const conn of connections) conn.closeWhenIdle();
      });
      return closing;
    },
  };
}
