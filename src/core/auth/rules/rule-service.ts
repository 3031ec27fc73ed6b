import type { CoreRequest } from '../../http.js';
import type { AuthService } from '../authorize.js';

/** The protocols a rule may be limited to with `services:`. */
export const RULE_SERVICES = ['wms', 'wmts', 'tms', 'kml', 'demo', 'ogcapi'] as const;
export type RuleService = (typeof RULE_SERVICES)[number];

/**
 * The protocol a request came through. The hook's service names it (`wms.map` is WMS, TMS and `/tiles` ask
 * `tms`), except OGC API tiles, which ask as WMTS (the same tiles, the same permissions) and are told apart by
 * their path.
 */
export function requestProtocol(service: AuthService, req: CoreRequest): RuleService {
  if (req.path === '/ogcapi' || req.path.startsWith('/ogcapi/')) return 'ogcapi';
  return service.split('.')[0] as RuleService;
}
