// A real S3 protocol server for the s3 cache tests: s3rver (test/support/servers) on a loopback port, its
// objects in a temporary directory. s3rver checks the access key id of a signed request (S3RVER is its only
// key) but not the V4 signature itself, and answers unsigned GETs: the anonymous reads of use_http_get.
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { restartableServer, spawnServer, type RestartableServer } from './server-process.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), 'servers', 'node_modules', '.bin', 's3rver');

/** The credentials s3rver knows. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3Server extends RestartableServer {
  /** e.g. http://127.0.0.1:34567 */
  readonly endpoint: string;
}

/** Starts s3rver with `buckets` created; resolves once it listens. */
export async function startS3Server(opts: { buckets?: readonly string[] } = {}): Promise<S3Server> {
  const directory = fs.mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = await restartableServer(directory, (port) => {
    const args = ['-d', directory, '-a', '127.0.0.1', '-p', String(port), '--no-vhost-buckets'];
    for (const b of opts.buckets ?? []) args.push('--configure-bucket', b);
    return spawnServer(BIN, args, /listening on [^\s:]+:(\d+)/, { name: 's3rver' });
  });
  return Object.defineProperty(server, 'endpoint', { get: () => `http://127.0.0.1:${server.port}` }) as S3Server;
}
