import type { AuthorizeFn } from './authorize.js';
import type { DecorateImgFn } from './decorate-img.js';

/**
 * The per-request hooks MapProxy reads from the WSGI environ (`mapproxy.authorize`, `mapproxy.decorate_img`).
 * createApp puts its own on every request that has none, so an embedding middleware may still set them per
 * request, as a WSGI filter does.
 */
export interface RequestHooks {
  authorize?: AuthorizeFn;
  decorateImg?: DecorateImgFn;
}
