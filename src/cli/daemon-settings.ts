import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../core/config/load-config.js';
import type { ServerConfig } from '../core/config/server.js';
import { isLogLevel, LOG_LEVELS } from '../core/log/logger.js';
import { availableCpus } from '../master/available-cpus.js';
import type { LogSettings } from '../worker/log/log-settings.js';
import { clientLimits, type ClientLimits } from '../worker/adapters/client-limits.js';
import { DEFAULT_BIND, parseBindAddress, type BindAddress } from './bind-address.js';

export type ServeMode = 'app' | 'reload' | 'multiapp';

/** Everything the master and the workers need to run, resolved from the command line and `server:`. */
export interface DaemonSettings {
  mode: ServeMode;
  /** mapproxy.yaml (app, reload) or the directory of configurations (multiapp), absolute. */
  target: string;
  allowListing: boolean;
  /** 0: one process, no master. */
  workers: number;
  binds: BindAddress[];
  /** Permission bits of unix socket files. */
  socketMode?: number;
  fastcgi?: BindAddress;
  /** null: no metrics endpoint. `bind` set: the master serves it on that address, not the workers. */
  metrics: { path: string; bind?: BindAddress } | null;
  shutdownTimeoutMs: number;
  /** `server.limits` with defaults: what clients may hold of a worker. */
  limits: ClientLimits;
  log: LogSettings;
  /** Warnings of the configuration, for the log. */
  warnings: string[];
}

/** Options of `serve` and `serve-multiapp` as commander hands them over. */
export interface ServeCliOptions {
  bind?: string[];
  workers?: string;
  single?: boolean;
  reload?: boolean;
  fastcgi?: string;
  socketMode?: string;
  metricsPath?: string;
  metricsBind?: string;
  metrics?: boolean;
  shutdownTimeout?: string;
  allowListing?: boolean;
  logLevel?: string;
  logFormat?: string;
  accessLog?: boolean;
  upstreamLog?: boolean;
}

export { DEFAULT_BIND };
const DEFAULT_SHUTDOWN_TIMEOUT_S = 30;

/**
 * Reads and validates the configuration (throws ConfigError naming file and key path) and merges its
 * `server:` section under the command-line options. Called at start and again for every SIGHUP.
 */
export function resolveSettings(mode: ServeMode, target: string, cli: ServeCliOptions): DaemonSettings {
  const abs = resolve(target);
  let server: ServerConfig = {};
  let warnings: string[] = [];
  if (mode === 'multiapp') {
    for (const f of readdirSync(abs).filter((n) => n.endsWith('.yaml')).sort()) {
      warnings.push(...loadConfig(join(abs, f)).warnings);
    }
  } else {
    const loaded = loadConfig(abs);
    server = loaded.config.server ?? {};
    warnings = loaded.warnings;
  }

  const workers = cli.single ? 0 : cli.workers !== undefined ? parseCount(cli.workers) : server.workers ?? availableCpus();
  const binds = (cli.bind?.length ? cli.bind : server.bind ?? [DEFAULT_BIND]).map(parseBindAddress);
  const modeText = cli.socketMode ?? server.socketMode;
  const metricsOn = cli.metrics !== false && server.metrics?.enabled !== false;
  const metricsPath = cli.metricsPath ?? server.metrics?.path ?? '/metrics';
  if (!metricsPath.startsWith('/')) throw new Error(`--metrics-path must start with '/', got '${metricsPath}'`);
  const metricsBind = cli.metricsBind ?? server.metrics?.bind;
  const timeout = cli.shutdownTimeout !== undefined ? Number(cli.shutdownTimeout) : server.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT_S;
  if (!(timeout > 0)) throw new Error(`--shutdown-timeout must be a number of seconds > 0, got '${cli.shutdownTimeout}'`);
  const fastcgi = cli.fastcgi ?? server.fastcgi;

  return {
    mode: mode === 'app' && cli.reload ? 'reload' : mode,
    target: abs,
    allowListing: cli.allowListing ?? false,
    workers,
    binds,
    socketMode: modeText !== undefined ? parseMode(modeText) : undefined,
    fastcgi: fastcgi !== undefined ? parseBindAddress(fastcgi) : undefined,
    metrics: metricsOn ? { path: metricsPath, bind: metricsBind !== undefined ? parseBindAddress(metricsBind) : undefined } : null,
    shutdownTimeoutMs: timeout * 1000,
    limits: clientLimits(server.limits),
    log: logSettings(cli, server),
    warnings,
  };
}

/** `--log-*` over `server.log`; `auto` is decided here, by the master, for all processes: is its output a terminal? */
export function logSettings(cli: ServeCliOptions, server: ServerConfig, isTty = Boolean(process.stdout.isTTY)): LogSettings {
  const level = cli.logLevel ?? server.log?.level ?? 'info';
  if (!isLogLevel(level)) throw new Error(`--log-level expects one of ${LOG_LEVELS.join(', ')}, got '${level}'`);
  const format = cli.logFormat ?? server.log?.format ?? 'auto';
  if (format !== 'json' && format !== 'pretty' && format !== 'auto') throw new Error(`--log-format expects json, pretty or auto, got '${format}'`);
  return {
    level,
    format: format === 'auto' ? (isTty ? 'pretty' : 'json') : format,
    access: cli.accessLog ?? server.log?.access ?? false,
    upstream: cli.upstreamLog ?? server.log?.upstream ?? false,
  };
}

function parseCount(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--workers expects a whole number >= 0, got '${text}'`);
  return n;
}

function parseMode(text: string): number {
  if (!/^0?[0-7]{3}$/.test(text)) throw new Error(`socket mode must be octal digits like 660, got '${text}'`);
  return parseInt(text, 8);
}
