import type { CoreRequest, CoreResponse } from '../http.js';

/**
 * One HTTP front-end (WMS/OWS, TMS, WMTS REST, demo, …). The app routes on the first path
 * segment (`^/(\w+)`) to the service that lists it in `names`.
 */
export interface Service {
  /** First path segments this service answers, e.g. ['tms', 'tiles']. */
  readonly names: readonly string[];
  /** `path` is the request path below the mount point, starting with '/' (usually `req.path`). */
  handle(req: CoreRequest, path: string): Promise<CoreResponse>;
}
