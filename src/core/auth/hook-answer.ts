import type { Coverage } from '../geo/coverage.js';
import { limitedToCoverage } from '../geo/coverage-config.js';
import type { CoreRequest } from '../http.js';
import { AccessDenied } from './access-denied.js';
import type { AuthResult, AuthService, LimitedTo, QueryExtent } from './authorize.js';
import { isDenialReason } from './denial-reason.js';

/**
 * Asks the request's authorization hook; null when there is none (everything is permitted). An
 * `unauthenticated` answer ends the request with 401 at once, in every service.
 */
export async function askAuthorize(
  req: CoreRequest,
  service: AuthService,
  layers: readonly string[],
  queryExtent: QueryExtent | null,
): Promise<AuthResult | null> {
  const authorize = req.hooks?.authorize;
  if (!authorize) return null;
  const result = await authorize(service, [...layers], { request: req, queryExtent });
  if (!result || typeof result !== 'object' || typeof result.authorized !== 'string') {
    throw new TypeError(`authorize hook returned ${JSON.stringify(result)}, expected { authorized: ... }`);
  }
  if (result.authorized === 'unauthenticated') {
    const challenge = result.challenge;
    // a header value: control characters would split the response
    if (challenge !== undefined && (typeof challenge !== 'string' || /[\x00-\x1f\x7f]/.test(challenge))) {
      throw new TypeError(`authorize hook returned a challenge that is not a header value: ${JSON.stringify(challenge)}`);
    }
    throw AccessDenied.unauthenticated(isDenialReason(result.reason) ? result.reason : 'unauthenticated', challenge || undefined);
  }
  return result;
}

/** The 403 of a `none`/`forbidden` answer, with the hook's reason when it gave one of ours. */
export function refusalOf(result: AuthResult, opts: { noCache?: boolean } = {}): AccessDenied {
  const reason = 'reason' in result && isDenialReason(result.reason) ? result.reason : 'forbidden';
  return AccessDenied.forbidden(reason, opts);
}

/** A `limited_to` as a clipping coverage (MapProxy's load_limited_to); absent: none. */
export function limitedCoverage(limitedTo: LimitedTo | undefined | null): Coverage | null {
  return limitedTo ? limitedToCoverage(limitedTo) : null;
}
