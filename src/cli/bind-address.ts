/** The listener when neither the command line nor `server.bind` names one. */
export const DEFAULT_BIND = '127.0.0.1:8080';

/** `--bind` as MapProxy's serve-develop takes it: `host:port`, `:port`, `port`, or a unix socket path. */
export type BindAddress = { host: string; port: number } | { socketPath: string };

export function parseBindAddress(value: string): BindAddress {
  if (value.startsWith('/') || value.startsWith('unix:')) return { socketPath: value.replace(/^unix:/, '') };
  const m = /^(?:\[?([^\]]*)\]?:)?(\d+)$/.exec(value);
  if (!m) throw new Error(`invalid bind address '${value}': expected host:port, :port, port or a socket path`);
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
}
