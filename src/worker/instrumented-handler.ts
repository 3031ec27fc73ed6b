import type { CoreRequest, CoreResponse } from '../core/http.js';
import type { RequestHandler } from '../core/node-http-adapter.js';
import type { WorkerMetrics } from './metrics.js';
import { requestLabels, type LayerNames } from './request-labels.js';

export interface InstrumentOptions {
  metrics: WorkerMetrics;
  layers: LayerNames;
  /** Path of the metrics endpoint on this listener; null: none. */
  metricsPath: string | null;
  /** The text to answer it with (the aggregate over all workers, when in a cluster). */
  metricsText: () => Promise<{ text: string; contentType: string }>;
}

/** Counts and times every request by service and layer, and answers the metrics endpoint itself. */
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
      const start = process.hrtime.bigint();
      let status = 500;
      try {
        const res = await inner.handle(req);
        status = res.status;
        return res;
      } finally {
        const { service, layer } = requestLabels(req, opts.layers);
        opts.metrics.httpRequest(service, layer, status, Number(process.hrtime.bigint() - start) / 1e9);
      }
    },
  };
}
