import { chmodSync } from 'node:fs';
import http from 'node:http';
import { httpListener, type RequestHandler } from '../../core/node-http-adapter.js';
import { DEFAULT_CLIENT_LIMITS, type ClientLimits } from './client-limits.js';
import type { Logger } from '../../core/log/logger.js';

export interface UnixListener {
  stopAccepting(): void;
  drain(timeoutMs: number): Promise<boolean>;
  close(): void;
}

/**
 * A unix socket listener. uWS unlinks and re-creates the socket file on every listen, so with several
 * workers only the last would get connections; node:http in a cluster worker instead shares one socket
 * that the master opened, and every worker takes connections from it.
 */
export function listenUnix(
  handler: RequestHandler,
  path: string,
  opts: { mode?: number; limits?: ClientLimits; log?: Pick<Logger, 'error'> } = {},
): Promise<UnixListener> {
  const { mode } = opts;
  const limits = opts.limits ?? DEFAULT_CLIENT_LIMITS;
  let inFlight = 0;
  const waiters = new Set<() => void>();
  const listener = httpListener(handler, '', opts.log);
  const server = http.createServer((req, res) => {
    inFlight++;
    let sendTimer: NodeJS.Timeout | undefined;
    res.on('close', () => {
      clearTimeout(sendTimer);
      inFlight--;
      if (inFlight === 0) for (const w of waiters) w();
    });
    if (inFlight > limits.maxRequests) {
      res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '1' });
      res.end(`server busy: more than ${limits.maxRequests} requests in progress`);
      return;
    }
    // node:http has no limit on the time a client takes to read an answer: once the answer is complete,
    // the client has sendTimeout to take it (the socket's own timeout would also count the time we compute).
    const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
    res.end = ((...args: unknown[]) => {
      sendTimer ??= setTimeout(() => res.destroy(), limits.sendTimeoutMs).unref();
      return end(...args);
    }) as typeof res.end;
    listener(req, res);
  });
  // A client that sends its request slowly or not at all cannot hold the worker.
  server.headersTimeout = Math.min(10_000, limits.requestTimeoutMs);
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      if (mode !== undefined) chmodSync(path, mode);
      resolve({
        stopAccepting: () => {
          server.close();
          server.closeIdleConnections();
        },
        drain: (timeoutMs) =>
          inFlight === 0
            ? Promise.resolve(true)
            : new Promise((done) => {
                const waiter = () => {
                  clearTimeout(timer);
                  waiters.delete(waiter);
                  done(true);
                };
                const timer = setTimeout(() => {
                  waiters.delete(waiter);
                  done(false);
                }, timeoutMs);
                waiters.add(waiter);
              }),
        close: () => server.closeAllConnections(),
      });
    });
  });
}
