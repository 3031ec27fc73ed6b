import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MapReader, type ReadContext } from './config-reader.js';
import { DEFAULTS } from './defaults.js';
import { describeValue } from './errors.js';
import { readImageFormatConfig } from './image-options.js';
import { pyJoin } from './paths.js';
import type { GlobalsConfig, HttpConfig, ImageFormatConfig, LinkSingleColorImages } from './types.js';
import { UNSUPPORTED, notSupported } from './unsupported.js';
import { readTileLockConfig, REQUEST_LOCK_DEFAULTS } from './tile-lock-config.js';

/** Reads `globals:`: every value is the configured one or MapProxy's built-in default. */
export function readGlobals(ctx: ReadContext, raw: unknown): GlobalsConfig {
  const g = MapReader.of(ctx, 'globals', raw);
  const dir = ctx.configDir;

  const c = g.mapOrEmpty('cache');
  const tileLockDir = c.str('tile_lock_dir');
  const directoryPermissions = permissions(c, 'directory_permissions');
  const filePermissions = permissions(c, 'file_permissions');
  const cache: GlobalsConfig['cache'] = {
    baseDir: pyJoin(dir, c.str('base_dir') ?? DEFAULTS.cache.baseDir),
    lockDir: pyJoin(dir, c.str('lock_dir') ?? DEFAULTS.cache.lockDir),
    metaSize: c.intPair('meta_size') ?? [...DEFAULTS.cache.metaSize],
    metaBuffer: nonNegative(c, 'meta_buffer') ?? DEFAULTS.cache.metaBuffer,
    bulkMetaTiles: c.bool('bulk_meta_tiles') ?? DEFAULTS.cache.bulkMetaTiles,
    maxTileLimit: c.int('max_tile_limit') ?? DEFAULTS.cache.maxTileLimit,
    minimizeMetaRequests: c.bool('minimize_meta_requests') ?? DEFAULTS.cache.minimizeMetaRequests,
    concurrentTileCreators: positiveInt(c, 'concurrent_tile_creators') ?? DEFAULTS.cache.concurrentTileCreators,
    linkSingleColorImages: readLinkSingleColorImages(c) ?? DEFAULTS.cache.linkSingleColorImages,
    sqliteTimeout: c.num('sqlite_timeout') ?? DEFAULTS.cache.sqliteTimeout,
    options: c.raw,
  };
  if (tileLockDir !== undefined) cache.tileLockDir = pyJoin(dir, tileLockDir);
  const tileLock = readTileLockConfig(c);
  if (tileLock !== undefined) cache.tileLock = tileLock;
  const requestLock = readTileLockConfig(c, 'request_lock', REQUEST_LOCK_DEFAULTS);
  if (requestLock !== undefined) cache.requestLock = requestLock;
  if (directoryPermissions !== undefined) cache.directoryPermissions = directoryPermissions;
  if (filePermissions !== undefined) cache.filePermissions = filePermissions;
  // Defaults of cache backends, read by the backends themselves (through `options`).
  c.accept('s3', 'azureblob', 'sqlite_wal');
  c.finish();

  const i = g.mapOrEmpty('image');
  const formats: Record<string, ImageFormatConfig> = {};
  const formatsReader = i.map('formats');
  if (formatsReader) {
    for (const name of formatsReader.keys()) {
      const fr = MapReader.of(ctx, formatsReader.keyPath(name), formatsReader.get(name));
      const f = readImageFormatConfig(fr);
      fr.finish();
      if (f.format === undefined && name.startsWith('image/')) f.format = name;
      formats[name] = f;
    }
    formatsReader.finish();
  }
  const image: GlobalsConfig['image'] = {
    resamplingMethod: i.oneOf('resampling_method', ['nearest', 'bilinear', 'bicubic'] as const) ?? DEFAULTS.image.resamplingMethod,
    paletted: i.bool('paletted') ?? DEFAULTS.image.paletted,
    jpegQuality: i.int('jpeg_quality') ?? DEFAULTS.image.jpegQuality,
    stretchFactor: i.num('stretch_factor') ?? DEFAULTS.image.stretchFactor,
    maxShrinkFactor: i.num('max_shrink_factor') ?? DEFAULTS.image.maxShrinkFactor,
    transparentColorTolerance: i.num('transparent_color_tolerance') ?? DEFAULTS.image.transparentColorTolerance,
    formats,
  };
  const fontDir = i.str('font_dir');
  if (fontDir !== undefined) {
    image.fontDir = pyJoin(dir, fontDir);
    // MapProxy draws watermarks with <font_dir>/DejaVuSans.ttf; without it, Pillow's small bitmap font
    if (!existsSync(join(image.fontDir, 'DejaVuSans.ttf'))) {
      ctx.warn(i.keyPath('font_dir'), `has no DejaVuSans.ttf: watermarks use the system's DejaVu Sans (MapProxy falls back to Pillow's bitmap font)`);
    }
  }
  if (i.has('merge_method')) {
    i.accept('merge_method');
    ctx.warn(i.keyPath('merge_method'), 'merge_method is deprecated and has no effect');
  }
  i.finish();

  const gr = g.mapOrEmpty('grid');
  const grid = { tileSize: gr.intPair('tile_size') ?? [...DEFAULTS.grid.tileSize] as [number, number] };
  gr.finish();

  const s = g.mapOrEmpty('srs');
  const userNE = s.strList('axis_order_ne') ?? [];
  const userEN = s.strList('axis_order_en') ?? [];
  const preferredSrcProj: Record<string, string[]> = {};
  const pref = s.map('preferred_src_proj');
  if (pref) {
    for (const target of pref.keys()) preferredSrcProj[target] = pref.strList(target) ?? [];
  }
  const srs: GlobalsConfig['srs'] = {
    axisOrderNE: union(DEFAULTS.srs.axisOrderNE.filter((c) => !userEN.includes(c)), userNE),
    axisOrderEN: union(DEFAULTS.srs.axisOrderEN.filter((c) => !userNE.includes(c)), userEN),
    preferredSrcProj,
  };
  const projDataDir = s.str('proj_data_dir');
  if (projDataDir !== undefined) srs.projDataDir = pyJoin(dir, projDataDir);
  s.finish();

  const h = g.mapOrEmpty('http');
  const base = readHttp(h, undefined, dir);
  const acao = h.get('access_control_allow_origin');
  let accessControlAllowOrigin: string = DEFAULTS.http.accessControlAllowOrigin;
  if (typeof acao === 'string') accessControlAllowOrigin = acao;
  else if (acao !== undefined && acao !== null) {
    // MapProxy only sends the header for a non-empty value; an empty mapping switches it off.
    if (typeof acao === 'object' && !Array.isArray(acao) && Object.keys(acao).length === 0) accessControlAllowOrigin = '';
    else throw h.error('access_control_allow_origin', `expected a string, got ${describeValue(acao)}`);
  }
  const http: GlobalsConfig['http'] = {
    ...base,
    concurrentRequests: nonNegative(h, 'concurrent_requests', true) ?? DEFAULTS.http.concurrentRequests,
    accessControlAllowOrigin,
  };
  h.finish();

  const t = g.mapOrEmpty('tiles');
  const tiles = { expiresHours: t.num('expires_hours') ?? DEFAULTS.tiles.expiresHours };
  t.finish();

  const m = g.mapOrEmpty('mapserver');
  const mapserver: GlobalsConfig['mapserver'] = {};
  const binary = m.str('binary');
  if (binary !== undefined) mapserver.binary = pyJoin(dir, binary);
  const workingDir = m.str('working_dir');
  if (workingDir !== undefined) mapserver.workingDir = pyJoin(dir, workingDir);
  m.finish();

  const rd = g.mapOrEmpty('renderd');
  if (rd.str('address') !== undefined) {
    throw notSupported(ctx, rd.keyPath('address'), UNSUPPORTED.globalOptions.get('renderd.address')!);
  }
  rd.finish();

  const bg = g.mapOrEmpty('background');
  const background = { url: bg.str('url') ?? DEFAULTS.background.url };
  bg.finish();

  g.finish();
  return { cache, image, grid, srs, http, tiles, mapserver, background };
}

/**
 * HTTP options of `r` (a source's `http:` block, or `globals.http` when `globals` is undefined), each resolved
 * local → globals → default like MapProxy's `get_value('http.xxx', source_conf)`.
 */
export function readHttp(r: MapReader, globals: HttpConfig | undefined, configDir: string): HttpConfig {
  const method = r.oneOf('method', ['AUTO', 'GET', 'POST'] as const);
  const headers = r.map('headers');
  let headerValues: Record<string, string> | undefined;
  if (headers) {
    headerValues = {};
    for (const k of headers.keys()) headerValues[k] = headers.reqStr(k);
  }
  const sslCaCerts = r.str('ssl_ca_certs');
  const out: HttpConfig = {
    method: method ?? globals?.method ?? DEFAULTS.http.method,
    clientTimeout: positiveNumber(r, 'client_timeout') ?? globals?.clientTimeout ?? DEFAULTS.http.clientTimeout,
    sslNoCertChecks: r.bool('ssl_no_cert_checks') ?? globals?.sslNoCertChecks ?? DEFAULTS.http.sslNoCertChecks,
    headers: headerValues ?? { ...(globals?.headers ?? {}) },
    hideErrorDetails: r.bool('hide_error_details') ?? globals?.hideErrorDetails ?? DEFAULTS.http.hideErrorDetails,
    manageCookies: r.bool('manage_cookies') ?? globals?.manageCookies ?? DEFAULTS.http.manageCookies,
  };
  const ca = sslCaCerts !== undefined ? pyJoin(configDir, sslCaCerts) : globals?.sslCaCerts;
  if (ca !== undefined) out.sslCaCerts = ca;
  return out;
}

export function readLinkSingleColorImages(r: MapReader): LinkSingleColorImages | undefined {
  const v = r.get('link_single_color_images');
  if (v === undefined || v === null) return undefined;
  if (v === true || v === false || v === 'symlink' || v === 'hardlink') return v;
  throw r.error('link_single_color_images', `expected true, false, 'symlink' or 'hardlink', got ${describeValue(v)}`);
}

/** Octal permissions like '775' (YAML may give them as a number). */
export function permissions(r: MapReader, key: string): string | undefined {
  const v = r.str(key);
  if (v === undefined) return undefined;
  if (!/^[0-7]{3,4}$/.test(v)) throw r.error(key, `expected octal permissions like '775', got '${v}'`);
  return v;
}

export function nonNegative(r: MapReader, key: string, integer = false): number | undefined {
  const v = integer ? r.int(key) : r.num(key);
  if (v !== undefined && v < 0) throw r.error(key, `expected a number >= 0, got ${v}`);
  return v;
}

export function positiveInt(r: MapReader, key: string): number | undefined {
  const v = r.int(key);
  if (v !== undefined && v < 1) throw r.error(key, `expected an integer >= 1, got ${v}`);
  return v;
}

function positiveNumber(r: MapReader, key: string): number | undefined {
  const v = r.num(key);
  if (v !== undefined && v <= 0) throw r.error(key, `expected a number > 0, got ${v}`);
  return v;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  const out = [...a];
  for (const x of b) if (!out.includes(x)) out.push(x);
  return out;
}

/** MapProxy's `find_exec`: the first executable `name` in PATH. */
export function findExecutable(name: string, env: Record<string, string | undefined>): string | undefined {
  for (const d of (env['PATH'] ?? '').split(delimiter)) {
    if (!d) continue;
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
