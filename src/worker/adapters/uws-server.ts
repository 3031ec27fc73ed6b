import { STATUS_CODES } from 'node:http';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import type { CoreRequest, CoreResponse } from '../../core/http.js';
import type { RequestHandler } from '../../core/node-http-adapter.js';
import { AcceptGuard } from './accept-guard.js';
import type { Uws } from './uws-native.js';

export interface UwsServerOptions {
  host: string;
  port: number;
  /** Larger request bodies get 413 (default 8 MiB; WMS POST bodies are a few KB). */
  maxBodyBytes?: number;
  /** A request body must arrive within this time, else 408 (default 30 s). */
  bodyTimeoutMs?: number;
  /**
   * A response must be taken by the client within this time, else the connection is closed (default 60 s).
   * uWS itself also closes a connection that takes no bytes for 10 s while a response is pending.
   */
  sendTimeoutMs?: number;
  /**
   * Requests in progress (computing or sending) beyond this are answered 503 at once (default 1024): each holds
   * its response body until the client has taken it, so slow readers must not pile up without bound.
   */
  maxRequests?: number;
  /**
   * Open connections (counted as file descriptors) at which the listener stops taking new ones until some close
   * (default 10000); see AcceptGuard.
   */
  maxConnections?: number;
  /** Where handler failures and the guard's notices are reported (default console). */
  log?: Pick<Console, 'error' | 'warn'>;
}

export interface UwsServer {
  readonly port: number;
  /** Requests received and not yet answered or aborted. */
  readonly inFlight: number;
  /** Close the listen socket: no new connections; requests in flight continue. */
  stopAccepting(): void;
  /** Resolves true when no request is in flight, false when `timeoutMs` passed first. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Close every connection, idle keep-alive ones included (after the answers written so far went out). */
  close(): Promise<void>;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Serves a core handler with uWebSockets.js and closes the gaps uWS leaves open by itself: every path and
 * method reaches the handler (uWS drops unmatched routes and HEAD on GET routes without an answer), HEAD
 * gets the GET headers without a body, request bodies are read with a size and time limit, aborted requests
 * are not answered, and a client that does not read its response cannot hold the worker.
 */
export function listenUws(uws: Uws, handler: RequestHandler, opts: UwsServerOptions): Promise<UwsServer> {
  const maxBody = opts.maxBodyBytes ?? 8 * 1024 * 1024;
  const bodyTimeout = opts.bodyTimeoutMs ?? 30_000;
  const sendTimeout = opts.sendTimeoutMs ?? 60_000;
  const maxRequests = opts.maxRequests ?? 1024;
  const log = opts.log ?? console;
  const app: TemplatedApp = uws.App();
  let inFlight = 0;
  let draining = false;
  const drainWaiters = new Set<() => void>();

  const finished = () => {
    inFlight--;
    if (inFlight === 0) for (const w of drainWaiters) w();
  };

  app.any('/*', (res: HttpResponse, req: HttpRequest) => {
    inFlight++;
    const state = { aborted: false, done: false, timer: undefined as NodeJS.Timeout | undefined };
    const finish = () => {
      if (state.done) return;
      state.done = true;
      if (state.timer) clearTimeout(state.timer);
      finished();
    };
    res.onAborted(() => {
      state.aborted = true;
      finish();
    });

    // HttpRequest lives on uWS's stack: copy everything out before the first await.
    const method = req.getCaseSensitiveMethod().toUpperCase();
    const url = req.getUrl();
    const query = req.getQuery() ?? '';
    const headers: Record<string, string> = {};
    req.forEach((k, v) => {
      headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
    });
    const remoteAddr = Buffer.from(res.getRemoteAddressAsText()).toString();

    const respond = (r: CoreResponse, close = false) => {
      if (state.aborted || state.done) return;
      const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
      const closeConnection = close || draining || /\bclose\b/i.test(headers['connection'] ?? '');
      let writeBase = 0;
      let done = false;
      res.cork(() => {
        res.writeStatus(`${r.status} ${STATUS_CODES[r.status] ?? ''}`.trimEnd());
        for (const [k, v] of Object.entries(r.headers)) {
          if (k.toLowerCase() === 'content-length') continue; // uWS writes it from the body
          res.writeHeader(k, v);
        }
        if (method === 'HEAD') {
          res.endWithoutBody(body.length, closeConnection);
          done = true;
          return;
        }
        if (closeConnection) {
          // Stopping: answer and close, so the client does not send another request on this connection.
          res.end(body, true);
          done = true;
          return;
        }
        writeBase = res.getWriteOffset();
        done = res.tryEnd(body, body.length)[1];
      });
      if (done) return finish();
      // The client reads slower than we write: go on when it is writable again, give up after sendTimeout.
      state.timer = setTimeout(() => {
        if (!state.done && !state.aborted) res.close();
      }, sendTimeout);
      state.timer.unref();
      res.onWritable((offset) => {
        const [more, finished] = res.tryEnd(body.subarray(offset - writeBase), body.length);
        if (finished) finish();
        return more;
      });
    };

    const fail = (status: number, text: string, close = false) =>
      respond({ status, headers: { 'Content-Type': 'text/plain' }, body: text }, close);

    if (inFlight > maxRequests) {
      return respond({
        status: 503,
        headers: { 'Content-Type': 'text/plain', 'Retry-After': '1' },
        body: `server busy: more than ${maxRequests} requests in progress`,
      }, BODY_METHODS.has(method)); // an unread request body would otherwise be taken for the next request
    }

    let path: string;
    try {
      path = decodeURIComponent(url);
    } catch {
      return fail(400, 'malformed URL');
    }

    const dispatch = (body?: Buffer) => {
      if (state.aborted) return;
      const coreReq: CoreRequest = { method, path, query, headers, remoteAddr, body, scriptName: '' };
      handler.handle(coreReq).then(respond, (err: unknown) => {
        log.error('internal error', err);
        fail(500, 'internal error');
      });
    };

    if (!BODY_METHODS.has(method)) return dispatch();

    const declared = Number(headers['content-length']);
    if (declared > maxBody) return fail(413, `request body larger than ${maxBody} bytes`, true);
    const chunks: Buffer[] = [];
    let received = 0;
    state.timer = setTimeout(() => {
      if (state.done || state.aborted) return;
      fail(408, 'request body not received in time', true);
    }, bodyTimeout);
    state.timer.unref();
    res.onData((chunk, isLast) => {
      if (state.done || state.aborted) return;
      received += chunk.byteLength;
      if (received > maxBody) {
        fail(413, `request body larger than ${maxBody} bytes`, true);
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0))); // uWS neuters the ArrayBuffer after this callback
      if (isLast) {
        clearTimeout(state.timer);
        state.timer = undefined;
        dispatch(Buffer.concat(chunks));
      }
    });
  });

  return new Promise((resolve, reject) => {
    app.listen(opts.host, opts.port, (listenSocket: us_listen_socket | false) => {
      if (!listenSocket) {
        reject(new Error(`cannot listen on ${opts.host}:${opts.port} (address in use or not available)`));
        return;
      }
      let socket: us_listen_socket | null = listenSocket;
      const port = uws.us_socket_local_port(listenSocket);
      const guard = new AcceptGuard({
        maxConnections: opts.maxConnections ?? 10_000,
        log,
        pause: () => {
          if (socket) uws.us_listen_socket_close(socket);
          socket = null;
        },
        resume: () => {
          if (draining) return;
          app.listen(opts.host, port, (again: us_listen_socket | false) => {
            if (!again) log.error(`cannot listen on ${opts.host}:${port} again`);
            else if (draining) uws.us_listen_socket_close(again);
            else socket = again;
          });
        },
      }).start();
      resolve({
        port,
        get inFlight() {
          return inFlight;
        },
        stopAccepting() {
          draining = true;
          guard.stop();
          if (socket) uws.us_listen_socket_close(socket);
          socket = null;
        },
        drain(timeoutMs: number) {
          if (inFlight === 0) return Promise.resolve(true);
          return new Promise<boolean>((done) => {
            const waiter = () => {
              clearTimeout(timer);
              drainWaiters.delete(waiter);
              done(true);
            };
            const timer = setTimeout(() => {
              drainWaiters.delete(waiter);
              done(false);
            }, timeoutMs);
            drainWaiters.add(waiter);
          });
        },
        close() {
          draining = true;
          guard.stop();
          if (socket) uws.us_listen_socket_close(socket);
          socket = null;
          // A response ended outside a uWS callback is sent when the event loop comes round; closing at once
          // would drop the last answers of a drain.
          return new Promise<void>((done) =>
            setImmediate(() => {
              (app as TemplatedApp & { close(): void }).close();
              done();
            }),
          );
        },
      });
    });
  });
}
