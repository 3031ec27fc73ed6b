import type { CoreRequest } from '../http.js';
import type { Logger } from '../log/logger.js';
import type { CoreMetrics } from '../metrics.js';
import type { AccessDenied } from './access-denied.js';
import type { DenialReason } from './denial-reason.js';

/**
 * Counts every refusal in the metrics and writes a warning line per reason without flooding: the first refusal
 * of a reason at once, later ones folded into the next line after the interval. A line names the status, the
 * reason, the method, the path and the client address — never the query string or a header, where keys and
 * tokens travel.
 */
export class DenialLog {
  private readonly last = new Map<DenialReason, { at: number; unlogged: number }>();

  constructor(
    private readonly metrics: Pick<CoreMetrics, 'accessDenied'>,
    private readonly log: Pick<Logger, 'warn'>,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  record(err: AccessDenied, req: CoreRequest): void {
    this.metrics.accessDenied(err.reason, err.status);
    const now = this.now();
    const seen = this.last.get(err.reason) ?? { at: -Infinity, unlogged: 0 };
    this.last.set(err.reason, seen);
    seen.unlogged++;
    if (now - seen.at < this.intervalMs) return;
    const more = seen.unlogged > 1 ? ` (${seen.unlogged - 1} more since the last line)` : '';
    // the path as a JSON string: control characters a client put there cannot forge log lines
    this.log.warn(`access denied: ${err.status} ${err.reason} ${req.method} ${JSON.stringify(req.path)} from ${req.remoteAddr ?? 'unknown'}${more}`);
    seen.at = now;
    seen.unlogged = 0;
  }
}
