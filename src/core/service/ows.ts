import type { CoreRequest, CoreResponse } from '../http.js';
import { RequestParams } from '../http.js';
import { owsExceptionReport } from './ows-exception.js';
import type { Service } from './service.js';

/** A protocol reachable through the KVP endpoint, chosen by its SERVICE value ('wms', 'wmts'). */
export interface OwsHandler {
  readonly service: string;
  handleKvp(req: CoreRequest, params: RequestParams): Promise<CoreResponse>;
}

/**
 * The KVP endpoint `/service`, `/ows` (and `/wms` when WMS is enabled): dispatches on SERVICE.
 * Without SERVICE, old WMS clients are recognised by WMTVER=1.0.0 or REQUEST=GetMap.
 */
export class OwsService implements Service {
  readonly names: readonly string[];
  private readonly handlers = new Map<string, OwsHandler>();

  constructor(handlers: readonly OwsHandler[]) {
    const names = ['service', 'ows'];
    for (const h of handlers) {
      this.handlers.set(h.service.toLowerCase(), h);
      if (h.service.toLowerCase() === 'wms') names.push('wms');
    }
    this.names = names;
  }

  async handle(req: CoreRequest): Promise<CoreResponse> {
    const params = new RequestParams(req.query);
    let service = params.get('service')?.toLowerCase();
    if (!service) {
      const request = params.get('request')?.toLowerCase();
      if (params.get('wmtver') === '1.0.0' || request === 'getmap') service = 'wms';
    }
    if (!service) {
      return owsExceptionReport('service parameter missing', { code: 'MissingParameterValue', locator: 'service', status: 400 });
    }
    const handler = this.handlers.get(service);
    if (!handler) {
      return owsExceptionReport(`unknown service: ${params.get('service')}`, {
        code: 'InvalidParameterValue',
        locator: 'service',
        status: 400,
      });
    }
    return handler.handleKvp(req, params);
  }
}
