import type { AuthService } from '../authorize.js';

/** The protocols a rule may be limited to with `services:`. */
export const RULE_SERVICES = ['wms', 'wmts', 'tms', 'kml', 'demo', 'ogcapi'] as const;
export type RuleService = (typeof RULE_SERVICES)[number];

/**
 * The protocol a request came through, as the hook's service names it: `wms.map` is WMS, TMS and `/tiles` ask
 * `tms`, every /ogcapi request asks an `ogcapi.*` service.
 */
export function requestProtocol(service: AuthService): RuleService {
  return service.split('.')[0] as RuleService;
}
