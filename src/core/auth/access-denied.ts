import type { CoreResponse } from '../http.js';
import { serviceResponse } from '../service/response.js';
import type { DenialReason } from './denial-reason.js';

/**
 * A refusal by the authorization hook. MapProxy raises these without a request, so every protocol answers
 * them the same way: the bare word as text/plain with the status and no-cache headers — not an OGC
 * exception. The app turns them into responses, so services only have to let them pass.
 */
export class AccessDenied extends Error {
  override readonly name = 'AccessDenied';

  /**
   * `reason`: what is counted and logged (never a credential). `noCache` false: the refusal may be cached
   * (MapProxy's demo refuses without no-cache headers).
   */
  private constructor(
    readonly status: 401 | 403,
    message: string,
    readonly reason: DenialReason,
    readonly noCache: boolean,
    /** The `WWW-Authenticate` value of a 401 (RFC 7235), when the hook named a scheme. */
    readonly challenge?: string,
  ) {
    super(message);
  }

  /** The body a protocol answers this refusal with instead of the bare word (OGC API: its exception document). */
  answer?: CoreResponse;

  static unauthenticated(reason: DenialReason = 'unauthenticated', challenge?: string): AccessDenied {
    return new AccessDenied(401, 'unauthorized', reason, true, challenge);
  }

  static forbidden(reason: DenialReason = 'forbidden', opts: { noCache?: boolean } = {}): AccessDenied {
    return new AccessDenied(403, 'forbidden', reason, opts.noCache ?? true);
  }
}

/**
 * `Content-Type: text/plain` without a charset, as MapProxy's Response sends a bare message (or the protocol's
 * own `answer`); a 401 with a challenge carries it in `WWW-Authenticate`.
 */
export function accessDeniedResponse(err: AccessDenied): CoreResponse {
  const res = err.answer ?? serviceResponse(err.message, { status: err.status, contentType: 'text/plain', noCache: err.noCache });
  if (err.status === 401 && err.challenge) res.headers['WWW-Authenticate'] = err.challenge;
  return res;
}
