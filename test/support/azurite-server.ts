// A real Azure Blob protocol server for the azureblob cache tests: azurite-blob (test/support/servers) on a
// loopback port, its blobs in a temporary directory, telemetry off. Azurite checks the shared-key signature of
// every request against its one well-known development account. The SDK speaks a newer API version than this
// azurite knows; the operations a tile cache uses are old, hence --skipApiVersionCheck.
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { restartableServer, spawnServer, type RestartableServer } from './server-process.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), 'servers', 'node_modules', '.bin', 'azurite-blob');

/** Azurite's development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteServer extends RestartableServer {
  /** e.g. http://127.0.0.1:34567/devstoreaccount1 */
  readonly blobEndpoint: string;
  /** A connection string for the development account; `key` replaces the account key (wrong credentials). */
  connectionString(key?: string): string;
}

export async function startAzurite(): Promise<AzuriteServer> {
  const directory = fs.mkdtempSync(join(tmpdir(), 'azurite-'));
  const server = await restartableServer(directory, (port) => spawnServer(BIN, [
    '--disableTelemetry', '--silent', '--skipApiVersionCheck', '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', directory,
  ], /listens on https?:\/\/[^\s:]+:(\d+)/, { name: 'azurite', cwd: directory }));
  const blobEndpoint = () => `http://127.0.0.1:${server.port}/${AZURITE_ACCOUNT}`;
  return Object.defineProperties(server, {
    blobEndpoint: { get: blobEndpoint },
    connectionString: {
      value: (key = AZURITE_KEY) => `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${key};BlobEndpoint=${blobEndpoint()};`,
    },
  }) as AzuriteServer;
}
