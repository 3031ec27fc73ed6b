import type { CoreRequest, CoreResponse } from '../../core/http.js';
import type { Readiness } from './readiness.js';

/** Where load balancers and orchestrators ask; answered by every worker, before the core sees the request. */
export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' };

/**
 * /healthz: the process answers (liveness: restart it when this fails). /readyz: it can serve what it is
 * configured for (readiness: send it traffic only when 200). null for every other request.
 */
export async function healthResponse(req: CoreRequest, readiness: Readiness): Promise<CoreResponse | null> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return null;
  if (req.path === HEALTH_PATH) {
    return { status: 200, headers: { ...JSON_HEADERS }, body: `${JSON.stringify({ status: 'up', pid: process.pid })}\n` };
  }
  if (req.path === READY_PATH) {
    const report = await readiness.report();
    const body = {
      status: report.ready ? 'ready' : 'not ready',
      checkedAt: new Date(report.checkedAt).toISOString(),
      checks: report.checks,
    };
    return { status: report.ready ? 200 : 503, headers: { ...JSON_HEADERS }, body: `${JSON.stringify(body)}\n` };
  }
  return null;
}
