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
  ) {
    super(message);
  }

  static unauthenticated(reason: DenialReason = 'unauthenticated'): AccessDenied {
    return new AccessDenied(401, 'unauthorized', reason, true);
  }

  static forbidden(reason: DenialReason = 'forbidden', opts: { noCache?: boolean } = {}): AccessDenied {
    return new AccessDenied(403, 'forbidden', reason, opts.noCache ?? true);
  }
}

/** `Content-Type: text/plain` without a charset, as MapProxy's Response sends a bare message. */
export function accessDeniedResponse(err: AccessDenied): CoreResponse {
  return serviceResponse(err.message, { status: err.status, contentType: 'text/plain', noCache: err.noCache });
}
