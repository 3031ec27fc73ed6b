import type { CoreResponse } from '../http.js';
import { serviceResponse } from '../service/response.js';

/**
 * A refusal by the authorization hook. MapProxy raises these without a request, so every protocol answers
 * them the same way: the bare word as text/plain with the status and no-cache headers — not an OGC
 * exception. The app turns them into responses, so services only have to let them pass.
 */
export class AccessDenied extends Error {
  override readonly name = 'AccessDenied';

  private constructor(readonly status: 401 | 403, message: string) {
    super(message);
  }

  static unauthenticated(): AccessDenied {
    return new AccessDenied(401, 'unauthorized');
  }

  static forbidden(): AccessDenied {
    return new AccessDenied(403, 'forbidden');
  }
}

/** `Content-Type: text/plain` without a charset, as MapProxy's Response sends a bare message. */
export function accessDeniedResponse(err: AccessDenied, opts: { noCache?: boolean } = {}): CoreResponse {
  return serviceResponse(err.message, { status: err.status, contentType: 'text/plain', noCache: opts.noCache ?? true });
}
