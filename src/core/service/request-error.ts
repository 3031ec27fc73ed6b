import { SourceError } from '../source/source.js';

/**
 * A request the service refuses, carrying what each protocol's error renderer needs: the
 * message, an optional OGC exception code, an explicit HTTP status (auth, legends), and whether
 * the failure was internal (a source error) rather than the client's fault.
 */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  readonly code?: string;
  readonly status?: number;
  readonly internal: boolean;

  constructor(message: string, opts: { code?: string; status?: number; internal?: boolean } = {}) {
    super(message);
    this.code = opts.code;
    this.status = opts.status;
    this.internal = opts.internal ?? false;
  }

  /**
   * The HTTP status to answer with: the error's own, else 500 for an internal failure (a source
   * that failed), else `clientStatus`, the protocol's status for a request the client got wrong.
   */
  httpStatus(clientStatus: number): number {
    return this.status ?? (this.internal ? 500 : clientStatus);
  }
}

/** Errors of sources (unreachable upstream, bad response): the client sees their message with a 5xx. */
export function isSourceError(err: unknown): err is Error {
  return err instanceof SourceError;
}
