import { createApp } from '../core/app.js';
import type { RequestHandler } from '../core/node-http-adapter.js';
import type { CoreMetrics } from '../core/metrics.js';
import type { Logger } from '../core/log/logger.js';
import type { WmsLayer } from '../core/layer/wms-layer.js';
import type { ServeMode } from '../cli/daemon-settings.js';
import type { ReadinessTarget } from './health/readiness.js';

export interface ModeHandler extends RequestHandler {
  close(): Promise<void>;
  /** Layer names that may appear as metric labels; null when the handler cannot tell (see LayerNames). */
  layerNames(): ReadonlySet<string> | null;
  /** What /readyz checks: the configuration served now. */
  readinessTarget(): ReadinessTarget | null;
}

export interface ModeHandlerOptions {
  metrics: CoreMetrics;
  allowListing: boolean;
  /** Warnings, errors and reload news of the core. */
  log: Logger;
  /** Upstream request lines (mapproxy.source.request); absent when that logger is off. */
  requestLog?: Logger;
}

/** The core handler for a serve mode: one configuration, one that rebuilds when its files change, or a directory. */
export async function createModeHandler(mode: ServeMode, target: string, opts: ModeHandlerOptions): Promise<ModeHandler> {
  const appOptions = { metrics: opts.metrics, log: opts.log, requestLog: opts.requestLog };
  if (mode === 'reload') {
    const { createReloadingApp } = await import('../core/reloading-app.js');
    const app = await createReloadingApp(target, appOptions);
    return {
      handle: (req) => app.handle(req),
      close: () => app.close(),
      layerNames: () => null,
      readinessTarget: () => ({ kind: 'app', config: app.current.config, runtime: app.current.runtime }),
    };
  }
  if (mode === 'multiapp') {
    const { createMultiApp } = await import('../core/multiapp.js');
    const app = await createMultiApp(target, { allowListing: opts.allowListing, appOptions, log: opts.log });
    return {
      handle: (req) => app.handle(req),
      close: () => app.close(),
      layerNames: () => null,
      readinessTarget: () => ({ kind: 'directory', dir: target }),
    };
  }
  const app = await createApp(target, appOptions);
  const names = new Set<string>(app.runtime.tileLayers.map((l) => l.name));
  const walk = (layer: WmsLayer | null) => {
    if (!layer) return;
    if (layer.name) names.add(layer.name);
    layer.children.forEach(walk);
  };
  walk(app.runtime.wmsRoot);
  return {
    handle: (req) => app.handle(req),
    close: () => app.runtime.close(),
    layerNames: () => names,
    readinessTarget: () => ({ kind: 'app', config: app.config, runtime: app.runtime }),
  };
}
