import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CgiClient } from '../client/cgi-client.js';
import { HTTPClientError, type RequestInfo } from '../client/http-client.js';
import { OrderedParams } from './params.js';
import type { UpstreamRequest } from './wms-request.js';
import { WmsSource, type WmsSourceOptions } from './wms-source.js';
import type { UpstreamResponse, WmsTransport } from './wms-transport.js';

export interface MapServerOptions {
  /** `mapserver.binary`; default: `mapserv` found on PATH (then /usr/lib/cgi-bin/mapserv). */
  binary?: string;
  /** `mapserver.working_dir`; default the binary's directory. */
  workingDir?: string;
  /** `req.map`: the mapfile, absolute. */
  mapfile: string;
  /** `client_timeout` in seconds. */
  timeout?: number;
  /**
   * Extra environment for mapserv. MapServer 8 refuses to run without a config file; when neither
   * this nor the process environment names MAPSERVER_CONFIG_FILE, an empty one is provided.
   */
  env?: Readonly<Record<string, string>>;
  onRequest?: (info: RequestInfo) => void;
}

/** The `mapserv` binary: the configured one, else from PATH, else Debian's CGI location; null if none. */
export function findMapserverBinary(configured?: string): string | null {
  const candidates = configured ? [configured] : [
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, 'mapserv')),
    '/usr/lib/cgi-bin/mapserv',
  ];
  for (const c of candidates) {
    try {
      if (fs.statSync(c).isFile()) return c;
    } catch {
      // not there
    }
  }
  return null;
}

/** A minimal MapServer 8 config file (no settings) in the temp directory, created when missing. */
function emptyMapserverConfig(): string {
  const file = path.join(os.tmpdir(), `mapproxy-ts-mapserver-${process.getuid?.() ?? 0}.conf`);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, 'CONFIG\nEND\n');
    fs.renameSync(tmp, file);
  }
  return file;
}

/**
 * Sends the WMS request to a local `mapserv` through CGI. The mapfile goes in MS_MAPFILE rather than
 * `map=`, which MapServer 8 only accepts with an MS_MAP_PATTERN; any `map` request parameter is dropped.
 */
export class MapServerTransport implements WmsTransport {
  private readonly cgi: CgiClient;

  constructor(readonly opts: MapServerOptions) {
    const binary = findMapserverBinary(opts.binary);
    if (!binary) throw new Error(`could not find mapserver binary (${opts.binary ?? 'mapserv'})`);
    if (opts.workingDir && !fs.existsSync(opts.workingDir)) {
      throw new Error(`could not find mapserver working_dir (${opts.workingDir})`);
    }
    const env: Record<string, string> = { ...opts.env, MS_MAPFILE: opts.mapfile };
    if (!env.MAPSERVER_CONFIG_FILE && !process.env.MAPSERVER_CONFIG_FILE) env.MAPSERVER_CONFIG_FILE = emptyMapserverConfig();
    this.cgi = new CgiClient({ script: binary, workingDir: opts.workingDir, env, timeout: opts.timeout, onRequest: opts.onRequest });
  }

  async retrieve(request: UpstreamRequest, method: 'GET' | 'POST'): Promise<UpstreamResponse> {
    if (method === 'POST') throw new HTTPClientError('POST requests not supported by mapserver sources');
    const params = new OrderedParams(
      request.queryString.split('&').filter(Boolean).map((kv) => {
        const eq = kv.indexOf('=');
        return eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)];
      }),
    );
    params.delete('map');
    // values are already quoted: join them back as they are
    const query = [...params].map(([k, v]) => `${k}=${v}`).join('&');
    const res = await this.cgi.run(query);
    const url = `mapserver://${this.cgi.script}?${query}`;
    if (res.status >= 400) throw new HTTPClientError(`HTTP Error "${url}": ${res.status}`, res.status);
    return { headers: res.headers, body: res.body, url };
  }
}

export interface MapServerSourceOptions extends Omit<WmsSourceOptions, 'transport'>, MapServerOptions {}

/** `type: mapserver`: a WMS source whose server is a local mapserv binary. */
export function mapServerSource(opts: MapServerSourceOptions): WmsSource {
  return new WmsSource({ ...opts, transport: new MapServerTransport(opts) });
}
