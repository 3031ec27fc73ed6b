import { pino, type Logger as Pino } from 'pino';
import type { Logger } from '../../core/log/logger.js';
import type { LogSettings } from './log-settings.js';
import { prettyLine } from './pretty-line.js';

/** The loggers of one daemon process: its own lines, and the two per-request ones that are off by default. */
export interface ProcessLoggers {
  /** Start-up, shutdown, warnings and errors of this process and of the core it runs. */
  readonly log: Logger;
  /** `mapproxy.access`: one info line per answered request; null when the access log is off. */
  readonly access: Logger | null;
  /** `mapproxy.source.request`: one debug line per upstream request (enabled by level debug or `upstream`). */
  readonly upstream: Logger;
  /** The same upstream logger's state: false lets the core skip the lines. */
  readonly upstreamEnabled: boolean;
}

/**
 * Builds the pino loggers of a master (`worker` undefined) or of worker `worker`. Lines go to `stream` (standard
 * output by default) synchronously: a worker that exits right after an error still gets its last line out, and
 * each line is one write(2), so lines of the processes sharing a pipe do not interleave (up to PIPE_BUF, 4 KiB).
 */
export function processLoggers(
  settings: LogSettings,
  worker: number | undefined,
  stream: { write(line: string): unknown } = pino.destination({ dest: 1, sync: true }),
): ProcessLoggers {
  const destination = settings.format === 'pretty' ? { write: (line: string) => stream.write(prettyLine(line)) } : stream;
  const root = pino(
    {
      level: settings.level,
      base: worker === undefined ? { pid: process.pid } : { pid: process.pid, worker },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const access = settings.access ? root.child({ logger: 'mapproxy.access' }, { level: moreVerbose(settings.level, 'info') }) : null;
  const upstream = root.child(
    { logger: 'mapproxy.source.request' },
    { level: settings.upstream ? moreVerbose(settings.level, 'debug') : settings.level },
  );
  return {
    log: coreLogger(root),
    access: access && coreLogger(access),
    upstream: coreLogger(upstream),
    upstreamEnabled: upstream.isLevelEnabled('debug'),
  };
}

const ORDER = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** The more verbose of two levels: turning on a per-request log never silences what the level lets through. */
function moreVerbose(a: string, b: string): string {
  return ORDER.indexOf(a) <= ORDER.indexOf(b) ? a : b;
}

/** pino behind the core's Logger: an Error detail becomes `err` (with its stack), a record becomes fields. */
export function coreLogger(p: Pino): Logger {
  const at = (level: 'error' | 'warn' | 'info' | 'debug') => (message: string, detail?: unknown) => {
    if (!p.isLevelEnabled(level)) return;
    if (detail === undefined) p[level](message);
    else if (detail instanceof Error) p[level]({ err: detail }, message);
    else if (typeof detail === 'object' && detail !== null && !Array.isArray(detail)) p[level](detail as object, message);
    else p[level]({ detail: String(detail) }, message);
  };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}
