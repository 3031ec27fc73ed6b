// Runs mapproxy-ts itself for integration tests: in process (app.handle) and over HTTP (serveHttp).
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp, type App } from '../../src/core/app.js';
import type { CoreRequest } from '../../src/core/http.js';
import { serveHttp } from '../../src/core/node-http-adapter.js';

export type OurApp = App;

export interface OurServer {
  readonly app: OurApp;
  /** Base URL without trailing slash, e.g. http://127.0.0.1:34567 */
  readonly url: string;
  stop(): Promise<void>;
}

export { createApp };

/** Loads `configFile` and serves it with the node:http adapter on a free 127.0.0.1 port. */
export async function startOurServer(configFile: string): Promise<OurServer> {
  const app = await createApp(configFile);
  const server: Server = await serveHttp(app, { host: '127.0.0.1', port: 0 });
  const { port } = server.address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Calls app.handle with a GET request for `pathAndQuery` (e.g. '/service?SERVICE=WMS&…'). */
export async function get(app: OurApp, pathAndQuery: string): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = q < 0 ? '' : pathAndQuery.slice(q + 1);
  const req: CoreRequest = { method: 'GET', path, query, headers: { host: 'localhost' }, remoteAddr: '127.0.0.1' };
  const res = await app.handle(req);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) headers[k.toLowerCase()] = v;
  const body = typeof res.body === 'string' ? Buffer.from(res.body) : res.body;
  return { status: res.status, headers, body };
}

/** One instance of ours as the upstream of another, over HTTP (our sources reading our services). */
export interface ChainedApps {
  readonly upstream: OurApp;
  readonly down: OurApp;
  /** What the upstream was asked over HTTP, path and query, in order (clear it with `asked.length = 0`). */
  readonly asked: string[];
  close(): Promise<void>;
}

/**
 * Loads `upstreamFile` and serves it on a free 127.0.0.1 port, recording each request; then writes the downstream
 * configuration that `downstreamYaml` makes of the upstream's base URL to `downstreamFile` and loads it (its
 * warnings and errors silenced: tests provoke failing upstream requests on purpose).
 */
export async function chainApps(upstreamFile: string, downstreamFile: string, downstreamYaml: (upstreamUrl: string) => string): Promise<ChainedApps> {
  const upstream = await createApp(upstreamFile);
  const asked: string[] = [];
  const server: Server = await serveHttp({
    handle: (req: CoreRequest) => {
      asked.push(req.query ? `${req.path}?${req.query}` : req.path);
      return upstream.handle(req);
    },
  }, { host: '127.0.0.1', port: 0 });
  writeFileSync(downstreamFile, downstreamYaml(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  const down = await createApp(downstreamFile, { log: { warn() {}, error() {} } });
  return {
    upstream,
    down,
    asked,
    async close() {
      await down.runtime.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await upstream.runtime.close();
    },
  };
}
