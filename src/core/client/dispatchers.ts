import fs from 'node:fs';
import type { Dispatcher } from 'undici';
import { reuseAwareClient } from './stale-connection.js';
import { undici } from './undici.js';

export interface TlsOptions {
  /** `ssl_no_cert_checks`: accept any certificate. */
  sslNoCertChecks?: boolean;
  /** `ssl_ca_certs`: a PEM file of CA certificates to trust instead of the system ones. */
  sslCaCerts?: string;
}

/**
 * How long an idle pooled connection is kept when the server sends no `Keep-Alive: timeout=` hint:
 * below the idle timeouts of common upstream servers (Apache, lighttpd and Node 5 s, nginx 75 s), so
 * that we close first and rarely write a request into a connection the server is closing.
 */
export const IDLE_CONNECTION_MS = 4_000;
/** A hinted `timeout=` is shortened by this much, for the time our last response spent in transit. */
export const KEEP_ALIVE_HINT_MARGIN_MS = 1_000;
/** Longest idle time a hint may ask for: idle connections past a minute are often dropped by NATs and firewalls. */
export const MAX_IDLE_CONNECTION_MS = 60_000;

/**
 * Keep-alive connection pools, one undici Agent per TLS setting (each Agent keeps one Pool per
 * origin). A worker creates one and hands it to every HttpClient so sources with the same
 * upstream share connections.
 */
export class HttpDispatchers {
  private readonly agents = new Map<string, Dispatcher>();

  constructor(private readonly opts: { connectionsPerOrigin?: number; maxRedirections?: number } = {}) {}

  get(tls: TlsOptions = {}): Dispatcher {
    const key = `${tls.sslNoCertChecks ? 1 : 0}|${tls.sslCaCerts ?? ''}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const { Agent, Pool, interceptors } = undici();
      const connect: Record<string, unknown> = { minVersion: 'TLSv1.2' };
      if (tls.sslNoCertChecks) connect.rejectUnauthorized = false;
      else if (tls.sslCaCerts) connect.ca = fs.readFileSync(tls.sslCaCerts);
      agent = new Agent({
        connections: this.opts.connectionsPerOrigin ?? 64,
        keepAliveTimeout: IDLE_CONNECTION_MS,
        keepAliveTimeoutThreshold: KEEP_ALIVE_HINT_MARGIN_MS,
        keepAliveMaxTimeout: MAX_IDLE_CONNECTION_MS,
        connect,
        // Each connection in a client that tells a reused connection's close from a failure.
        factory: (origin, opts) => new Pool(origin, { ...opts, factory: (o, clientOpts) => reuseAwareClient(o, clientOpts) }),
      }).compose(interceptors.redirect({ maxRedirections: this.opts.maxRedirections ?? 10 }));
      this.agents.set(key, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((a) => a.close()));
  }
}
