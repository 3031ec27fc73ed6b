import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';

/** RLIMIT_NOFILE of a process: soft (enforced) and hard (the ceiling an unprivileged process may raise it to). */
export interface FdLimit {
  soft: number;
  hard: number;
}

/** The open-files limit of a process from /proc (Linux); null where there is no /proc. 'unlimited' → Infinity. */
export function readFdLimit(pid: number | 'self' = 'self'): FdLimit | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/limits`, 'utf8');
  } catch {
    return null;
  }
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!m) return null;
  const num = (s: string) => (s === 'unlimited' ? Infinity : Number(s));
  return { soft: num(m[1]), hard: num(m[2]) };
}

/**
 * How many file descriptors this process has open; null where there is no /proc. Since Linux 6.2 the size of
 * /proc/self/fd is that number (a stat, some microseconds even with thousands open); older kernels report 0,
 * and the directory is listed instead.
 */
export function openFdCount(): number | null {
  try {
    const size = statSync('/proc/self/fd').size;
    if (size > 0) return size;
    return readdirSync('/proc/self/fd').length - 1; // less the descriptor of the listing itself
  } catch {
    return null;
  }
}

/**
 * Raises this process's open-files limit to at least `wanted` when it is lower. Node already raises the soft
 * limit to the hard limit at start; above the hard limit only a privileged process (root, CAP_SYS_RESOURCE)
 * may go, as systemd's LimitNOFILE does for its services. Node has no setrlimit: prlimit(2), through util-linux's
 * `prlimit` on our own pid, does the same. Returns a sentence for the log when the limit stays below `wanted`.
 */
export function ensureFdLimit(wanted: number): string | undefined {
  const before = readFdLimit();
  if (!before || before.soft >= wanted) return undefined;
  const hard = Math.max(before.hard, wanted);
  const run = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${wanted}:${hard}`], { encoding: 'utf8', timeout: 5000 });
  const after = readFdLimit() ?? before;
  if (after.soft >= wanted) return undefined;
  const why = run.error ? run.error.message : (run.stderr || `prlimit exited with ${run.status}`).trim();
  return `cannot raise the open-files limit from ${after.soft} to ${wanted} (server.limits.max_open_files): ${why}`;
}
