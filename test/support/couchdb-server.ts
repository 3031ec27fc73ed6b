// Starts pouchdb-server (a CouchDB-compatible HTTP server) in memory on a free loopback port for cache tests.
// It writes its config.json and log into a temporary directory, which is removed at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis-server.js';

const POUCHDB_SERVER = join(dirname(fileURLToPath(import.meta.url)), 'servers', 'node_modules', '.bin', 'pouchdb-server');

export interface CouchDBServer {
  /** Base URL without trailing slash, e.g. http://127.0.0.1:34567 */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startCouchDBServer(): Promise<CouchDBServer> {
  const dir = mkdtempSync(join(tmpdir(), 'couchdb-test-'));
  const port = await freePort();
  const child: ChildProcess = spawn(POUCHDB_SERVER, ['--in-memory', '--host', '127.0.0.1', '--port', String(port), '--no-stdout-logs'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (b: Buffer) => { output += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { output += b.toString(); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killTimer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // it prints its address before it answers: poll until the root document comes back
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pouchdb-server exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(url + '/');
      if (res.ok) {
        await res.arrayBuffer();
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await close();
      throw new Error(`pouchdb-server did not answer within 20 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, close };
}
