import { chmodSync } from 'node:fs';
import http from 'node:http';
import { httpListener, type RequestHandler } from '../core/node-http-adapter.js';

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
export function listenUnix(handler: RequestHandler, path: string, mode?: number): Promise<UnixListener> {
  let inFlight = 0;
  const waiters = new Set<() => void>();
  const listener = httpListener(handler);
  const server = http.createServer((req, res) => {
    inFlight++;
    res.on('close', () => {
      inFlight--;
      if (inFlight === 0) for (const w of waiters) w();
    });
    listener(req, res);
  });
  // A client that sends its request slowly or not at all cannot hold the worker.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
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
