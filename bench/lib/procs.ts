// Child processes of a bench run: each started in its own process group so that a server and everything it
// forks (gunicorn workers, Apache children, FastCGI mapserv processes, cluster workers) stops together.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { appendFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** What the process wrote to stdout and stderr so far (last 64 KB), for error messages. */
  output(): string;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Proc>();

export function startProc(name: string, cmd: string, args: string[], opts: SpawnOptions = {}): Proc {
  const child = spawn(cmd, args, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => { out = (out + b.toString()).slice(-65536); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  const pid = child.pid;
  // bench/run.sh kills these groups too, should this process die without cleaning up.
  if (process.env.BENCH_PGID_FILE) appendFileSync(process.env.BENCH_PGID_FILE, `${pid}\n`);
  const proc: Proc = {
    name, child, pid,
    output: () => out,
    async stop(graceMs = 5000) {
      running.delete(proc);
      if (child.exitCode !== null || child.signalCode !== null) { killGroup(pid, 'SIGKILL'); return; }
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // Grandchildren that outlive their parent (lighttpd's FastCGI processes) are still in the group.
      killGroup(pid, 'SIGKILL');
    },
  };
  running.add(proc);
  return proc;
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try { process.kill(-pgid, signal); } catch { /* already gone */ }
}

/** Stops every process this run started (also on errors and Ctrl-C). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop(3000)));
}

/** Runs a command to completion; rejects on a non-zero exit. */
export function run(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}\n${stderr.slice(-4000)}${stdout.slice(-2000)}`));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** Waits until `url` answers with status 200 (the server is up and its configuration loaded). */
export async function waitForHttp(proc: Proc, url: string, timeoutMs = 30000): Promise<void> {
  const port = Number(new URL(url).port);
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited with ${proc.child.exitCode}:\n${proc.output()}`);
    if (await portOpen(port)) {
      try {
        const res = await fetch(url);
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch { /* not yet */ }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${proc.name} did not answer ${url} within ${timeoutMs} ms:\n${proc.output()}`);
}

/** All descendants of `pid` (children first level, then theirs). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    let kids: number[] = [];
    try {
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const text = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        if (text) kids.push(...text.split(/\s+/).map(Number));
      }
    } catch { kids = []; }
    for (const k of kids) { out.push(k); queue.push(k); }
  }
  return out;
}

export function processName(pid: number): string {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; }
}

/** VmHWM (peak resident set) of a process in MB, or undefined when it is gone. */
export function peakRssMb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch { return undefined; }
}

/** Resets VmHWM to the current RSS (Linux clear_refs 5), so the next reading is the peak of the next scenario. */
export function resetPeakRss(pid: number): void {
  try { writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch { /* not permitted or gone: the peak then covers the whole run */ }
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}
