// The usual integration set-up: the test MapServer, upstreamConfig() in a temporary directory, and one server
// (mapproxy-ts or MapProxy 1.15) started on it, for the tests of one describe block.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { tempDir, upstreamConfig, writeConfig } from './configs.js';
import { startMapServer, type TestMapServer } from './mapserver.js';

export interface UpstreamFixture<S> {
  readonly ms: TestMapServer;
  readonly server: S;
  /** The temporary directory: mapproxy.yaml, and the caches below `cache/`. */
  readonly dir: string;
}

/**
 * Call inside a describe block: before its tests, starts MapServer, writes upstreamConfig() (caches in
 * `<dir>/cache`) and `start`s a server on that file; after them, stops both and removes the directory. The
 * returned object's fields are set once the before hook has run.
 */
export function serveUpstreamConfig<S extends { stop(): Promise<void> }>(start: (configFile: string) => Promise<S>): UpstreamFixture<S> {
  const f = {} as { ms: TestMapServer; server: S; dir: string };
  before(async () => {
    f.ms = await startMapServer();
    f.dir = tempDir();
    f.server = await start(writeConfig(f.dir, upstreamConfig({ mapserverUrl: f.ms.url, cacheDir: join(f.dir, 'cache') })));
  });
  after(async () => {
    await f.server?.stop();
    await f.ms?.stop();
    if (f.dir) rmSync(f.dir, { recursive: true, force: true });
  });
  return f;
}
