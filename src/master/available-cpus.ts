import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { posix } from 'node:path';

/** Reads a file's text, or null when it does not exist or cannot be read (injected by the tests). */
export type ReadText = (path: string) => string | null;

const readText: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/**
 * CPUs this process may really use: os.availableParallelism() counts the CPUs it may run on (affinity, cpusets)
 * but not a CPU quota (a container's `--cpus`, systemd's CPUQuota), which the kernel enforces by stopping every
 * thread of the group for the rest of each period once the quota is spent. Workers beyond the quota would only
 * take turns, each stall adding up to a period (100 ms) to whatever it was answering; so the quota counts,
 * rounded down (1.5 CPUs: one worker), never below one.
 */
export function availableCpus(read: ReadText = readText, parallelism = availableParallelism()): number {
  const quota = cgroupCpuQuota(read);
  return quota === null ? parallelism : Math.max(1, Math.min(parallelism, Math.floor(quota)));
}

/**
 * The CPU quota of this process's cgroup in CPUs (quota / period), the smallest along the path to the root of
 * the hierarchy (a parent's limit binds its children too); null when there is none. cgroup v2 (`cpu.max`) and v1
 * (`cpu.cfs_quota_us` / `cpu.cfs_period_us`), found through /proc/self/mountinfo and /proc/self/cgroup, so
 * that hybrid hosts and containers with their own cgroup namespace read the right directory.
 */
export function cgroupCpuQuota(read: ReadText = readText): number | null {
  const mounts = read('/proc/self/mountinfo');
  const membership = read('/proc/self/cgroup');
  if (mounts === null || membership === null) return null;
  let best: number | null = null;
  for (const mount of parseMountinfo(mounts)) {
    let quotaAt: (dir: string) => number | null;
    let path: string | undefined;
    if (mount.fsType === 'cgroup2') {
      path = membership.split('\n').map(parseCgroupLine).find((c) => c?.id === '0')?.path;
      quotaAt = (dir) => parseCpuMax(read(`${dir}/cpu.max`));
    } else if (mount.fsType === 'cgroup' && mount.superOptions.split(',').includes('cpu')) {
      path = membership.split('\n').map(parseCgroupLine).find((c) => c?.controllers.includes('cpu'))?.path;
      quotaAt = (dir) => parseCfsQuota(read(`${dir}/cpu.cfs_quota_us`), read(`${dir}/cpu.cfs_period_us`));
    } else continue;
    if (path === undefined) continue;
    for (const dir of ancestors(mount, path)) {
      const q = quotaAt(dir);
      if (q !== null && (best === null || q < best)) best = q;
    }
  }
  return best;
}

interface Mount {
  /** The directory of the hierarchy mounted here (not '/' when a container sees only its own part). */
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string;
}

/** Lines of /proc/self/mountinfo: `id parent major:minor root mountpoint options [tags…] - fstype source superoptions`. */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (right === undefined) continue;
    const f = left.split(' ');
    const r = right.split(' ');
    if (f.length < 5 || r.length < 3) continue;
    mounts.push({ root: unescapeOctal(f[3]), mountPoint: unescapeOctal(f[4]), fsType: r[0], superOptions: r[2] });
  }
  return mounts;
}

/** A line of /proc/self/cgroup: `hierarchy-id:controllers:path` (v2: `0::/path`). */
function parseCgroupLine(line: string): { id: string; controllers: string[]; path: string } | null {
  const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
  return m ? { id: m[1], controllers: m[2].split(','), path: m[3] } : null;
}

/** The process's cgroup directory under this mount and every parent up to the mount point. */
function ancestors(mount: Mount, cgroupPath: string): string[] {
  const root = mount.root === '/' ? '' : mount.root;
  // Outside the mounted part (a path from another namespace): only the mount point's own limit is visible.
  const inside = cgroupPath === mount.root || cgroupPath.startsWith(`${root}/`) ? cgroupPath.slice(root.length) : '/';
  const dirs: string[] = [];
  for (let rel = posix.normalize(inside || '/'); ; rel = posix.dirname(rel)) {
    dirs.push(rel === '/' || rel === '.' ? mount.mountPoint : posix.join(mount.mountPoint, rel));
    if (rel === '/' || rel === '.') break;
  }
  return dirs;
}

/** cgroup v2 `cpu.max`: `max 100000` (no limit) or `<quota> <period>` in microseconds. */
export function parseCpuMax(text: string | null): number | null {
  if (text === null) return null;
  const [quota, period] = text.trim().split(/\s+/);
  const q = Number(quota);
  const p = Number(period ?? 100_000);
  return quota === 'max' || !(q > 0) || !(p > 0) ? null : q / p;
}

/** cgroup v1: `cpu.cfs_quota_us` (-1: no limit) over `cpu.cfs_period_us`. */
export function parseCfsQuota(quota: string | null, period: string | null): number | null {
  if (quota === null || period === null) return null;
  const q = Number(quota.trim());
  const p = Number(period.trim());
  return q > 0 && p > 0 ? q / p : null;
}

/** mountinfo escapes space, tab, newline and backslash as \040 and the like. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
