// The servers under test, each started fresh on its own port with the same worker count.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Workspace } from './configs.js';
import type { Runtime } from './runtime.js';
import { descendants, processName, startProc, waitForHttp, type Proc } from './procs.js';

export type TargetName = 'mapproxy-ts' | 'mapproxy' | 'mapcache' | 'ceiling';

export interface Target {
  readonly name: TargetName;
  /** http://127.0.0.1:<port> */
  readonly base: string;
  readonly proc: Proc;
  /** The processes that answer requests (not the supervisor), for peak RSS. */
  workerPids(): number[];
  stop(graceMs?: number): Promise<void>;
}

function target(name: TargetName, port: number, proc: Proc, workerFilter: (pid: number) => boolean): Target {
  return {
    name, proc,
    base: `http://127.0.0.1:${port}`,
    workerPids() {
      const kids = descendants(proc.pid).filter(workerFilter);
      return kids.length ? kids : [proc.pid];
    },
    stop: (graceMs?: number) => proc.stop(graceMs),
  };
}

export interface OursOptions { rt: Runtime; ws: Workspace; port: number; workers: number; cpuProfDir?: string }

/** mapproxy-ts: the cluster daemon, `serve <mapproxy.yaml> --workers N`. */
export async function startOurs(o: OursOptions): Promise<Target> {
  // Cluster workers inherit the master's execArgv, so each worker writes its own profile when it exits.
  const nodeArgs = [...o.rt.nodeArgs, ...(o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : [])];
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' };
  const proc = startProc('mapproxy-ts', process.execPath, [
    ...nodeArgs, o.rt.cli, 'serve', o.ws.mapproxyYaml,
    '--bind', `127.0.0.1:${o.port}`, '--workers', String(o.workers), '--no-metrics',
  ], { cwd: o.ws.dir, env });
  const t = target('mapproxy-ts', o.port, proc, (pid) => processName(pid).startsWith('node'));
  await waitForHttp(proc, `${t.base}/tms/1.0.0/`);
  return t;
}

/** MapProxy 1.15 (Debian) under gunicorn with N sync workers, as its documentation deploys it. */
export async function startMapProxy(ws: Workspace, port: number, workers: number): Promise<Target> {
  const app = join(ws.dir, 'mapproxy_app.py');
  writeFileSync(app, `from mapproxy.wsgiapp import make_wsgi_app\napplication = make_wsgi_app(${JSON.stringify(ws.mapproxyYaml)}, reloader=False)\n`);
  const proc = startProc('mapproxy (gunicorn)', '/usr/bin/python3', [
    '/usr/bin/gunicorn', '--workers', String(workers), '--worker-class', 'sync', '--bind', `127.0.0.1:${port}`,
    '--chdir', ws.dir, '--log-level', 'warning', '--timeout', '120', 'mapproxy_app:application',
  ], { cwd: ws.dir });
  const t = target('mapproxy', port, proc, () => true);
  await waitForHttp(proc, `${t.base}/tms/1.0.0/`);
  return t;
}

/** MapCache (Debian's mod_mapcache) in a foreground Apache with its own configuration. */
export async function startMapCache(ws: Workspace, port: number): Promise<Target> {
  // Apache's children run as www-data and must read the workspace.
  chmodSync(ws.dir, 0o755);
  const proc = startProc('mapcache (apache)', '/usr/sbin/apache2', ['-f', ws.apacheConf, '-DFOREGROUND'], {
    env: { ...process.env, APACHE_RUN_DIR: join(ws.dir, 'mapcache'), APACHE_LOCK_DIR: join(ws.dir, 'mapcache') },
  });
  const t = target('mapcache', port, proc, () => true);
  await waitForHttp(proc, `${t.base}/mapcache/tms/1.0.0/`);
  return t;
}

/** The bare uWS static file server (bench/ceiling-server.ts). */
export async function startCeiling(rt: Runtime, ws: Workspace, port: number, workers: number): Promise<Target> {
  const proc = startProc('ceiling (uWS)', process.execPath, [
    ...rt.nodeArgs, rt.ceiling, '--dir', ws.tileDir, '--port', String(port), '--workers', String(workers),
  ], { cwd: ws.dir });
  const t = target('ceiling', port, proc, (pid) => processName(pid).startsWith('node'));
  await waitForHttp(proc, `${t.base}/tms/1.0.0/world/GLOBAL_WEBMERCATOR/0/1/1.png`);
  return t;
}
