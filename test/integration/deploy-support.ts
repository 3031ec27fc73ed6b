// Helpers for the deployment tests: our core on a unix socket (HTTP or FastCGI) behind real
// nginx / lighttpd processes, configured from the shipped examples in config/deploy/.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon } from './daemon-support.js';

const DEPLOY_DIR = new URL('../../config/deploy/', import.meta.url);

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'mapproxy-ts-deploy-'));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A small MapProxy configuration: a debug source through a file cache, served as WMS, TMS and WMTS. */
export function coreConfig(dir: string): string {
  const file = join(dir, 'mapproxy.yaml');
  writeFileSync(file, `
services:
  wms:
    md:
      title: deployment test
  tms:
  wmts:

layers:
  - name: debug
    title: Debug layer
    sources: [debug_cache]

caches:
  debug_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [debug_source]
    cache_dir: ${JSON.stringify(join(dir, 'cache'))}

sources:
  debug_source:
    type: debug
`);
  return file;
}

export interface Running {
  stop(): Promise<void>;
}

/**
 * The real daemon (master + 2 workers) on `configFile`, listening on `socketPath` for HTTP, or for
 * FastCGI (its HTTP listener then goes to a free loopback port). `socketMode` 666 lets a web server
 * that dropped root privileges (Apache) connect.
 */
export async function startCore(kind: 'http' | 'fastcgi', configFile: string, socketPath: string,
  socketMode = '600'): Promise<Running> {
  const listen = kind === 'fastcgi'
    ? ['--bind', `127.0.0.1:${await freePort()}`, '--fastcgi', socketPath]
    : ['--bind', socketPath];
  const daemon = new Daemon(['serve', configFile, '--workers', '2', '--socket-mode', socketMode, ...listen]);
  try {
    for (let i = 0; i < 2; i++) await daemon.waitFor(new RegExp(`worker ${i} \\(pid \\d+\\) ready`));
  } catch (err) {
    daemon.kill();
    throw err;
  }
  return {
    stop: async () => {
      daemon.proc.kill('SIGTERM');
      const timer = setTimeout(() => daemon.kill(), 10_000);
      await daemon.exited;
      clearTimeout(timer);
    },
  };
}

/**
 * A shipped example from config/deploy/ with our temporary socket path and port in place of
 * the production ones, so that what we test is what we ship.
 */
export function deployConfig(name: string, subst: { socketPath: string; port: number }): string {
  let text = readFileSync(new URL(name, DEPLOY_DIR), 'utf8');
  text = text.replace(/\/run\/mapproxy-ts\/(?:http|fcgi)\.sock/g, subst.socketPath);
  text = text.replace(/^(\s*)listen 80;/m, `$1listen 127.0.0.1:${subst.port};`);
  return text;
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      let log = '';
      try { log = readFileSync(logFile, 'utf8'); } catch { /* not written */ }
      throw new Error(`server exited with ${child.exitCode}: ${log}`);
    }
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on port ${port}`);
}

/** Web servers live in /usr/sbin, which a normal user's PATH may lack. */
function binary(name: string): string {
  return existsSync(`/usr/sbin/${name}`) ? `/usr/sbin/${name}` : name;
}

function spawnServer(cmd: string, args: string[], dir: string, port: number, logFile: string): Promise<Running> {
  const child = spawn(binary(cmd), args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return waitForPort(port, child, logFile).then(
    () => ({ stop }),
    async (err: Error) => {
      await stop();
      throw new Error(`${cmd}: ${err.message} ${stderr}`);
    },
  );
}

/** nginx in the foreground, all of its files in `dir`, with `site` (a server block) in its http context. */
export function startNginx(dir: string, site: string, port: number): Promise<Running> {
  const p = (name: string) => join(dir, name);
  mkdirSync(p('nginx-temp'), { recursive: true });
  // As root, nginx's workers would switch to `nobody`, who may not enter our 0700 temp dir.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  writeFileSync(p('nginx.conf'), `${user}worker_processes 1;
error_log ${p('nginx-error.log')};
events { worker_connections 64; }
http {
  access_log ${p('nginx-access.log')};
  client_body_temp_path ${p('nginx-temp/body')};
  proxy_temp_path ${p('nginx-temp/proxy')};
  fastcgi_temp_path ${p('nginx-temp/fastcgi')};
  uwsgi_temp_path ${p('nginx-temp/uwsgi')};
  scgi_temp_path ${p('nginx-temp/scgi')};
${site}
}
`);
  return spawnServer('nginx', ['-p', dir, '-c', p('nginx.conf'), '-g', `daemon off; pid ${p('nginx.pid')};`],
    dir, port, p('nginx-error.log'));
}

/** lighttpd in the foreground (-D) on 127.0.0.1:`port`, with `site` appended to a minimal configuration. */
export function startLighttpd(dir: string, site: string, port: number): Promise<Running> {
  const p = (name: string) => join(dir, name);
  mkdirSync(p('htdocs'), { recursive: true });
  writeFileSync(p('lighttpd.conf'), `server.document-root = "${p('htdocs')}"
server.bind = "127.0.0.1"
server.port = ${port}
server.errorlog = "${p('lighttpd-error.log')}"
server.modules = ( )
${site}
`);
  return spawnServer('lighttpd', ['-D', '-f', p('lighttpd.conf')], dir, port, p('lighttpd-error.log'));
}

const APACHE_MODULES = '/usr/lib/apache2/modules';

/**
 * Apache httpd in the foreground on 127.0.0.1:`port`, with `site` inside a minimal main
 * configuration. As root it serves from `nobody`, like a packaged Apache from www-data.
 */
export function startApache(dir: string, site: string, port: number): Promise<Running> {
  const p = (name: string) => join(dir, name);
  const modules = ['mpm_event', 'authz_core', 'alias', 'headers', 'proxy', 'proxy_http', 'proxy_fcgi'];
  const user = process.getuid?.() === 0 ? 'User nobody\nGroup nogroup\n' : '';
  if (user) chmodSync(dir, 0o711); // nobody must reach the daemon's socket in here
  writeFileSync(p('apache.conf'), `ServerRoot "${dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile "${p('apache.pid')}"
ErrorLog "${p('apache-error.log')}"
DefaultRuntimeDir "${dir}"
Mutex file:${dir} default
${user}${modules.map((m) => `LoadModule ${m}_module ${APACHE_MODULES}/mod_${m}.so`).join('\n')}
StartServers 1
ServerLimit 1
${site}
`);
  return spawnServer('apache2', ['-f', p('apache.conf'), '-DFOREGROUND'], dir, port, p('apache-error.log'));
}
