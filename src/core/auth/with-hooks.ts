import type { CoreRequest } from '../http.js';
import type { RequestHooks } from './request-hooks.js';

/**
 * The request with the app's hooks filled in where it carries none of its own: an embedding middleware
 * that sets `hooks` per request (as a WSGI filter sets environ keys) keeps them.
 */
export function withHooks(req: CoreRequest, app: RequestHooks): CoreRequest {
  const authorize = req.hooks?.authorize ?? app.authorize;
  const decorateImg = req.hooks?.decorateImg ?? app.decorateImg;
  if (!authorize && !decorateImg) return req;
  if (authorize === req.hooks?.authorize && decorateImg === req.hooks?.decorateImg) return req;
  return { ...req, hooks: { ...(authorize ? { authorize } : {}), ...(decorateImg ? { decorateImg } : {}) } };
}
