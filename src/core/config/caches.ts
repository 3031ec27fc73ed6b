import { MapReader, type ReadContext } from './config-reader.js';
import { readCoverage } from './coverage.js';
import { DEFAULTS } from './defaults.js';
import { describeValue } from './errors.js';
import { nonNegative, positiveInt, readLinkSingleColorImages } from './globals.js';
import { formatExt, readImageFormatConfig, resolveImageOptions } from './image-options.js';
import { isYamlMap } from './merge-dict.js';
import { pyJoin } from './paths.js';
import type { CacheConfig, GlobalsConfig, GridConfig, ImageFormatConfig, RefreshBeforeConfig } from './types.js';
import { UNSUPPORTED, notSupported } from './unsupported.js';
import { readWatermark } from './watermark.js';
import { cacheBackend, cacheTypes } from '../cache/registry.js';
const MIXED_REQUEST_FORMATS = ['image/png', 'image/vnd.jpeg-png'];

/** Reads `caches:` (a mapping, or MapProxy's older list of one-key mappings). */
export function readCaches(
  ctx: ReadContext,
  raw: unknown,
  globals: GlobalsConfig,
  grids: Record<string, GridConfig>,
): Record<string, CacheConfig> {
  let value = raw;
  if (Array.isArray(raw)) {
    const merged: Record<string, unknown> = {};
    raw.forEach((item, i) => {
      if (!isYamlMap(item)) throw ctx.error(`caches[${i}]`, `expected a mapping of cache name to cache, got ${describeValue(item)}`);
      Object.assign(merged, item);
    });
    value = merged;
  }
  const section = MapReader.of(ctx, 'caches', value);
  const out: Record<string, CacheConfig> = {};
  for (const name of section.keys()) {
    const r = MapReader.of(ctx, section.keyPath(name), section.get(name));
    out[name] = readCache(r, name, globals, grids);
    r.finish();
  }
  return out;
}

function readCache(r: MapReader, name: string, globals: GlobalsConfig, grids: Record<string, GridConfig>): CacheConfig {
  const ctx = r.ctx;
  for (const [key, feature] of UNSUPPORTED.cacheOptions) {
    if (r.isSet(key) && !(typeof r.raw[key] === 'number' && r.raw[key] === 0)) throw notSupported(ctx, r.keyPath(key), feature);
  }
  r.accept(...UNSUPPORTED.cacheOptions.keys());
  if (r.has('name')) {
    r.accept('name');
    ctx.warn(r.keyPath('name'), 'has no effect: MapProxy always names a cache by its key');
  }

  if (!r.has('sources')) throw r.error('sources', 'missing required list of sources (may be empty: [])');
  const rawSources = r.get('sources');
  if (isYamlMap(rawSources)) throw notSupported(ctx, r.keyPath('sources'), UNSUPPORTED.features.bandMerge);
  const sources = r.strList('sources') ?? [];

  let gridNames = r.strList('grids');
  if (gridNames === undefined) {
    ctx.warn(r.path, `cache has no grids and defaults to [${DEFAULTS.defaultGrid}]`);
    gridNames = [DEFAULTS.defaultGrid];
  }

  const format = r.str('format') ?? DEFAULTS.cache.format;
  const requestFormatConfigured = r.str('request_format');
  if (format === 'mixed' && !MIXED_REQUEST_FORMATS.includes(requestFormatConfigured ?? '')) {
    throw r.error('request_format', `must be image/png or image/vnd.jpeg-png when format is 'mixed', got ${describeValue(requestFormatConfigured)}`);
  }
  const requestFormat = requestFormatConfigured ?? format;

  const ir = r.map('image');
  let imageConf: ImageFormatConfig = {};
  if (ir) {
    imageConf = readImageFormatConfig(ir);
    ir.finish();
  }
  // CacheConfiguration.image_opts: the cache format decides unless image.format is set; unknown names → image/png.
  const image = resolveImageOptions(globals, imageConf, imageConf.format === undefined ? format : undefined);
  if (image.format === undefined) image.format = format.startsWith('image/') ? format : 'image/png';

  const cr = r.mapOrEmpty('cache');
  const disableStorage = r.bool('disable_storage') ?? false;
  const cacheType = cr.str('type') ?? 'file';
  const backendEntry = cacheBackend(cacheType);
  if (!disableStorage && !backendEntry) {
    if (cacheType === 'riak') throw cr.error('type', "cache type 'riak' was removed in MapProxy 4.0; use redis, s3 or couchdb");
    throw cr.error('type', `unknown cache type '${cacheType}' (expected ${cacheTypes().join(', ')})`);
  }

  // MapProxy's cache_dir(): the base of this cache's files and of its tile locks
  const directory = cr.str('directory');
  const localCacheDir = r.str('cache_dir');
  let cacheDir: string;
  if (directory !== undefined && directory !== '') {
    if (localCacheDir) ctx.warn(r.keyPath('cache_dir'), 'cache.directory is set as well; cache_dir is ignored');
    cacheDir = pyJoin(ctx.configDir, directory);
  } else {
    cacheDir = localCacheDir !== undefined ? pyJoin(ctx.configDir, localCacheDir) : globals.cache.baseDir;
  }
  const localTileLockDir = cr.str('tile_lock_dir');
  const tileLockDir = localTileLockDir !== undefined
    ? pyJoin(ctx.configDir, localTileLockDir)
    : (globals.cache.tileLockDir ?? pyJoin(cacheDir, 'tile_locks'));
  const linkSingleColorImages = readLinkSingleColorImages(r) ?? globals.cache.linkSingleColorImages;

  let backend: CacheConfig['backend'];
  if (disableStorage || !backendEntry) {
    // MapProxy builds no storage for such a cache: nothing of the `cache:` section is used
    if (disableStorage) for (const k of cr.keys()) if (k !== 'type' && k !== 'coverage') ctx.warn(cr.keyPath(k), 'has no effect with disable_storage: true');
    cr.accept(...cr.keys());
    backend = { type: 'disabled' };
  } else {
    const options = backendEntry.readOptions(cr, {
      cacheName: name,
      cacheDir,
      configDir: ctx.configDir,
      // unknown grids are reported by the reference check with a better message
      grids: gridNames.flatMap((key) => (grids[key] ? [{ key, name: grids[key].name, srs: grids[key].srs }] : [])),
      globals,
      globalCache: MapReader.of(ctx, 'globals.cache', globals.cache.options),
      fileExt: formatExt(image.format),
      linkSingleColorImages,
    });
    backend = { type: cacheType, options };
  }
  let coverage;
  if (cr.isSet('coverage')) coverage = readCoverage(ctx, cr.keyPath('coverage'), cr.get('coverage'));
  cr.accept('type', 'coverage');
  cr.finish();

  const out: CacheConfig = {
    name,
    sources,
    grids: gridNames,
    format,
    requestFormat,
    image,
    fileExt: formatExt(image.format),
    metaSize: r.intPair('meta_size') ?? [...globals.cache.metaSize],
    metaBuffer: nonNegative(r, 'meta_buffer') ?? globals.cache.metaBuffer,
    bulkMetaTiles: r.bool('bulk_meta_tiles') ?? globals.cache.bulkMetaTiles,
    minimizeMetaRequests: r.bool('minimize_meta_requests') ?? globals.cache.minimizeMetaRequests,
    concurrentTileCreators: positiveInt(r, 'concurrent_tile_creators') ?? globals.cache.concurrentTileCreators,
    maxTileLimit: r.int('max_tile_limit') ?? globals.cache.maxTileLimit,
    linkSingleColorImages,
    disableStorage,
    cacheDir,
    tileLockDir,
    backend,
    cacheRescaledTiles: r.bool('cache_rescaled_tiles') ?? false,
    rescaleTiles: readRescaleTiles(r),
  };
  const watermark = readWatermark(r);
  if (watermark) out.watermark = watermark;
  if (coverage) out.coverage = coverage;
  const refresh = readRefreshBefore(r);
  if (refresh) out.refreshBefore = refresh;
  const level = r.int('use_direct_from_level');
  const res = r.num('use_direct_from_res');
  if (level !== undefined) out.useDirectFromLevel = level;
  if (res !== undefined) out.useDirectFromRes = res;
  if ((level !== undefined || res !== undefined) && sources.length !== 1) {
    throw r.error(level !== undefined ? 'use_direct_from_level' : 'use_direct_from_res', 'only supported for caches with exactly one source');
  }
  return out;
}

/** `upscale_tiles` / `downscale_tiles` as MapProxy's rescale_tiles: negative upscales, positive downscales. */
function readRescaleTiles(r: MapReader): number {
  const up = r.int('upscale_tiles') ?? 0;
  const down = r.int('downscale_tiles') ?? 0;
  if (up < 0) throw r.error('upscale_tiles', 'upscale_tiles must be positive');
  if (down < 0) throw r.error('downscale_tiles', 'downscale_tiles must be positive');
  if (up && down) throw r.error('downscale_tiles', 'cannot use both upscale_tiles and downscale_tiles');
  return up ? -up : down;
}

/** `refresh_before`: time (ISO, local time), mtime (file), or weeks/days/hours/minutes/seconds before now. */
export function readRefreshBefore(r: MapReader, key = 'refresh_before'): RefreshBeforeConfig | undefined {
  const rr = r.map(key);
  if (!rr) return undefined;
  let out: RefreshBeforeConfig;
  if (rr.has('time')) {
    const t = rr.get('time');
    let ts: number;
    if (t instanceof Date) {
      // The YAML parser read a zone-less timestamp as UTC; MapProxy takes it as local time.
      ts = new Date(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds()).getTime() / 1000;
    } else if (typeof t === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(t)) {
      ts = new Date(t).getTime() / 1000; // no zone: local time
    } else {
      throw rr.error('time', `can't parse time ${describeValue(t)}: expected an ISO time like 2024-01-31T12:00:00`);
    }
    out = { type: 'time', timestamp: ts };
    othersHaveNoEffect(rr, 'time');
  } else if (rr.has('mtime')) {
    out = { type: 'mtime', file: pyJoin(rr.ctx.configDir, rr.reqStr('mtime')) };
    othersHaveNoEffect(rr, 'mtime');
  } else {
    const n = (k: string) => rr.num(k) ?? 0;
    const seconds = n('weeks') * 604800 + n('days') * 86400 + n('hours') * 3600 + n('minutes') * 60 + n('seconds');
    out = { type: 'age', seconds };
  }
  rr.finish();
  return out;
}

/** MapProxy's refresh_before reads `time`, else `mtime`, else the durations: the keys after the first it finds do nothing. */
function othersHaveNoEffect(rr: MapReader, used: string): void {
  for (const k of rr.keys()) if (k !== used) rr.ctx.warn(rr.keyPath(k), `has no effect next to ${used}`);
  rr.accept(...rr.keys());
}
