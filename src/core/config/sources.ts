import { MapReader, type ReadContext } from './config-reader.js';
import { parseColor } from './color.js';
import { readArcGisSource } from './arcgis-source.js';
import { readOgcApiMapsSource, readOgcApiTilesSource } from './ogcapi-sources.js';
import { readCoverage } from './coverage.js';
import { DEFAULTS } from './defaults.js';
import { describeValue } from './errors.js';
import { findExecutable, nonNegative, readHttp } from './globals.js';
import { readImageFormatConfig, resolveImageOptions } from './image-options.js';
import { pyJoin } from './paths.js';
import { readResolutionRange } from './resolution-range.js';
import type {
  DebugSourceConfig,
  GlobalsConfig,
  ImageFormatConfig,
  MapServerSourceConfig,
  OnErrorConfig,
  SourceConfig,
  TileSourceConfig,
  WmsOptsConfig,
  WmsRequestConfig,
  WmsSourceConfig,
} from './types.js';
import { UNSUPPORTED, notSupported } from './unsupported.js';

const WMS_VERSIONS = ['1.0.0', '1.1.0', '1.1.1', '1.3.0'] as const;
const SOURCE_TYPES = ['wms', 'tile', 'debug', 'mapserver', 'arcgis', 'ogcapitiles', 'ogcapimaps'] as const;

export interface SourceReadEnv {
  globals: GlobalsConfig;
  env: Record<string, string | undefined>;
}

export function readSources(ctx: ReadContext, raw: unknown, e: SourceReadEnv): Record<string, SourceConfig> {
  const section = MapReader.of(ctx, 'sources', raw);
  const out: Record<string, SourceConfig> = {};
  for (const name of section.keys()) {
    const r = MapReader.of(ctx, section.keyPath(name), section.get(name));
    out[name] = readSource(r, name, e);
    r.finish();
  }
  return out;
}

function readSource(r: MapReader, name: string, e: SourceReadEnv): SourceConfig {
  const type = r.str('type');
  if (type === undefined) throw r.error('type', `missing required source type (one of ${SOURCE_TYPES.join(', ')})`);
  if (UNSUPPORTED.sourceTypes.has(type)) throw notSupported(r.ctx, r.keyPath('type'), `source type '${type}'`);
  switch (type) {
    case 'wms':
      return readWmsSource(r, name, e);
    case 'mapserver':
      return readMapServerSource(r, name, e);
    case 'tile':
      return readTileSource(r, name, e);
    case 'arcgis':
      return readArcGisSource(r, name, e);
    case 'ogcapitiles':
      return readOgcApiTilesSource(r, name, e);
    case 'ogcapimaps':
      return readOgcApiMapsSource(r, name, e);
    case 'debug': {
      const s: DebugSourceConfig = { type: 'debug', ...readCommon(r, name, e.globals) };
      return s;
    }
    default:
      throw r.error('type', `unknown source type '${type}' (expected one of ${SOURCE_TYPES.join(', ')})`);
  }
}

export function readCommon(r: MapReader, name: string, globals: GlobalsConfig) {
  const common = {
    name,
    seedOnly: r.bool('seed_only') ?? false,
    concurrentRequests: nonNegative(r, 'concurrent_requests', true) ?? globals.http.concurrentRequests,
    lockDir: globals.cache.lockDir,
  } as { name: string; seedOnly: boolean; concurrentRequests: number; lockDir: string } & Partial<
    Pick<WmsSourceConfig, 'coverage' | 'resRange'>
  >;
  if (r.isSet('coverage')) {
    const coverage = readCoverage(r.ctx, r.keyPath('coverage'), r.get('coverage'));
    if (coverage) common.coverage = coverage;
  } else r.accept('coverage');
  const resRange = readResolutionRange(r);
  if (resRange) common.resRange = resRange;
  return common;
}

/** Python's str() of a YAML scalar, as MapProxy puts `req:` values into the upstream query. */
function pyStr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  // Numbers: YAML `1.0` arrives as 1, so Python's '1.0' cannot be reproduced; upstream servers do not care.
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? `'${x}'` : pyStr(x))).join(', ')}]`;
  return String(v);
}

function readWmsRequest(r: MapReader, urlRequired: boolean): WmsRequestConfig {
  const req: WmsRequestConfig = { url: urlRequired ? r.reqStr('url') : (r.str('url') ?? ''), extra: {} };
  const layers = r.get('layers');
  if (layers !== undefined && layers !== null) {
    req.layers = Array.isArray(layers) ? layers.map(String).join(',') : String(layers);
  }
  const transparent = r.get('transparent');
  if (transparent !== undefined && transparent !== null) req.transparent = pyStr(transparent).toLowerCase() === 'true';
  const styles = r.str('styles');
  if (styles !== undefined) req.styles = styles;
  const format = r.str('format');
  if (format !== undefined) req.format = format;
  const sld = r.str('sld');
  if (sld !== undefined) {
    // `file://relative` is relative to the config dir; MapProxy reads the file and sends it as SLD_BODY.
    req.sld = sld.startsWith('file://') && !sld.startsWith('file:///') ? 'file://' + pyJoin(r.ctx.configDir, sld.slice(7)) : sld;
  }
  const sldBody = r.str('sld_body');
  if (sldBody !== undefined) req.sldBody = sldBody;
  for (const k of r.keys()) {
    if (['url', 'layers', 'transparent', 'styles', 'format', 'sld', 'sld_body'].includes(k)) continue;
    req.extra[k] = pyStr(r.get(k));
  }
  return req;
}

function readWmsOpts(r: MapReader): WmsOptsConfig {
  const o: WmsOptsConfig = {
    version: r.oneOf('version', WMS_VERSIONS) ?? '1.1.1',
    map: r.bool('map') ?? true,
    featureinfo: r.bool('featureinfo') ?? false,
    legendgraphic: r.bool('legendgraphic') ?? false,
  };
  const legendurl = r.str('legendurl');
  if (legendurl !== undefined) {
    o.legendurl = legendurl.startsWith('file://') && !legendurl.startsWith('file:///')
      ? 'file://' + pyJoin(r.ctx.configDir, legendurl.slice(7))
      : legendurl;
  }
  const fiFormat = r.str('featureinfo_format');
  if (fiFormat !== undefined) o.featureinfoFormat = fiFormat;
  const xslt = r.str('featureinfo_xslt');
  if (xslt !== undefined) o.featureinfoXslt = pyJoin(r.ctx.configDir, xslt);
  const outFormat = r.str('featureinfo_out_format');
  if (outFormat !== undefined) o.featureinfoOutFormat = outFormat;
  const ql = r.str('query_layers');
  if (ql !== undefined) o.queryLayers = ql;
  if (!o.featureinfo) {
    for (const key of ['featureinfo_format', 'featureinfo_xslt', 'featureinfo_out_format', 'query_layers']) {
      if (r.isSet(key)) r.ctx.warn(r.keyPath(key), 'has no effect without featureinfo: true');
    }
  }
  return o;
}

interface SourceImage {
  image: ImageFormatConfig;
  transparentColor?: WmsSourceConfig['transparentColor'];
  transparentColorTolerance: number;
}

export function readSourceImage(r: MapReader, globals: GlobalsConfig, withTransparentColor: boolean): SourceImage {
  const ir = r.map('image');
  if (!ir) return { image: {}, transparentColorTolerance: globals.image.transparentColorTolerance };
  const image = readImageFormatConfig(ir);
  const out: SourceImage = { image, transparentColorTolerance: globals.image.transparentColorTolerance };
  if (withTransparentColor) {
    const tc = ir.get('transparent_color');
    if (tc !== undefined && tc !== null) {
      const c = parseColor(tc);
      if (!c) throw ir.error('transparent_color', `expected a color like '#ffffff' or [255, 255, 255], got ${describeValue(tc)}`);
      out.transparentColor = c;
    }
    out.transparentColorTolerance = ir.num('transparent_color_tolerance') ?? globals.image.transparentColorTolerance;
  }
  ir.finish();
  return out;
}

export function readOnError(r: MapReader): OnErrorConfig[] {
  const m = r.map('on_error');
  if (!m) return [];
  const out: OnErrorConfig[] = [];
  for (const key of m.keys()) {
    let status: number | 'other';
    if (key === 'other') status = 'other';
    else if (/^\d+$/.test(key)) status = Number(key);
    else throw m.error(key, `invalid error code '${key}' (expected an HTTP status code or 'other')`);
    const er = MapReader.of(r.ctx, m.keyPath(key), m.get(key));
    const response = er.get('response') ?? 'transparent';
    let color: OnErrorConfig['color'];
    if (response === 'transparent') color = [255, 255, 255, 0];
    else {
      const c = parseColor(response);
      if (!c) throw er.error('response', `expected 'transparent' or a color like '#ff0000', got ${describeValue(response)}`);
      color = c;
    }
    out.push({ status, color, cache: er.bool('cache') ?? false, authorizeStale: er.bool('authorize_stale') ?? false });
    er.finish();
  }
  return out;
}

export function httpOf(r: MapReader, globals: GlobalsConfig) {
  const hr = r.mapOrEmpty('http');
  const http = readHttp(hr, globals.http, r.ctx.configDir);
  hr.finish();
  return http;
}

function readWmsLike(r: MapReader, name: string, e: SourceReadEnv, isMapServer: boolean) {
  const common = readCommon(r, name, e.globals);
  const reqReader = r.map('req');
  if (!reqReader) throw r.error('req', isMapServer ? 'missing required mapping with at least map' : 'missing required mapping with at least url');
  const req = readWmsRequest(reqReader, !isMapServer);
  if (isMapServer && !reqReader.isSet('map')) throw reqReader.error('map', 'missing required value: the mapfile');
  reqReader.finish();
  const wr = r.mapOrEmpty('wms_opts');
  const wmsOpts = readWmsOpts(wr);
  wr.finish();
  const img = readSourceImage(r, e.globals, true);
  // Like WMSSourceConfiguration.image_opts: req.transparent only counts when image.transparent is not set.
  const image: ImageFormatConfig = { ...img.image };
  if (image.transparent === undefined && req.transparent !== undefined) image.transparent = req.transparent;
  const base = {
    ...common,
    req,
    wmsOpts,
    supportedSrs: r.strList('supported_srs') ?? [],
    supportedFormats: r.strList('supported_formats') ?? [],
    image,
    imageOptions: resolveImageOptions(e.globals, image, req.format),
    transparentColorTolerance: img.transparentColorTolerance,
    forwardReqParams: r.strList('forward_req_params') ?? [],
  };
  return img.transparentColor ? { ...base, transparentColor: img.transparentColor } : base;
}

function readWmsSource(r: MapReader, name: string, e: SourceReadEnv): WmsSourceConfig {
  const base = readWmsLike(r, name, e, false);
  return { type: 'wms', ...base, http: httpOf(r, e.globals), onError: readOnError(r) };
}

function readMapServerSource(r: MapReader, name: string, e: SourceReadEnv): MapServerSourceConfig {
  const base = readWmsLike(r, name, e, true);
  const mr = r.mapOrEmpty('mapserver');
  const localBinary = mr.str('binary');
  const localWorkingDir = mr.str('working_dir');
  mr.finish();
  const dir = r.ctx.configDir;
  const binary = localBinary !== undefined ? pyJoin(dir, localBinary) : (e.globals.mapserver.binary ?? findExecutable('mapserv', e.env));
  const workingDir = localWorkingDir !== undefined ? pyJoin(dir, localWorkingDir) : e.globals.mapserver.workingDir;
  const mapfile = pyJoin(dir, base.req.extra['map'] ?? '');
  const req = { ...base.req, extra: { ...base.req.extra, map: mapfile } };
  const out: MapServerSourceConfig = { type: 'mapserver', ...base, req, mapfile };
  if (binary !== undefined) out.binary = binary;
  if (workingDir !== undefined) out.workingDir = workingDir;
  return out;
}

function readTileSource(r: MapReader, name: string, e: SourceReadEnv): TileSourceConfig {
  const common = readCommon(r, name, e.globals);
  const url = r.reqStr('url');
  let grid = r.str('grid');
  if (grid === undefined) {
    r.ctx.warn(r.path, `tile source has no grid and defaults to ${DEFAULTS.defaultGrid}`);
    grid = DEFAULTS.defaultGrid;
  }
  if (r.isSet('origin')) {
    r.accept('origin');
    r.ctx.warn(r.keyPath('origin'), 'has no effect: origin for tile sources is deprecated (MapProxy ignores it); use a grid with the right origin');
  }
  const transparent = r.bool('transparent');
  const img = readSourceImage(r, e.globals, false);
  const image: ImageFormatConfig = { ...img.image };
  // SourceConfiguration.image_opts: a source-level `transparent` overrides image.transparent.
  if (transparent !== undefined) image.transparent = transparent;
  const out: TileSourceConfig = {
    type: 'tile',
    ...common,
    url,
    grid,
    image,
    imageOptions: resolveImageOptions(e.globals, image, undefined),
    http: httpOf(r, e.globals),
    onError: readOnError(r),
  };
  if (transparent !== undefined) out.transparent = transparent;
  const requestFormat = r.str('request_format');
  if (requestFormat !== undefined) out.requestFormat = requestFormat;
  return out;
}
