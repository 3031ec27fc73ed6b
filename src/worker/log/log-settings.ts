import type { LogLevel } from '../../core/log/logger.js';

/** How a daemon process logs: resolved once by the master (CLI over `server.log`) and handed to every worker. */
export interface LogSettings {
  level: LogLevel;
  /** json: one JSON object a line (for collectors); pretty: one readable line (for a terminal). */
  format: 'json' | 'pretty';
  /** One line per answered request on the `mapproxy.access` logger. */
  access: boolean;
  /** Upstream requests on the `mapproxy.source.request` logger even when the level is above debug. */
  upstream: boolean;
}

export const DEFAULT_LOG_SETTINGS: LogSettings = { level: 'info', format: 'json', access: false, upstream: false };
