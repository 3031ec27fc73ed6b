import { joinPath, MapReader, type ReadContext } from './config-reader.js';
import { describeValue } from './errors.js';

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
  metrics?: {
    /** false turns the endpoint off. */
    enabled?: boolean;
    /** URL path of the endpoint on the main listeners (default /metrics). */
    path?: string;
    /** Serve metrics from the master on this separate address instead of the main listeners. */
    bind?: string;
  };
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
