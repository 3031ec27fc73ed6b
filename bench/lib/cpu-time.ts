// CPU seconds (user + system) of a command with its children, and of a server with its worker processes: on a
// machine shared by the seeder and its upstream, their CPU together bounds the seeding time (cores × seconds).
import { execFileSync, type SpawnOptions } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descendants, run } from './procs.js';

let counter = 0;
let ticksPerSecond: number | undefined;

/** Runs `cmd` under GNU time: resolves with the CPU seconds of it and of every child process it waited for. */
export async function runCountingCpu(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<number> {
  const out = join(tmpdir(), `mapproxy-ts-bench-cpu-${process.pid}-${counter++}`);
  try {
    await run('/usr/bin/time', ['-f', '%U %S', '-o', out, cmd, ...args], opts);
    // the last line: GNU time puts "Command exited with non-zero status" first when there is one
    const [user, system] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(/\s+/).map(Number);
    return user! + system!;
  } finally {
    rmSync(out, { force: true });
  }
}

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, …]; utime is index 11, then stime, cutime, cstime. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // gone meanwhile
  }
}

const cpuTicks = (f: string[]): number => Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);

/**
 * CPU seconds used so far by process `pid` and its descendants (lighttpd and its MapServer FastCGI processes),
 * including those that exited and were reaped. Differences of two readings give the CPU of the work between.
 */
export function processTreeCpuSeconds(pid: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  let ticks = 0;
  for (const p of [pid, ...descendants(pid)]) {
    const f = statFields(p);
    if (f) ticks += cpuTicks(f);
  }
  return ticks / ticksPerSecond;
}
