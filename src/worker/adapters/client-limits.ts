import type { ServerLimitsConfig } from '../../core/config/server.js';

/**
 * What clients may hold of one worker, resolved from `server.limits` (docs/daemon.md). Plain numbers, so the
 * master can hand them to its workers as JSON.
 */
export interface ClientLimits {
  /**
   * Open connections per listener: node:http and FastCGI count them; for uWS, which reports no connections,
   * open file descriptors beyond those at start are counted (AcceptGuard). Beyond it no new one is taken.
   */
  maxConnections: number;
  /** Requests in progress per listener (computing or sending); more are refused at once (503, FCGI_OVERLOADED). */
  maxRequests: number;
  /** Idle keep-alive connections of the unix-socket listener are closed after this. */
  idleTimeoutMs: number;
  /** A client must take a whole response within this, else it is disconnected (every listener). */
  sendTimeoutMs: number;
  /** Request headers and body must arrive within this (408). */
  requestTimeoutMs: number;
  /** Open-files limit to raise to at start; undefined: as started (Node itself raises the soft to the hard limit). */
  maxOpenFiles?: number;
}

export const DEFAULT_CLIENT_LIMITS: Readonly<ClientLimits> = {
  maxConnections: 10_000,
  maxRequests: 1024,
  idleTimeoutMs: 10_000,
  sendTimeoutMs: 60_000,
  requestTimeoutMs: 30_000,
};

export function clientLimits(config: ServerLimitsConfig | undefined): ClientLimits {
  const c = config ?? {};
  const ms = (s: number | undefined, fallback: number) => (s === undefined ? fallback : Math.round(s * 1000));
  const d = DEFAULT_CLIENT_LIMITS;
  return {
    maxConnections: c.maxConnections ?? d.maxConnections,
    maxRequests: c.maxRequests ?? d.maxRequests,
    idleTimeoutMs: ms(c.idleTimeout, d.idleTimeoutMs),
    sendTimeoutMs: ms(c.sendTimeout, d.sendTimeoutMs),
    requestTimeoutMs: ms(c.requestTimeout, d.requestTimeoutMs),
    maxOpenFiles: c.maxOpenFiles,
  };
}
