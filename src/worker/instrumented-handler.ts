import type { CoreRequest, CoreResponse } from '../core/http.js';
import type { Logger } from '../core/log/logger.js';
import type { RequestHandler } from '../core/node-http-adapter.js';
import { healthResponse } from './health/health-endpoints.js';
import type { Readiness } from './health/readiness.js';
import { accessEntry } from './log/access-line.js';
import type { WorkerMetrics } from './metrics.js';
import { requestLabels, type LayerNames } from './request-labels.js';

export interface InstrumentOptions {
  metrics: WorkerMetrics;
  layers: LayerNames;
  /** Path of the metrics endpoint on this listener; null: none. */
  metricsPath: string | null;
  /** The text to answer it with (the aggregate over all workers, when in a cluster). */
  metricsText: () => Promise<{ text: string; contentType: string }>;
  /** Answers /readyz; absent: no health endpoints. */
  readiness?: Readiness;
  /** One line per answered request; null: no access log (the default: nothing is written per request). */
  accessLog: Logger | null;
}

/**
 * Counts and times every request by service and layer, writes the access log if asked, and answers the metrics
 * and health endpoints itself (those are neither counted nor logged: probes every few seconds are not traffic).
 */
export function instrumentHandler(inner: RequestHandler, opts: InstrumentOptions): RequestHandler {
  return {
    async handle(req: CoreRequest): Promise<CoreResponse> {
      if (opts.metricsPath !== null && req.path === opts.metricsPath && (req.method === 'GET' || req.method === 'HEAD')) {
        try {
          const { text, contentType } = await opts.metricsText();
          return { status: 200, headers: { 'Content-Type': contentType, 'Cache-Control': 'no-cache' }, body: text };
        } catch (err) {
          return { status: 503, headers: { 'Content-Type': 'text/plain' }, body: `metrics unavailable: ${(err as Error).message}` };
        }
      }
      if (opts.readiness) {
        const health = await healthResponse(req, opts.readiness);
        if (health) return health;
      }
      const start = process.hrtime.bigint();
      let res: CoreResponse | undefined;
      try {
        res = await inner.handle(req);
        return res;
      } finally {
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        const { service, layer } = requestLabels(req, opts.layers);
        opts.metrics.httpRequest(service, layer, res?.status ?? 500, seconds);
        if (opts.accessLog) {
          const { message, fields } = accessEntry(req, res ?? { status: 500, headers: {}, body: '' }, seconds * 1000);
          opts.accessLog.info(message, fields);
        }
      }
    },
  };
}
