/**
 * What the core writes its log lines to. The daemon passes in a structured logger (pino, configured by the master
 * and each worker); embedders may pass `console`, which fits this shape, and tests a recorder. The core never
 * creates or configures a logger itself: where lines go and at which level is the process's business.
 *
 * `detail` is an Error (logged with its stack) or a record of fields added to a structured line.
 */
export interface Logger {
  error(message: string, detail?: unknown): void;
  warn(message: string, detail?: unknown): void;
  info(message: string, detail?: unknown): void;
  debug(message: string, detail?: unknown): void;
}

/** Levels from the most to the least severe; `silent` writes nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** A logger that drops every line (embedders that want no upstream request lines, tests). */
export const SILENT_LOGGER: Logger = { error() {}, warn() {}, info() {}, debug() {} };
