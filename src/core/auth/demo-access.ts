import type { CoreRequest, CoreResponse } from '../http.js';
import { AccessDenied, accessDeniedResponse } from './access-denied.js';
import { askAuthorize } from './hook-answer.js';

/**
 * MapProxy's authorized_demo: the demo pages need a `full` answer to `demo` (asked with no layers); anything
 * else is a 403 (sent without no-cache headers, as MapProxy's demo does), `unauthenticated` a 401. Null: go on.
 */
export async function demoRefusal(req: CoreRequest): Promise<CoreResponse | null> {
  let result;
  try {
    result = await askAuthorize(req, 'demo', [], null);
  } catch (err) {
    if (err instanceof AccessDenied) return accessDeniedResponse(err);
    throw err;
  }
  if (!result || result.authorized === 'full') return null;
  return accessDeniedResponse(AccessDenied.forbidden(), { noCache: false });
}
