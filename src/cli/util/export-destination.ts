import { isAbsolute, resolve } from 'node:path';
import type { TileCache } from '../../core/cache/cache.js';
import { cacheBackend, cacheTypes } from '../../core/cache/registry.js';
import { MapReader, ReadContext } from '../../core/config/config-reader.js';
import type { CacheConfig, GlobalsConfig } from '../../core/config/types.js';
import type { TileGrid } from '../../core/geo/grid.js';

/**
 * `export --type`: MapProxy's export names (tms, tc/mapproxy, arcgis, mbtile, sqlite, geopackage, compact-v1,
 * compact-v2) and, beyond them, every registered `cache.type` (mbtiles, s3, redis, …) with `--dest` as its file or
 * directory and `--cache-options` for the rest. The result is the raw `cache:` mapping a configuration would hold.
 */
export function destinationCacheOptions(type: string | undefined, dest: string, extra: Record<string, unknown> = {}): Record<string, unknown> | string {
  const t = type ?? 'tms';
  const byName: Record<string, Record<string, unknown>> = {
    tms: { type: 'file', directory_layout: 'tms', directory: dest },
    tc: { type: 'file', directory: dest },
    mapproxy: { type: 'file', directory: dest },
    arcgis: { type: 'file', directory_layout: 'arcgis', directory: dest },
    mbtile: { type: 'mbtiles', filename: dest },
    mbtiles: { type: 'mbtiles', filename: dest },
    geopackage: { type: 'geopackage', filename: dest },
    sqlite: { type: 'sqlite', directory: dest },
    'compact-v1': { type: 'compact', version: 1, directory: dest },
    'compact-v2': { type: 'compact', version: 2, directory: dest },
    compact: { type: 'compact', version: 2, directory: dest },
    file: { type: 'file', directory: dest },
  };
  const known = byName[t];
  if (known) return { ...known, ...extra };
  if (!cacheBackend(t) || t === 'tiered') {
    return `unsupported --type ${t} (one of ${[...Object.keys(byName), ...cacheTypes().filter((c) => !(c in byName) && c !== 'tiered')].join(', ')})`;
  }
  // a network store: --dest is not a path; its location comes from --cache-options
  return { type: t, ...extra };
}

export interface DestinationTarget {
  source: CacheConfig;
  gridName: string;
  grid: TileGrid;
  globals: GlobalsConfig;
  /** Where relative paths of the options resolve (the working directory: --dest is a command-line path). */
  baseDir: string;
}

/** Reads the options through the backend's own reader (so they are checked as in a configuration) and opens the store. */
export function openDestination(raw: Record<string, unknown>, t: DestinationTarget): TileCache {
  const type = String(raw.type);
  const backend = cacheBackend(type)!;
  const ctx = new ReadContext('export --dest', t.baseDir);
  const reader = MapReader.of(ctx, 'cache', raw);
  reader.accept('type');
  const options = backend.readOptions(reader, {
    cacheName: 'export',
    // MapProxy's cache_dir(): cache.directory when given (the compact and file backends store there)
    cacheDir: typeof raw.directory === 'string' ? resolve(t.baseDir, raw.directory) : t.baseDir,
    configDir: t.baseDir,
    grids: [{ key: t.gridName, name: t.gridName, srs: t.grid.srs.code }],
    globals: t.globals,
    globalCache: MapReader.of(ctx, 'globals.cache', {}),
    fileExt: t.source.fileExt,
    linkSingleColorImages: false,
  });
  reader.finish();
  return backend.open(options, {
    cacheName: 'export', gridKey: t.gridName, grid: t.grid, fileExt: t.source.fileExt,
    mimeType: t.source.image.format ?? 'image/png', transparent: t.source.image.transparent,
  });
}

/** --dest as an absolute path (MapProxy resolves a relative file against the cache base_dir; we take the working directory). */
export const absoluteDest = (dest: string): string => (isAbsolute(dest) ? dest : resolve(dest));
