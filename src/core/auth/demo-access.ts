import type { CoreRequest } from '../http.js';
import { askAuthorize, refusalOf } from './hook-answer.js';

/**
 * MapProxy's authorized_demo: the demo pages need a `full` answer to `demo` (asked with no layers); anything
 * else is a 403 (sent without no-cache headers, as MapProxy's demo does), `unauthenticated` a 401. Throws the
 * AccessDenied the app answers (and counts); returns when the page may be shown.
 */
export async function assertDemoAccess(req: CoreRequest): Promise<void> {
  const result = await askAuthorize(req, 'demo', [], null);
  if (!result || result.authorized === 'full') return;
  throw result.authorized === 'partial' ? refusalOf({ authorized: 'forbidden', reason: 'layer' }, { noCache: false }) : refusalOf(result, { noCache: false });
}
