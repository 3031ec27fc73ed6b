import type { RequestInfo } from '../client/http-client.js';
import { pyFixed } from '../service/kml/py-fixed.js';

/**
 * One upstream request as MapProxy's `mapproxy.source.request` logger writes it (mapproxy/client/log.py):
 * `GET <url> <status> <KiB with one decimal> <milliseconds>`, with '-' for what is unknown (no answer, no body).
 * Operators grep these lines and feed them to the same tools, so the words and the order stay MapProxy's.
 */
export function upstreamRequestLine(info: RequestInfo): string {
  const status = info.status === undefined ? '-' : String(info.status);
  // Python's '%.1f': ties round to even (1280 bytes: 1.2), where toFixed would round up
  const size = info.size ? pyFixed(info.size / 1024, 1) : '-';
  const duration = info.durationMs > 0 ? String(Math.trunc(info.durationMs)) : '-';
  return `${info.method} ${info.url.replaceAll(' ', '')} ${status} ${size} ${duration}`;
}

/** The same request as fields of a structured line (sizes in bytes, times in milliseconds). */
export function upstreamRequestFields(source: string, info: RequestInfo): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    source,
    method: info.method,
    url: info.url,
    status: info.status ?? null,
    bytes: info.size ?? null,
    ms: Math.round(info.durationMs * 10) / 10,
  };
  if (info.error !== undefined) fields.error = info.error;
  return fields;
}
