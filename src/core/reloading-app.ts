import { resolve } from 'node:path';
import type { App, AppOptions } from './app.js';
import { HttpDispatchers } from './client/dispatchers.js';
import { ConfigReloader, type ReloadLog } from './multiapp/config-reloader.js';
import type { RequestHandler } from './node-http-adapter.js';

export type { ReloadLog } from './multiapp/config-reloader.js';

export interface ReloadingAppOptions extends AppOptions {
  /** Configuration errors and reload notices (`info`, if present); default console. */
  log?: ReloadLog;
  /** Look at the configuration files' mtimes at most this often (default 1000 ms; 0: before every request). */
  checkIntervalMs?: number;
}

export interface ReloadingApp extends RequestHandler {
  /** Waits for requests in flight, then closes the runtime (and the connection pools it created). */
  close(): Promise<void>;
  /** The app answering requests now. */
  readonly current: App;
}

/**
 * MapProxy's development reloader: serves `configFile` and rebuilds it when the file or any file it includes
 * through `base:` changes (checked by mtime before a request, at most every `checkIntervalMs`). A configuration
 * that fails to load is logged (file and key path) and the previous one keeps answering. Rejects like
 * `createApp` when the first load fails.
 *
 * Upstream connection pools are shared across reloads (unless `dispatchers` is given, they belong to this
 * reloader), so keep-alive connections survive a rebuild.
 */
export async function createReloadingApp(configFile: string, opts: ReloadingAppOptions = {}): Promise<ReloadingApp> {
  const { log = console, checkIntervalMs = 1000, ...appOptions } = opts;
  const ownDispatchers = appOptions.dispatchers ? null : new HttpDispatchers();
  const reloader = new ConfigReloader(resolve(configFile), {
    appOptions: { ...appOptions, dispatchers: appOptions.dispatchers ?? ownDispatchers ?? undefined },
    log,
    checkIntervalMs,
    onMissingFile: 'keep',
  });
  try {
    await reloader.start();
  } catch (err) {
    await ownDispatchers?.close();
    throw err;
  }
  return {
    handle: (req) => reloader.handle(req),
    get current(): App {
      // start() succeeded and a failed reload keeps the previous app, so there always is one until close().
      const app = reloader.current;
      if (!app) throw new Error('the reloading app is closed');
      return app;
    },
    async close() {
      await reloader.close();
      await ownDispatchers?.close();
    },
  };
}
