import { isAbsolute, resolve } from 'node:path';
import { joinPath, MapReader, type ReadContext } from './config-reader.js';
import { describeValue } from './errors.js';
import { isLogLevel, LOG_LEVELS, type LogLevel } from '../log/logger.js';

/**
 * The `server:` section: how mapproxy-ts runs as a daemon. It is ours, not MapProxy's (MapProxy leaves this to
 * its WSGI server), so a MapProxy installation never has it; command-line options override every key.
 */
export interface ServerConfig {
  /** Listeners: `host:port`, `:port`, `port`, or a unix socket path (`/run/x.sock`, `unix:/run/x.sock`). */
  bind?: string[];
  /** Permissions of unix socket files, as octal digits ('660'). */
  socketMode?: string;
  /** Worker processes; 0 runs one process without a master. */
  workers?: number;
  /** Seconds a stopping worker may take to finish the requests in flight. */
  shutdownTimeout?: number;
  /** FastCGI listener address, in the same forms as `bind`. */
  fastcgi?: string;
  /** Limits on clients, per worker process. */
  limits?: ServerLimitsConfig;
  /** Megabytes of decoded tiles each worker keeps for WMS maps (default 16; 0 keeps none). */
  decodedTilesMb?: number;
  /**
   * A JavaScript module exporting `authorize` and/or `decorateImg` (MapProxy's authorization and image hooks),
   * loaded by every worker; relative to the configuration file. Absolute here.
   */
  hooks?: string;
  log?: ServerLogConfig;
  metrics?: {
    /** false turns the endpoint off. */
    enabled?: boolean;
    /** URL path of the endpoint on the main listeners (default /metrics). */
    path?: string;
    /** Serve metrics from the master on this separate address instead of the main listeners. */
    bind?: string;
  };
}

/** `server.log`: what the daemon writes to its standard output. */
export interface ServerLogConfig {
  /** Lines of this level and more severe (default info). */
  level?: LogLevel;
  /** json: one JSON object a line; pretty: for people; auto (default): pretty on a terminal, else json. */
  format?: LogFormat;
  /** One line per answered request (client, request, status, bytes, time, cache hit/miss); default false. */
  access?: boolean;
  /** One line per upstream request, as MapProxy's mapproxy.source.request logger; default false (or level debug). */
  upstream?: boolean;
}

export const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** `server.limits`: what clients may hold of a worker (times in seconds). Absent keys take the defaults. */
export interface ServerLimitsConfig {
  /** Open connections per listener and worker; beyond, new connections go to other workers or wait. */
  maxConnections?: number;
  /** Requests in progress (being answered or being sent) per listener; more are refused with 503 at once. */
  maxRequests?: number;
  /** Keep-alive connections of the unix-socket listener idle this long are closed (uWS: always 10 s). */
  idleTimeout?: number;
  /** A client must have taken a whole response within this time, else its connection is closed. */
  sendTimeout?: number;
  /** A request's headers and body must have arrived within this time (408). */
  requestTimeout?: number;
  /** The open-files limit a worker raises itself to at start (above the hard limit only with CAP_SYS_RESOURCE). */
  maxOpenFiles?: number;
}

const ADDRESS = /^(?:\/.+|unix:\/.+|(?:\[[0-9a-fA-F:.]+\]|[^:\s/]*)?:?\d{1,5})$/;
const OCTAL_MODE = /^0?[0-7]{3}$/;

export function readServer(ctx: ReadContext, value: unknown): ServerConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const r = MapReader.of(ctx, 'server', value);
  const out: ServerConfig = {};

  const rawBind = r.get('bind');
  if (rawBind !== undefined && rawBind !== null) {
    const list = Array.isArray(rawBind) ? rawBind : [rawBind];
    out.bind = list.map((item, i) => {
      const path = Array.isArray(rawBind) ? joinPath(r.keyPath('bind'), i) : r.keyPath('bind');
      const s = typeof item === 'number' ? String(item) : item;
      if (typeof s !== 'string' || !ADDRESS.test(s)) {
        throw ctx.error(path, `expected host:port, :port, port or a unix socket path, got ${describeValue(item)}`);
      }
      return s;
    });
  }

  const mode = r.get('socket_mode');
  if (mode !== undefined && mode !== null) {
    // YAML reads 660 as a (decimal) number and 0660 as a string or octal number depending on the schema;
    // the digits are what the user meant either way.
    const s = String(mode);
    if (!OCTAL_MODE.test(s)) throw r.error('socket_mode', `expected octal permission digits like '660', got ${describeValue(mode)}`);
    out.socketMode = s;
  }

  const workers = r.int('workers');
  if (workers !== undefined) {
    if (workers < 0) throw r.error('workers', `expected 0 or more, got ${workers}`);
    out.workers = workers;
  }

  const timeout = r.num('shutdown_timeout');
  if (timeout !== undefined) {
    if (timeout <= 0) throw r.error('shutdown_timeout', `expected seconds greater than 0, got ${timeout}`);
    out.shutdownTimeout = timeout;
  }

  const fastcgi = r.str('fastcgi');
  if (fastcgi !== undefined) {
    if (!ADDRESS.test(fastcgi)) throw r.error('fastcgi', `expected host:port or a unix socket path, got '${fastcgi}'`);
    out.fastcgi = fastcgi;
  }

  const hooks = r.str('hooks');
  if (hooks !== undefined) {
    if (!hooks.trim()) throw r.error('hooks', 'expected the path of a JavaScript module');
    out.hooks = isAbsolute(hooks) ? hooks : resolve(ctx.configDir, hooks);
  }

  const decoded = r.num('decoded_tiles_mb');
  if (decoded !== undefined) {
    if (!(decoded >= 0)) throw r.error('decoded_tiles_mb', `expected megabytes (0 or more), got ${decoded}`);
    out.decodedTilesMb = decoded;
  }

  const l = r.map('limits');
  if (l) {
    out.limits = {};
    const positiveInt = (key: string): number | undefined => {
      const v = l.int(key);
      if (v !== undefined && v < 1) throw l.error(key, `expected a whole number of 1 or more, got ${v}`);
      return v;
    };
    const seconds = (key: string): number | undefined => {
      const v = l.num(key);
      if (v !== undefined && !(v > 0)) throw l.error(key, `expected seconds greater than 0, got ${v}`);
      return v;
    };
    const limits: ServerLimitsConfig = {
      maxConnections: positiveInt('max_connections'),
      maxRequests: positiveInt('max_requests'),
      idleTimeout: seconds('idle_timeout'),
      sendTimeout: seconds('send_timeout'),
      requestTimeout: seconds('request_timeout'),
      maxOpenFiles: positiveInt('max_open_files'),
    };
    for (const [k, v] of Object.entries(limits)) if (v !== undefined) (out.limits as Record<string, number>)[k] = v;
    l.finish();
  }

  const lg = r.map('log');
  if (lg) {
    out.log = {};
    const level = lg.str('level');
    if (level !== undefined) {
      if (!isLogLevel(level)) throw lg.error('level', `expected one of ${LOG_LEVELS.join(', ')}, got '${level}'`);
      out.log.level = level;
    }
    const format = lg.str('format');
    if (format !== undefined) {
      if (!(LOG_FORMATS as readonly string[]).includes(format)) {
        throw lg.error('format', `expected one of ${LOG_FORMATS.join(', ')}, got '${format}'`);
      }
      out.log.format = format as LogFormat;
    }
    const access = lg.bool('access');
    if (access !== undefined) out.log.access = access;
    const upstream = lg.bool('upstream');
    if (upstream !== undefined) out.log.upstream = upstream;
    lg.finish();
  }

  const m = r.map('metrics');
  if (m) {
    out.metrics = {};
    const enabled = m.bool('enabled');
    if (enabled !== undefined) out.metrics.enabled = enabled;
    const path = m.str('path');
    if (path !== undefined) {
      if (!path.startsWith('/')) throw m.error('path', `expected a URL path starting with '/', got '${path}'`);
      out.metrics.path = path;
    }
    const bind = m.str('bind');
    if (bind !== undefined) {
      if (!ADDRESS.test(bind)) throw m.error('bind', `expected host:port or a unix socket path, got '${bind}'`);
      out.metrics.bind = bind;
    }
    m.finish();
  }

  r.finish();
  return out;
}
