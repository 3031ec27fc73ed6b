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
}

/** True for errors thrown by sources (SourceError and subclasses), recognised by class name so services need not import the sources. */
export function isSourceError(err: unknown): err is Error {
  return hasClassNamed(err, 'SourceError');
}

export function hasClassNamed(err: unknown, name: string): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === name) return true;
  for (let p = Object.getPrototypeOf(err); p && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
    if (p.constructor?.name === name) return true;
  }
  return false;
}
