// The worker count from the CPU quota of the cgroup (container --cpus, systemd CPUQuota), from sample files of
// /proc and /sys as a container runtime and systemd lay them out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { availableCpus, cgroupCpuQuota, parseCfsQuota, parseCpuMax, parseMountinfo, type ReadText } from '../../src/master/available-cpus.js';

const files = (map: Record<string, string>): ReadText => (path) => map[path] ?? null;

/** A Docker container on a cgroup v2 host with its own cgroup namespace (`docker run --cpus 1.5`). */
const V2_CONTAINER = {
  '/proc/self/mountinfo': [
    '1432 1344 0:314 / / rw,relatime master:476 - overlay overlay rw,lowerdir=/x,upperdir=/y,workdir=/z',
    '1440 1432 0:320 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro',
    '1441 1440 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate,memory_recursiveprot',
  ].join('\n'),
  '/proc/self/cgroup': '0::/\n',
  '/sys/fs/cgroup/cpu.max': '150000 100000\n',
};

/** A systemd service with CPUQuota=300% on a cgroup v2 host (no namespace: the full path from the root). */
const V2_SYSTEMD = {
  '/proc/self/mountinfo': '25 19 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n',
  '/proc/self/cgroup': '0::/system.slice/mapproxy-ts.service\n',
  '/sys/fs/cgroup/cpu.max': 'max 100000\n',
  '/sys/fs/cgroup/system.slice/cpu.max': 'max 100000\n',
  '/sys/fs/cgroup/system.slice/mapproxy-ts.service/cpu.max': '300000 100000\n',
};

/** A hybrid (v1) host like this test machine's: the cpu controller on its own hierarchy, a container's part mounted. */
const V1_DOCKER = {
  '/proc/self/mountinfo': [
    '30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
    '31 30 0:28 /docker/4f1c /sys/fs/cgroup/cpu,cpuacct ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpu,cpuacct',
    '33 30 0:30 /docker/4f1c /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset',
    '34 30 0:36 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  ].join('\n'),
  '/proc/self/cgroup': '9:cpuset:/docker/4f1c\n3:cpu,cpuacct:/docker/4f1c\n0::/docker/4f1c\n',
  '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '200000\n',
  '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
};

test('cpu.max and the cfs files: a quota in CPUs, or none', () => {
  assert.equal(parseCpuMax('150000 100000\n'), 1.5);
  assert.equal(parseCpuMax('max 100000\n'), null);
  assert.equal(parseCpuMax('50000 25000'), 2);
  assert.equal(parseCpuMax(null), null);
  assert.equal(parseCfsQuota('-1\n', '100000\n'), null);
  assert.equal(parseCfsQuota('400000\n', '100000\n'), 4);
  assert.equal(parseCfsQuota('garbage', '100000'), null);
});

test('mountinfo: root, mount point (unescaped), type and super options', () => {
  const [m] = parseMountinfo('31 30 0:28 /docker/a\\040b /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu,cpuacct\n');
  assert.deepEqual(m, { root: '/docker/a b', mountPoint: '/sys/fs/cgroup/cpu', fsType: 'cgroup', superOptions: 'rw,cpu,cpuacct' });
});

test('a container with --cpus 1.5 on cgroup v2 gets one worker on a 16-CPU host', () => {
  assert.equal(cgroupCpuQuota(files(V2_CONTAINER)), 1.5);
  assert.equal(availableCpus(files(V2_CONTAINER), 16), 1);
});

test('a systemd service with CPUQuota=300%: the limit of its own cgroup below unlimited parents', () => {
  assert.equal(cgroupCpuQuota(files(V2_SYSTEMD)), 3);
  assert.equal(availableCpus(files(V2_SYSTEMD), 8), 3);
  // a parent's tighter limit binds the service too
  assert.equal(cgroupCpuQuota(files({ ...V2_SYSTEMD, '/sys/fs/cgroup/system.slice/cpu.max': '100000 100000' })), 1);
});

test('cgroup v1 (hybrid host): the cfs quota of the cpu hierarchy, read where the container part is mounted', () => {
  assert.equal(cgroupCpuQuota(files(V1_DOCKER)), 2);
  assert.equal(availableCpus(files(V1_DOCKER), 32), 2);
});

test('without a quota (or without /proc) the CPUs the process may run on count', () => {
  assert.equal(availableCpus(files({ ...V2_CONTAINER, '/sys/fs/cgroup/cpu.max': 'max 100000' }), 6), 6);
  assert.equal(availableCpus(files({}), 4), 4);
  // a quota above the CPUs there are changes nothing; a fraction of one CPU still runs one worker
  assert.equal(availableCpus(files({ ...V2_CONTAINER, '/sys/fs/cgroup/cpu.max': '800000 100000' }), 2), 2);
  assert.equal(availableCpus(files({ ...V2_CONTAINER, '/sys/fs/cgroup/cpu.max': '20000 100000' }), 2), 1);
});
