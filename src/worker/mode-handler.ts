import { createApp } from '../core/app.js';
import type { RequestHandler } from '../core/node-http-adapter.js';
import type { CoreMetrics } from '../core/metrics.js';
import type { WmsLayer } from '../core/layer/wms-layer.js';
import type { ServeMode } from '../cli/daemon-settings.js';

export interface ModeHandler extends RequestHandler {
  close(): Promise<void>;
  /** Layer names that may appear as metric labels; null when the handler cannot tell (see LayerNames). */
  layerNames(): ReadonlySet<string> | null;
}

/** The core handler for a serve mode: one configuration, one that rebuilds when its files change, or a directory. */
export async function createModeHandler(
  mode: ServeMode,
  target: string,
  opts: { metrics: CoreMetrics; allowListing: boolean },
): Promise<ModeHandler> {
  if (mode === 'reload') {
    const { createReloadingApp } = await import('../core/reloading-app.js');
    const app = await createReloadingApp(target, { metrics: opts.metrics });
    return { handle: (req) => app.handle(req), close: () => app.close(), layerNames: () => null };
  }
  if (mode === 'multiapp') {
    const { createMultiApp } = await import('../core/multiapp.js');
    const app = await createMultiApp(target, { allowListing: opts.allowListing, appOptions: { metrics: opts.metrics } });
    return { handle: (req) => app.handle(req), close: () => app.close(), layerNames: () => null };
  }
  const app = await createApp(target, { metrics: opts.metrics });
  const names = new Set<string>(app.runtime.tileLayers.map((l) => l.name));
  const walk = (layer: WmsLayer | null) => {
    if (!layer) return;
    if (layer.name) names.add(layer.name);
    layer.children.forEach(walk);
  };
  walk(app.runtime.wmsRoot);
  return { handle: (req) => app.handle(req), close: () => app.runtime.close(), layerNames: () => names };
}
