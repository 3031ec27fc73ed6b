// The upstream of both proxies: MapServer (Debian's cgi-mapserver) as FastCGI behind lighttpd, rendering
// Natural Earth countries converted to indexed shapefiles, so that the upstream is quick and never
// limited by a CGI fork per request.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, startProc, waitForHttp, type Proc } from './procs.js';

export const MAPSERV = '/usr/lib/cgi-bin/mapserv';

export interface Upstream {
  /** WMS URL ending in `?`. */
  readonly url: string;
  readonly proc: Proc;
}

/** Converts the world dataset to shapefiles with spatial indexes and writes a mapfile using them. */
export async function writeUpstreamData(repo: string, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  for (const name of ['countries', 'borders']) {
    await run('ogr2ogr', ['-f', 'ESRI Shapefile', '-overwrite', join(dir, `${name}.shp`), join(repo, 'config/data', `${name}.geojson`)]);
    await run('shptree', [join(dir, `${name}.shp`)]);
  }
  // The project's world.map, reading the shapefiles instead of parsing GeoJSON on every request.
  const map = readFileSync(join(repo, 'config/world.map'), 'utf8')
    .replace(/^\s*CONNECTIONTYPE OGR\s*$/gm, '')
    .replace(/CONNECTION "(\w+)\.geojson"/g, 'DATA "$1"')
    .replace(/SHAPEPATH "data"/, `SHAPEPATH "${dir}"`)
    .replace(/FONTSET "fonts.txt"/, `FONTSET "${join(repo, 'config/fonts.txt')}"`);
  if (map.includes('geojson')) throw new Error('bench: config/world.map changed shape; update bench/lib/upstream.ts');
  const mapfile = join(dir, 'world.map');
  writeFileSync(mapfile, map);
  return mapfile;
}

/**
 * MapServer as FastCGI behind lighttpd on 127.0.0.1:`port`, `processes` of it. With `accessLog`, lighttpd logs each
 * request's time in microseconds, status and request line there (`%D %s "%r"`).
 */
export async function startUpstream(dir: string, mapfile: string, port: number, processes: number, accessLog?: string): Promise<Upstream> {
  const conf = join(dir, 'mapserver.conf');
  writeFileSync(conf, `CONFIG\n  ENV\n    MS_MAPFILE "${mapfile}"\n  END\nEND\n`);
  const lconf = join(dir, 'lighttpd.conf');
  const logging = accessLog ? `accesslog.filename = "${accessLog}"\naccesslog.format = "%D %s \\"%r\\""\n` : '';
  writeFileSync(lconf, `server.modules = ("mod_fastcgi"${accessLog ? ', "mod_accesslog"' : ''})
server.document-root = "${dir}"
server.bind = "127.0.0.1"
server.port = ${port}
server.errorlog = "${join(dir, 'lighttpd-error.log')}"
server.max-connections = 1024
${logging}fastcgi.server = ( "/mapserv" => ((
  "socket" => "${join(dir, 'mapserv.sock')}",
  "bin-path" => "${MAPSERV}",
  "max-procs" => ${processes},
  "check-local" => "disable",
  "bin-environment" => ( "MAPSERVER_CONFIG_FILE" => "${conf}" )
)) )
`);
  const proc = startProc('lighttpd+mapserv', 'lighttpd', ['-D', '-f', lconf]);
  const url = `http://127.0.0.1:${port}/mapserv?`;
  await waitForHttp(proc, `${url}SERVICE=WMS&VERSION=1.1.1&REQUEST=GetCapabilities`);
  return { url, proc };
}
