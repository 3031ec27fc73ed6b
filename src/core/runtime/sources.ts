import type {
  ArcGisSourceConfig,
  MapServerSourceConfig,
  OgcApiMapsSourceConfig,
  OgcApiTilesSourceConfig,
  OnErrorConfig as OnErrorEntry,
  ProxyConfig,
  SourceConfig,
  TileSourceConfig,
  WmsSourceConfig,
} from '../config/types.js';
import { HttpClient } from '../client/http-client.js';
import type { HttpDispatchers } from '../client/dispatchers.js';
import type { RequestLimiter } from '../client/request-limiter.js';
import { sharedCookieJar, type CookieJar } from '../client/cookie-jar.js';
import { FileSemaphore, urlNetloc } from '../client/file-semaphore.js';
import type { RedisRequestSlots } from '../client/redis-request-slots.js';
import { FileLocks } from '../tiles/file-locks.js';
import type { TileGrid } from '../geo/grid.js';
import { ResolutionRange } from '../geo/resolution-range.js';
import { getSRS } from '../geo/srs.js';
import { formatExt } from '../image/format.js';
import { BlankSource } from '../source/blank-source.js';
import { DebugSource } from '../source/debug-source.js';
import { mapServerSource } from '../source/mapserver-source.js';
import { OnErrorHandler, type OnErrorConfig } from '../source/on-error.js';
import type { MapSource } from '../source/source.js';
import { TileSource } from '../source/tile-source.js';
import { WmsMapRequest, type WmsParamValue } from '../source/wms-request.js';
import { WmsSource, type WmsSourceOptions } from '../source/wms-source.js';
import { HttpWmsTransport } from '../source/wms-transport.js';
import type { CoreMetrics } from '../metrics.js';
import type { RequestInfo } from '../client/http-client.js';
import type { Logger } from '../log/logger.js';
import { upstreamRequestFields, upstreamRequestLine } from '../log/upstream-request-line.js';
import { arcGisMapSource } from './arcgis-sources.js';
import { buildCoverage } from './coverage.js';
import { ogcApiMapsSource, ogcApiTilesSource } from './ogcapi-sources.js';

/** What building sources shares: connection pools and per-host request limits of this process. */
export interface SourceContext {
  readonly config: ProxyConfig;
  readonly grids: ReadonlyMap<string, TileGrid>;
  readonly dispatchers: HttpDispatchers;
  /** One limiter per upstream host and limit (MapProxy shares a semaphore per host:port and count). */
  readonly limiters: Map<string, RequestLimiter>;
  /** `globals.cache.request_lock: {type: redis}`: the limits across hosts, after the local ones. */
  readonly requestSlots?: RedisRequestSlots;
  /** `http.manage_cookies`: the cookie jars of this process, one per TLS setting as MapProxy's openers. */
  readonly cookieJars: Map<string, CookieJar>;
  /** Lock files and their watchers, shared by the tile locks and request semaphores of this process. */
  readonly fileLocks?: FileLocks;
  /** Where failed upstream requests are logged (URL without credentials); default console. */
  readonly log?: Pick<Logger, 'warn' | 'error'>;
  /** Every upstream request, one debug line each (MapProxy's `mapproxy.source.request`); absent: not logged. */
  readonly requestLog?: Pick<Logger, 'debug'>;
  /** True while seeding: `seed_only` sources are used. */
  readonly seeding: boolean;
  readonly metrics: CoreMetrics;
}

/** Upstream request reports of one source, for the metrics and the logs. */
function reportTo(ctx: SourceContext, source: string): (info: RequestInfo) => void {
  const log = ctx.log ?? console;
  return (info) => {
    ctx.metrics.upstreamRequest(source, info.durationMs / 1000, info.status, info.error !== undefined);
    ctx.requestLog?.debug(upstreamRequestLine(info), upstreamRequestFields(source, info));
    // MapProxy: "could not retrieve WMS map: <full message>"; the URL in it carries no credentials
    if (info.error !== undefined) log.warn(`source ${source}: could not retrieve ${info.url}: ${info.error}`);
  };
}

/**
 * A configured source as a MapSource. `layers` overrides `req.layers` for tagged references
 * (`'wms:l1,l2'`), which MapProxy allows only for a subset of the configured layers.
 */
export function buildSource(conf: SourceConfig, ctx: SourceContext, layers?: string[]): MapSource {
  const coverage = conf.coverage ? buildCoverage(conf.coverage) : undefined;
  if (layers && conf.type !== 'wms' && conf.type !== 'mapserver') {
    throw new Error(`sources.${conf.name}: tagged references ('${conf.name}:${layers.join(',')}') only work for wms and mapserver sources`);
  }
  if (conf.seedOnly && !ctx.seeding) return new BlankSource(coverage);
  switch (conf.type) {
    case 'debug':
      return new DebugSource();
    case 'wms':
      return new WmsSource({ ...wmsOptions(conf, ctx, layers), transport: new HttpWmsTransport(httpClient(conf, conf.req.url, ctx)) });
    case 'mapserver':
      return mapServerSource({
        ...wmsOptions(conf, ctx, layers),
        mapfile: conf.mapfile,
        binary: conf.binary,
        workingDir: conf.workingDir,
        timeout: ctx.config.globals.http.clientTimeout,
        onRequest: reportTo(ctx, conf.name),
      });
    case 'tile':
      return tileSource(conf, ctx);
    case 'arcgis':
      return arcGisMapSource(conf, ctx);
    case 'ogcapitiles':
      return ogcApiTilesSource(conf, ctx);
    case 'ogcapimaps':
      return ogcApiMapsSource(conf, ctx);
  }
}

function wmsOptions(
  conf: WmsSourceConfig | MapServerSourceConfig,
  ctx: SourceContext,
  layers: string[] | undefined,
): Omit<WmsSourceOptions, 'transport'> {
  const req = conf.req;
  // A tagged reference may name any subset of the configured layers, or any layers when none are configured.
  if (layers && req.layers) {
    const configured = req.layers.split(',');
    const unknown = layers.filter((l) => !configured.includes(l));
    if (unknown.length) throw new Error(`sources.${conf.name}: layers ${unknown.join(', ')} are not in req.layers`);
  }
  const params: [string, WmsParamValue][] = [];
  const reqLayers = layers ? layers.join(',') : req.layers;
  if (reqLayers !== undefined) params.push(['layers', reqLayers]);
  if (req.styles !== undefined) params.push(['styles', req.styles]);
  if (req.transparent !== undefined) params.push(['transparent', req.transparent]);
  if (req.format !== undefined) params.push(['format', req.format]);
  if (req.sld !== undefined) params.push(['sld', req.sld]);
  if (req.sldBody !== undefined) params.push(['sld_body', req.sldBody]);
  params.push(...Object.entries(req.extra));
  const opts: Omit<WmsSourceOptions, 'transport'> = {
    request: new WmsMapRequest(req.url, params, conf.wmsOpts.version),
    format: req.format ?? conf.imageOptions.format,
    supportedFormats: conf.supportedFormats.length ? conf.supportedFormats : undefined,
    supportedSrs: conf.supportedSrs.length ? conf.supportedSrs.map((s) => getSRS(s)) : undefined,
    preferredSrcProj: ctx.config.globals.srs.preferredSrcProj,
    transparent: req.transparent ?? conf.imageOptions.transparent ?? false,
    opacity: conf.imageOptions.opacity,
    coverage: conf.coverage ? buildCoverage(conf.coverage) : undefined,
    resRange: conf.resRange ? new ResolutionRange(conf.resRange.minRes, conf.resRange.maxRes) : undefined,
    forwardReqParams: conf.forwardReqParams,
    resampling: conf.imageOptions.resampling,
    transparentColor: conf.transparentColor ? [conf.transparentColor[0], conf.transparentColor[1], conf.transparentColor[2]] : undefined,
    transparentColorTolerance: conf.transparentColorTolerance,
  };
  if (conf.type === 'wms') {
    opts.httpMethod = conf.http.method;
    if (conf.onError.length) opts.onError = onErrorHandler(conf.onError);
  }
  return opts;
}

function tileSource(conf: TileSourceConfig, ctx: SourceContext): TileSource {
  const grid = ctx.grids.get(conf.grid);
  if (!grid) throw new Error(`sources.${conf.name}.grid: grid '${conf.grid}' is not defined`);
  return new TileSource({
    url: conf.url,
    grid,
    http: httpClient(conf, conf.url, ctx),
    format: conf.requestFormat ? formatExt(conf.requestFormat) : conf.imageOptions.format ? formatExt(conf.imageOptions.format) : undefined,
    transparent: conf.transparent ?? conf.imageOptions.transparent ?? false,
    opacity: conf.imageOptions.opacity,
    coverage: conf.coverage ? buildCoverage(conf.coverage) : undefined,
    resRange: conf.resRange ? new ResolutionRange(conf.resRange.minRes, conf.resRange.maxRes) : undefined,
    onError: conf.onError.length ? onErrorHandler(conf.onError) : undefined,
  });
}

export function httpClient(conf: ArcGisSourceConfig | WmsSourceConfig | TileSourceConfig | OgcApiTilesSourceConfig | OgcApiMapsSourceConfig, url: string, ctx: SourceContext): HttpClient {
  const { http, concurrentRequests } = conf;
  let limiter: RequestLimiter | undefined;
  if (concurrentRequests > 0) {
    // cluster wide: flock on MapProxy's SemLock files in globals.cache.lock_dir
    const key = `${conf.lockDir}|${urlNetloc(url)}#${concurrentRequests}`;
    limiter = ctx.limiters.get(key);
    if (!limiter) {
      limiter = new FileSemaphore({ lockDir: conf.lockDir, url, slots: concurrentRequests, locks: ctx.fileLocks ?? new FileLocks() });
      if (ctx.requestSlots) limiter = ctx.requestSlots.limiter(url, concurrentRequests, limiter);
      ctx.limiters.set(key, limiter);
    }
  }
  return new HttpClient({
    timeout: http.clientTimeout,
    headers: http.headers,
    hideErrorDetails: http.hideErrorDetails,
    sslNoCertChecks: http.sslNoCertChecks,
    sslCaCerts: http.sslCaCerts,
    dispatchers: ctx.dispatchers,
    limiter,
    onRequest: reportTo(ctx, conf.name),
    cookies: http.manageCookies ? sharedCookieJar(ctx.cookieJars, url, http) : undefined,
  });
}

export function onErrorHandler(entries: readonly OnErrorEntry[]): OnErrorHandler {
  const config: { [status: number]: OnErrorConfig[number]; other?: OnErrorConfig[number] } = {};
  for (const e of entries) {
    const transparent = e.color.length === 4 && e.color[3] === 0;
    const response = {
      color: transparent ? ('transparent' as const) : e.color,
      cacheable: e.cache,
      authorizeStale: e.authorizeStale,
    };
    if (e.status === 'other') config.other = response;
    else config[e.status] = response;
  }
  return new OnErrorHandler(config);
}
