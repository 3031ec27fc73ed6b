import fs from 'node:fs';
import { Agent, type Dispatcher, interceptors } from 'undici';

export interface TlsOptions {
  /** `ssl_no_cert_checks`: accept any certificate. */
  sslNoCertChecks?: boolean;
  /** `ssl_ca_certs`: a PEM file of CA certificates to trust instead of the system ones. */
  sslCaCerts?: string;
}

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
      const connect: Record<string, unknown> = { minVersion: 'TLSv1.2' };
      if (tls.sslNoCertChecks) connect.rejectUnauthorized = false;
      else if (tls.sslCaCerts) connect.ca = fs.readFileSync(tls.sslCaCerts);
      agent = new Agent({
        connections: this.opts.connectionsPerOrigin ?? 64,
        keepAliveTimeout: 30_000,
        connect,
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
