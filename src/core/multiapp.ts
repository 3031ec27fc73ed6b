import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LRUCache } from 'lru-cache';
import type { AppOptions } from './app.js';
import { HttpDispatchers } from './client/dispatchers.js';
import type { CoreRequest, CoreResponse } from './http.js';
import { AppDirectory } from './multiapp/app-directory.js';
import { popPathSegment } from './multiapp/app-path.js';
import { ConfigReloader, type ReloadLog } from './multiapp/config-reloader.js';
import { indexPage } from './multiapp/index-page.js';
import type { RequestHandler } from './node-http-adapter.js';
import { serviceResponse } from './service/response.js';

export interface MultiAppOptions {
  /** List the available apps at `/` (default false, as MapProxy's documentation and PasteDeploy factory). */
  allowListing?: boolean;
  /** How many apps are kept built; the least recently used one is closed beyond that (default 100). */
  maxApps?: number;
  /** Options for every app (environment, metrics, shared connection pools). */
  appOptions?: AppOptions;
  /** Configuration errors and reload notices; default appOptions.log, else console. */
  log?: ReloadLog;
  /** Look at an app's configuration files' mtimes at most this often (default 1000 ms; 0: every request). */
  checkIntervalMs?: number;
}

export interface MultiApp extends RequestHandler {
  /** Waits for requests in flight, then closes every app's runtime. */
  close(): Promise<void>;
}

/**
 * MapProxy's MultiMapProxy: every `<name>.yaml` in `configDir` is an app served under `/<name>/`. Apps are built
 * on first use, kept in an LRU of `maxApps`, and rebuilt when their file or one of its `base:` files changes.
 */
export async function createMultiApp(configDir: string, opts: MultiAppOptions = {}): Promise<MultiApp> {
  const dir = resolve(configDir);
  if (!(await stat(dir)).isDirectory()) throw new Error(`${dir} is not a directory`);
  const directory = new AppDirectory(dir);
  const log = opts.log ?? opts.appOptions?.log ?? console;
  const ownDispatchers = opts.appOptions?.dispatchers ? null : new HttpDispatchers();
  const appOptions: AppOptions = { ...opts.appOptions, dispatchers: opts.appOptions?.dispatchers ?? ownDispatchers ?? undefined };
  const checkIntervalMs = opts.checkIntervalMs ?? 1000;
  const closing = new Set<Promise<void>>();
  let closed = false;

  const apps = new LRUCache<string, ConfigReloader>({
    max: Math.max(1, opts.maxApps ?? 100),
    // An evicted app finishes its requests in flight before its runtime is closed.
    dispose: (reloader) => {
      const done = reloader.close().finally(() => closing.delete(done));
      closing.add(done);
    },
  });

  const notFound = (): CoreResponse => serviceResponse('not found', { status: 404, contentType: 'text/plain' });

  function appFor(name: string): ConfigReloader | null {
    const cached = apps.get(name);
    if (cached) return cached;
    const file = directory.configFile(name);
    if (!file || !directory.has(name)) return null;
    const reloader = new ConfigReloader(file, { appOptions, log, checkIntervalMs, onMissingFile: 'not-found' });
    apps.set(name, reloader);
    return reloader;
  }

  return {
    async handle(req: CoreRequest): Promise<CoreResponse> {
      if (closed) return serviceResponse('service unavailable', { status: 503, contentType: 'text/plain' });
      const { segment, request } = popPathSegment(req);
      if (!segment) return indexPage(req, opts.allowListing ? await directory.list() : null);
      // No await between finding the app and handing it the request: an eviction can only close it after.
      const app = appFor(segment);
      return app ? app.handle(request) : notFound();
    },
    async close() {
      closed = true;
      apps.clear();
      await Promise.all([...closing]);
      await ownDispatchers?.close();
    },
  };
}
