// MapServer as the shared upstream of a side-by-side test: ours and MapProxy 1.15 ask the same CGI, and the test
// compares the answers and the requests each caused.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCgiRunner, type CgiRunner } from './cgi-runner.js';
import { MAPSERV_BINARY } from './mapserver.js';

/**
 * MapServer as CGI on the mapfile `writeMap` writes into `<dir>/mapserver` (with a configuration file that sets
 * nothing); every query string it answers is pushed to `requests` when given.
 */
export async function startMapServerFor(dir: string, writeMap: (msDir: string) => string, requests?: string[]): Promise<CgiRunner> {
  const msDir = join(dir, 'mapserver');
  mkdirSync(msDir, { recursive: true });
  const mapfile = writeMap(msDir);
  const conf = join(msDir, 'ms.conf');
  writeFileSync(conf, 'CONFIG\nEND\n');
  return startCgiRunner({ script: MAPSERV_BINARY, env: { MS_MAPFILE: mapfile, MAPSERVER_CONFIG_FILE: conf }, onRequest: requests ? (q) => requests.push(q) : undefined });
}

/** Asks ours, then the reference, for one path: both answers and the MapServer requests each of them caused. */
export function askBoth<A>(requests: string[], ours: (path: string) => Promise<A>, theirs: (path: string) => Promise<A>) {
  return async (path: string): Promise<{ a: A; b: A; oursUpstream: string[]; theirsUpstream: string[] }> => {
    requests.length = 0;
    const a = await ours(path);
    const oursUpstream = [...requests];
    requests.length = 0;
    const b = await theirs(path);
    return { a, b, oursUpstream, theirsUpstream: [...requests] };
  };
}
