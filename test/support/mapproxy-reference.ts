// Runs the reference implementation, Debian's MapProxy 1.15 (/usr/bin/python3), on a configuration,
// for side-by-side tests. A small threaded wsgiref server (mapproxy_wsgi.py) binds a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
const RUNNER = join(dirname(fileURLToPath(import.meta.url)), 'mapproxy_wsgi.py');

export interface ReferenceMapProxy {
  /** Base URL without trailing slash, e.g. http://127.0.0.1:34567 */
  readonly url: string;
  /** What the server wrote to stderr so far (MapProxy logs warnings there). */
  readonly log: () => string;
  stop(): Promise<void>;
}

/** Starts MapProxy 1.15 on `configFile`; resolves once it accepts requests. */
export async function startReferenceMapProxy(configFile: string, opts: { timeoutMs?: number } = {}): Promise<ReferenceMapProxy> {
  const child: ChildProcess = spawn(PYTHON, [RUNNER, configFile], {
    cwd: dirname(configFile),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`MapProxy reference did not start within ${opts.timeoutMs ?? 30000} ms:\n${stderr}`));
    }, opts.timeoutMs ?? 30000);
    child.stdout!.on('data', (b: Buffer) => {
      stdout += b.toString();
      const m = /LISTENING (\d+)/.exec(stdout);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`MapProxy reference exited with ${code} before listening:\n${stderr}`));
    });
  });

  return {
    url: `http://127.0.0.1:${port}`,
    log: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killTimer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(killTimer);
      }
    },
  };
}
