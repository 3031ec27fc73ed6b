// The shared services of the cluster tests, started in the lab's services namespace: Debian's redis-server on the
// lock network and s3rver on the data network. Shared by test/integration/cluster-*.test.ts.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForPort, type NetLab } from './netns.js';

export const CLUSTER_REDIS_PORT = 6379;
export const CLUSTER_S3_PORT = 4569;
const S3RVER = join(dirname(fileURLToPath(import.meta.url)), 'servers', 'node_modules', '.bin', 's3rver');

/** redis-server without persistence in the services namespace; resolves once it accepts connections. */
export async function startRedisIn(lab: NetLab, dir: string): Promise<ChildProcess> {
  const p = lab.spawnIn(lab.services, '/usr/bin/redis-server',
    ['--bind', '0.0.0.0', '--port', String(CLUSTER_REDIS_PORT), '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--dir', dir],
    { stdio: 'ignore' });
  await waitForPort(lab.servicesLock, CLUSTER_REDIS_PORT);
  return p;
}

/** s3rver in the services namespace with the bucket `bucket`, its data in `dir` (emptied first). */
export async function startS3In(lab: NetLab, dir: string, bucket: string): Promise<ChildProcess> {
  rmSync(dir, { recursive: true, force: true });
  const p = lab.spawnIn(lab.services, process.execPath,
    [S3RVER, '-d', dir, '-a', '0.0.0.0', '-p', String(CLUSTER_S3_PORT), '--no-vhost-buckets', '--configure-bucket', bucket],
    { stdio: 'ignore' });
  await waitForPort(lab.servicesData, CLUSTER_S3_PORT);
  return p;
}

/** Kills the services (SIGKILL) and waits until they are gone. */
export async function stopServices(services: readonly ChildProcess[]): Promise<void> {
  for (const p of services) p.kill('SIGKILL');
  await Promise.all(services.map((p) => (p.exitCode === null && p.signalCode === null ? new Promise((r) => p.once('exit', r)) : null)));
}
