import type { LoadedConfig } from '../config/types.js';
import { HttpDispatchers } from '../client/dispatchers.js';
import type { TileGrid } from '../geo/grid.js';
import type { CoreRequest, CoreResponse } from '../http.js';
import type { TileLayer } from '../layer/tile-layer.js';
import type { WmsLayer } from '../layer/wms-layer.js';
import type { Service } from '../service/service.js';
import { welcomePage } from '../service/welcome.js';
import { SingleFlight } from '../tiles/single-flight.js';
import { CacheBuilder } from './caches.js';
import { buildGrids } from './grids.js';
import { useProjDataDir } from '../geo/datum-grids.js';
import { useFontDir } from '../image/font-dir.js';
import { imageGlobals } from './image-formats.js';
import { InfoSources } from './info-sources.js';
import { buildTileLayers, buildWmsTree } from './layers.js';
import { LegendSources } from './legend-sources.js';
import { buildServices } from './services.js';
import { NO_METRICS, type CoreMetrics } from '../metrics.js';
import type { Logger } from '../log/logger.js';
import { requestSlotsFor } from '../client/redis-request-slots.js';

/** Everything a configuration turns into at run time, for one process. */
export interface Runtime {
  readonly routes: ReadonlyMap<string, Service>;
  readonly grids: ReadonlyMap<string, TileGrid>;
  readonly caches: CacheBuilder;
  readonly wmsRoot: WmsLayer | null;
  readonly tileLayers: readonly TileLayer[];
  /** '' disables the header. */
  readonly accessControlAllowOrigin: string;
  welcome(req: CoreRequest): CoreResponse;
  /** Close upstream connection pools. */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Seeding uses `seed_only` sources. */
  seeding?: boolean;
  dispatchers?: HttpDispatchers;
  metrics?: CoreMetrics;
  /** Warnings of sources and caches (failed upstream requests, failed cache writes); default console. */
  log?: Pick<Logger, 'warn' | 'error'>;
  /** One debug line per upstream request, as MapProxy's `mapproxy.source.request` logger; absent: none. */
  requestLog?: Pick<Logger, 'debug'>;
}

export async function buildRuntime(loaded: LoadedConfig, opts: RuntimeOptions = {}): Promise<Runtime> {
  const config = loaded.config;
  // before any CRS is built: its grids are read from here (MapProxy sets PROJ's data path when it loads)
  if (config.globals.srs.projDataDir !== undefined) useProjDataDir(config.globals.srs.projDataDir);
  // before libvips first draws text: fontconfig reads its configuration once per process
  if (!useFontDir(config.globals.image.fontDir)) {
    (opts.log ?? console).warn('globals.image.font_dir changed after libvips was loaded in this process: its fonts are used from the next start (a daemon reload starts new workers)');
  }
  const grids = buildGrids(config);
  const dispatchers = opts.dispatchers ?? new HttpDispatchers();
  const globalsImage = imageGlobals(config.globals);
  const sourceContext = {
    config,
    grids,
    dispatchers,
    limiters: new Map(),
    requestSlots: requestSlotsFor(config.globals.cache.requestLock, opts.log),
    cookieJars: new Map(),
    seeding: opts.seeding ?? false,
    metrics: opts.metrics ?? NO_METRICS,
    log: opts.log,
    requestLog: opts.requestLog,
  };
  const caches = new CacheBuilder({ ...sourceContext, imageGlobals: globalsImage, locks: new SingleFlight() });
  const infos = new InfoSources(sourceContext);
  const wmsTitle = config.services.wms?.md.title ?? 'MapProxy WMS';
  const wmsRoot = config.rootLayer ? buildWmsTree(config.rootLayer, caches, wmsTitle, infos, config, new LegendSources(sourceContext)) : null;
  const tileLayers = buildTileLayers(config, caches, infos);
  const routes = buildServices(config, { wmsRoot, tileLayers }, globalsImage);
  const demo = Boolean(config.services.demo);
  return {
    routes,
    grids,
    caches,
    wmsRoot,
    tileLayers,
    accessControlAllowOrigin: config.globals.http.accessControlAllowOrigin,
    welcome: (req) => welcomePage(req, { demo }),
    close: async () => {
      await caches.close();
      await sourceContext.requestSlots?.close();
      if (!opts.dispatchers) await dispatchers.close();
    },
  };
}
