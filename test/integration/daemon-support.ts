// Starting the real daemon (`mapproxy-ts serve`) for the daemon-* integration tests.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function debugConfig(cacheDir: string, title = 'Debug'): string {
  return `
services:
  demo:
  tms:
  wms:
    md: {title: Daemon test}
layers:
  - name: dbg
    title: ${title}
    sources: [dbg_cache]
caches:
  dbg_cache:
    grids: [GLOBAL_WEBMERCATOR]
    sources: [dbg]
    cache: {type: file, directory: ${cacheDir}}
sources:
  dbg: {type: debug}
`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export class Daemon {
  readonly proc: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  /** The CLI from the sources (through tsx), or an installed `command` run in `cwd`. */
  constructor(args: string[], opts: { command?: string; cwd?: string } = {}) {
    const [cmd, argv] = opts.command ? [opts.command, args] : [process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args]];
    this.proc = spawn(cmd, argv, { cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (d) => (this.output += d));
    this.proc.stderr!.on('data', (d) => (this.output += d));
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
  }

  /** Resolves with the match once the output (from `from` on) matches; rejects on timeout or exit. */
  async waitFor(re: RegExp, timeoutMs = 30_000, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.output.slice(from).match(re);
      if (m) return m;
      if (this.proc.exitCode !== null) throw new Error(`daemon exited (${this.proc.exitCode}) before ${re}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`timeout waiting for ${re}:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Pids of the workers that said they are ready, latest per slot. */
  workerPids(): Map<number, number> {
    const pids = new Map<number, number>();
    for (const m of this.output.matchAll(/worker (\d+) \(pid (\d+)\) ready/g)) pids.set(Number(m[1]), Number(m[2]));
    return pids;
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
    // workers exit on their own when the master's IPC channel closes; make sure anyway
    for (const pid of this.workerPids().values()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request on a fresh connection (no keep-alive), as from many independent clients. */
export function request(port: number, path: string, opts: { method?: string; socketPath?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', agent: false, socketPath: opts.socketPath },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Sum of the samples of one metric (optionally only those whose labels contain `labelText`). */
export function metricSum(text: string, name: string, labelText = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    if (labelText && !line.includes(labelText)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
