import type { Client, Dispatcher } from 'undici';
import { undici } from './undici.js';

/**
 * A request that met a pooled keep-alive connection the server had just closed: the connection
 * had served a response before, and it closed or was reset before any response to this request
 * arrived. The server timed the idle connection out while the request was on its way, so the
 * request never reached its application and an idempotent one may be sent again.
 */
export class StaleConnectionError extends Error {
  override readonly name = 'StaleConnectionError';

  constructor(override readonly cause: Error) {
    super(`reused connection closed before a response: ${cause.message}`);
  }
}

/** How a closed or reset connection shows itself: undici's "other side closed", or the socket's own errors. */
const CONNECTION_CLOSED = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

function closedConnection(err: Error): boolean {
  return CONNECTION_CLOSED.has((err as Error & { code?: string }).code ?? '');
}

/** What the handler asks of its client: how many responses its current connection has completed. */
interface ServedCount {
  readonly served: number;
  responseCompleted(): void;
}

/**
 * An undici Client (one connection at a time) that knows whether its connection is fresh or
 * reused, and turns a reused connection's close before any response into a StaleConnectionError.
 * undici itself fails such a request with "other side closed" and leaves the retry to the caller.
 */
export function reuseAwareClient(origin: string | URL, opts?: Client.Options): Dispatcher {
  clientClass ??= defineReuseAwareClient(undici().Client);
  return new clientClass(origin, opts);
}

type ReuseAwareClientClass = new (origin: string | URL, opts?: Client.Options) => Client & ServedCount;
let clientClass: ReuseAwareClientClass | undefined;

// A class over undici's Client, defined when undici is first loaded (see undici.ts).
function defineReuseAwareClient(Base: typeof Client): ReuseAwareClientClass {
  return class ReuseAwareClient extends Base {
    /** Responses completed on the current connection; 0 on a new one. */
    #served = 0;

    constructor(origin: string | URL, opts?: Client.Options) {
      super(origin, opts);
      this.on('connect', () => { this.#served = 0; });
    }

    get served(): number {
      return this.#served;
    }

    responseCompleted(): void {
      this.#served++;
    }

    override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      return super.dispatch(opts, new ReuseAwareHandler(handler, this));
    }
  };
}

/**
 * Passes every event on to undici's own handler (the Pool and Agent above us hand down the
 * callback style, so this speaks it too), noting whether the request went out on a reused
 * connection and whether a response began.
 */
class ReuseAwareHandler implements Dispatcher.DispatchHandler {
  /** Responses the connection had served when this request was written to it. */
  private servedBefore?: number;
  private answered = false;

  constructor(private readonly inner: Dispatcher.DispatchHandler, private readonly client: ServedCount) {}

  onConnect(abort: (err?: Error) => void): void {
    this.servedBefore = this.client.served;
    this.answered = false;
    this.inner.onConnect?.(abort);
  }

  onResponseStarted(): void {
    this.answered = true;
    this.inner.onResponseStarted?.();
  }

  onUpgrade(statusCode: number, headers: Buffer[] | string[] | null, socket: import('node:stream').Duplex): void {
    this.inner.onUpgrade?.(statusCode, headers, socket);
  }

  onHeaders(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean {
    this.answered = true;
    return this.inner.onHeaders?.(statusCode, headers, resume, statusText) ?? true;
  }

  onData(chunk: Buffer): boolean {
    return this.inner.onData?.(chunk) ?? true;
  }

  onComplete(trailers: string[] | null): void {
    this.client.responseCompleted();
    this.inner.onComplete?.(trailers);
  }

  onBodySent(chunkSize: number, totalBytesSent: number): void {
    this.inner.onBodySent?.(chunkSize, totalBytesSent);
  }

  onError(err: Error): void {
    // A request still queued when an idle reused connection is reset fails too, without having
    // been written: the connection's count at that moment says whether it was reused.
    const served = this.servedBefore ?? this.client.served;
    const stale = !this.answered && served > 0 && closedConnection(err);
    this.inner.onError?.(stale ? new StaleConnectionError(err) : err);
  }
}
