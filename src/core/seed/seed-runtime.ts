import { HttpDispatchers } from '../client/dispatchers.js';
import type { LoadedConfig } from '../config/types.js';
import { useProjDataDir } from '../geo/datum-grids.js';
import { useFontDir } from '../image/font-dir.js';
import type { TileGrid } from '../geo/grid.js';
import type { Logger } from '../log/logger.js';
import { NO_METRICS } from '../metrics.js';
import { requestSlotsFor } from '../client/redis-request-slots.js';
import { CacheBuilder } from '../runtime/caches.js';
import { buildGrids } from '../runtime/grids.js';
import { imageGlobals } from '../runtime/image-formats.js';
import { SingleFlight } from '../tiles/single-flight.js';

/** What seeding needs of a runtime: the grids, and the caches with their (seed_only) sources. */
export interface SeedRuntime {
  readonly grids: ReadonlyMap<string, TileGrid>;
  readonly caches: CacheBuilder;
  /** Close upstream connection pools and caches. */
  close(): Promise<void>;
}

/**
 * The part of buildRuntime that seeding uses, as MapProxy's seeder loads only caches and sources: no services,
 * layers, legends or feature info, whose modules (some 70 of them) the seed command and each of its workers would
 * otherwise load and build at start-up. The caches are built with the same context as the server's, so tiles,
 * locks and upstream requests are the same.
 */
export function buildSeedRuntime(loaded: LoadedConfig, opts: { log?: Pick<Logger, 'warn' | 'error'> } = {}): SeedRuntime {
  const config = loaded.config;
  // before any CRS is built, as buildRuntime does
  if (config.globals.srs.projDataDir !== undefined) useProjDataDir(config.globals.srs.projDataDir);
  // before libvips first draws text: fontconfig reads its configuration once per process
  if (!useFontDir(config.globals.image.fontDir)) {
    (opts.log ?? console).warn('globals.image.font_dir changed after libvips was loaded in this process: its fonts are used from the next start (a daemon reload starts new workers)');
  }
  const grids = buildGrids(config);
  const dispatchers = new HttpDispatchers();
  // concurrent_requests across hosts (globals.cache.request_lock), as for the server
  const requestSlots = requestSlotsFor(config.globals.cache.requestLock, opts.log);
  const caches = new CacheBuilder({
    config,
    grids,
    dispatchers,
    limiters: new Map(),
    requestSlots,
    cookieJars: new Map(),
    seeding: true,
    metrics: NO_METRICS,
    log: opts.log,
    requestLog: undefined,
    imageGlobals: imageGlobals(config.globals),
    locks: new SingleFlight(),
  });
  return {
    grids,
    caches,
    close: async () => {
      await caches.close();
      await requestSlots?.close();
      await dispatchers.close();
    },
  };
}
