import { loadConfig } from './config/load-config.js';
import type { LoadedConfig } from './config/types.js';
import { buildRuntime, type Runtime } from './runtime/runtime.js';
import { textResponse, type CoreRequest, type CoreResponse } from './http.js';
import { notFound } from './service/response.js';
import type { RequestHandler } from './node-http-adapter.js';
import type { CoreMetrics } from './metrics.js';
import type { HttpDispatchers } from './client/dispatchers.js';
import type { Logger } from './log/logger.js';
import { AccessDenied, accessDeniedResponse } from './auth/access-denied.js';
import type { AuthorizeFn } from './auth/authorize.js';
import type { DecorateImgFn } from './auth/decorate-img.js';
import { withHooks } from './auth/with-hooks.js';
import { loadHooksModule } from './auth/hooks-module.js';
import type { RequestHooks } from './auth/request-hooks.js';
import { DenialLog } from './auth/denial-log.js';
import { NO_METRICS } from './metrics.js';

export interface AppOptions {
  /** Environment for $VAR expansion (default process.env). */
  env?: Record<string, string | undefined>;
  /** Where warnings and internal errors go (default console). */
  log?: Pick<Logger, 'warn' | 'error'>;
  /** One debug line per upstream request (MapProxy's `mapproxy.source.request` logger); absent: none. */
  requestLog?: Pick<Logger, 'debug'>;
  /** Where the core reports cache, tile and upstream activity (default: nowhere). */
  metrics?: CoreMetrics;
  /** Upstream connection pools to share between apps of one process (MultiMapProxy, reloads). */
  dispatchers?: HttpDispatchers;
  /** Who may see what (MapProxy's `mapproxy.authorize`); a request's own hooks win. Absent: everything. */
  authorize?: AuthorizeFn;
  /** Changes images before they are encoded (MapProxy's `mapproxy.decorate_img`). */
  decorateImg?: DecorateImgFn;
}

/** The core as a request handler: what MapProxy's WSGI application is. */
export interface App extends RequestHandler {
  readonly config: LoadedConfig;
  readonly runtime: Runtime;
}

const FIRST_SEGMENT = /^\/(\w+)/;

/** Load (if given a path), validate and build a configuration into a request handler. */
export async function createApp(config: string | LoadedConfig, opts: AppOptions = {}): Promise<App> {
  const log = opts.log ?? console;
  const loaded = typeof config === 'string' ? loadConfig(config, { env: opts.env ?? process.env }) : config;
  for (const w of loaded.warnings) log.warn(`${loaded.configFile}: ${w}`);
  // the daemon's server.hooks module, unless the embedding code passes hooks itself
  const hooks: RequestHooks =
    opts.authorize || opts.decorateImg || !loaded.config.server?.hooks
      ? { authorize: opts.authorize, decorateImg: opts.decorateImg }
      : await loadHooksModule(loaded.config.server.hooks, { env: opts.env ?? process.env });
  const runtime = await buildRuntime(loaded, { metrics: opts.metrics, dispatchers: opts.dispatchers, log, requestLog: opts.requestLog });
  const cors = runtime.accessControlAllowOrigin;
  const denials = new DenialLog(opts.metrics ?? NO_METRICS, log);

  async function route(req: CoreRequest): Promise<CoreResponse> {
    const match = FIRST_SEGMENT.exec(req.path);
    if (!match) {
      if (req.path === '/' || req.path === '') return runtime.welcome(req);
      return notFound();
    }
    const service = runtime.routes.get(match[1]);
    if (!service) return notFound();
    return service.handle(req, req.path);
  }

  return {
    config: loaded,
    runtime,
    async handle(req: CoreRequest): Promise<CoreResponse> {
      let res: CoreResponse;
      try {
        res = await route(withHooks(req, hooks));
      } catch (err) {
        if (err instanceof AccessDenied) {
          denials.record(err, req);
          res = accessDeniedResponse(err);
        } else {
          log.error('internal error', err);
          res = textResponse(500, 'internal error');
        }
      }
      if (cors) res.headers['Access-Control-Allow-Origin'] = cors;
      return res;
    },
  };
}
