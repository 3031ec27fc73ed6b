import { MapReader, joinPath, parseBBox, type ReadContext } from './config-reader.js';
import { DEFAULTS } from './defaults.js';
import { describeValue } from './errors.js';
import { isYamlMap } from './merge-dict.js';
import { pyJoin } from './paths.js';
import type {
  DemoServiceConfig,
  KmlServiceConfig,
  OgcapiServiceConfig,
  ServiceMetadata,
  ServicesConfig,
  TmsServiceConfig,
  WmsServiceConfig,
  WmtsServiceConfig,
} from './types.js';
import { UNSUPPORTED, notSupported } from './unsupported.js';
import { readInspireMd } from './inspire-md.js';

const SERVICE_NAMES = ['wms', 'wmts', 'tms', 'kml', 'demo', 'ogcapi'] as const;
const WMS_VERSIONS = ['1.0.0', '1.1.0', '1.1.1', '1.3.0'];
/** The feature info types of `featureinfo_types` and the keys of `featureinfo_xslt`. */
const INFO_TYPES = ['text', 'html', 'xml', 'json'];

/**
 * Reads `services:`. A key enables its service; an empty value (null) means all defaults.
 * The WMS `md` (default {title: 'MapProxy WMS'}) is the base of the other services' md.
 */
export function readServices(ctx: ReadContext, raw: unknown): ServicesConfig {
  const section = MapReader.of(ctx, 'services', raw);
  for (const name of section.keys()) {
    if (UNSUPPORTED.services.has(name)) throw notSupported(ctx, section.keyPath(name), `service '${name}'`);
    if (!(SERVICE_NAMES as readonly string[]).includes(name)) {
      throw section.error(name, `unknown service '${name}' (expected one of ${SERVICE_NAMES.join(', ')})`);
    }
  }
  const out: ServicesConfig = {};
  let wmsMd: ServiceMetadata = {};
  if (section.has('wms') || 'wms' in section.raw) {
    const r = MapReader.of(ctx, section.keyPath('wms'), section.get('wms'));
    out.wms = readWms(r);
    wmsMd = out.wms.md;
    r.finish();
  }
  const withWmsMd = (r: MapReader): ServiceMetadata => ({ ...wmsMd, ...readMd(r) });
  if ('wmts' in section.raw) {
    const r = MapReader.of(ctx, section.keyPath('wmts'), section.get('wmts'));
    out.wmts = readWmts(r, withWmsMd(r));
    r.finish();
  }
  if ('tms' in section.raw) {
    const r = MapReader.of(ctx, section.keyPath('tms'), section.get('tms'));
    const tms: TmsServiceConfig = { useGridNames: r.bool('use_grid_names') ?? false, md: withWmsMd(r) };
    const origin = r.str('origin');
    if (origin !== undefined) {
      const o = origin.toLowerCase();
      if (o === 'nw' || o === 'ul') tms.origin = 'nw';
      else if (o === 'sw' || o === 'll') tms.origin = 'sw';
      else throw r.error('origin', `expected 'sw' or 'nw', got '${origin}'`);
    }
    out.tms = tms;
    r.finish();
  }
  if ('kml' in section.raw) {
    const r = MapReader.of(ctx, section.keyPath('kml'), section.get('kml'));
    const kml: KmlServiceConfig = { useGridNames: r.bool('use_grid_names') ?? false };
    out.kml = kml;
    r.finish();
  }
  if ('demo' in section.raw) {
    const r = MapReader.of(ctx, section.keyPath('demo'), section.get('demo'));
    const demo: DemoServiceConfig = { md: withWmsMd(r) };
    // MapProxy 7 looks `background` up in the demo's own section before globals (get_value('background', conf))
    const bg = r.map('background');
    if (bg) {
      const url = bg.str('url');
      if (url !== undefined) demo.backgroundUrl = url;
      bg.finish();
    }
    out.demo = demo;
    r.finish();
  }
  if ('ogcapi' in section.raw) {
    const r = MapReader.of(ctx, section.keyPath('ogcapi'), section.get('ogcapi'));
    out.ogcapi = readOgcapi(r);
    r.finish();
  }
  return out;
}

/** The keys MapProxy 7's spec allows under each part of `services.ogcapi.md`. */
const OGCAPI_MD_KEYS: Record<string, readonly string[]> = {
  identification: ['title', 'description', 'url', 'terms_of_service', 'keywords'],
  contact: ['name', 'email', 'address', 'city', 'stateorprovince', 'postalcode', 'country', 'phone', 'fax', 'url', 'instructions'],
  license: ['name', 'url'],
  provider: ['name', 'url'],
};

/** `services.ogcapi` with MapProxy 7's options and its `ogcapi` defaults. */
function readOgcapi(r: MapReader): OgcapiServiceConfig {
  const md: Record<string, unknown> = {};
  const mdr = r.map('md');
  if (mdr) {
    for (const [part, keys] of Object.entries(OGCAPI_MD_KEYS)) {
      const pr = mdr.map(part);
      if (!pr) continue;
      for (const k of keys) if (k !== 'keywords') pr.str(k);
      pr.get('keywords');
      pr.accept('keywords');
      if (part === 'license' && pr.str('name') === undefined) throw pr.error('name', 'missing required license name');
      pr.finish();
      md[part] = pr.raw;
    }
    mdr.finish();
  }
  const maxOutputPixels = readMaxOutputPixels(r, 4000 * 4000);
  const mapSrs = r.strList('map_srs') ?? ['EPSG:4326', 'EPSG:3857'];
  const out: OgcapiServiceConfig = {
    enableTiles: r.bool('enable_tiles') ?? true,
    enableMaps: r.bool('enable_maps') ?? true,
    mapSrs,
    imageFormats: r.strList('image_formats') ?? ['image/png', 'image/jpeg'],
    onSourceErrors: r.oneOf('on_source_errors', ['notify', 'raise'] as const) ?? 'notify',
    maxOutputPixels,
    concurrentLayerRenderer: r.int('concurrent_layer_renderer') ?? 1,
    md,
  };
  const attr = r.map('attribution');
  if (attr) {
    const text = attr.str('text');
    out.attribution = text !== undefined ? { text } : {};
    attr.finish();
  }
  const dataset = r.strList('default_dataset_layers');
  if (dataset) out.defaultDatasetLayers = dataset;
  return out;
}

function readMd(r: MapReader): ServiceMetadata {
  const md = r.map('md');
  if (!md) return {};
  for (const k of ['title', 'abstract', 'online_resource', 'fees', 'access_constraints']) md.str(k);
  const kl = md.list('keyword_list');
  if (kl) {
    kl.forEach((entry, i) => {
      const er = MapReader.of(r.ctx, joinPath(md.keyPath('keyword_list'), i), entry);
      er.str('vocabulary');
      er.strList('keywords');
      er.finish();
    });
  }
  const contact = md.get('contact');
  if (contact !== undefined && contact !== null && !isYamlMap(contact)) {
    throw md.error('contact', `expected a mapping (person, organization, email, ...), got ${describeValue(contact)}`);
  }
  md.finish();
  return { ...md.raw } as ServiceMetadata;
}

function readWms(r: MapReader): WmsServiceConfig {
  const md = r.has('md') ? readMd(r) : { ...DEFAULTS.wms.md };
  const bboxSrs: WmsServiceConfig['bboxSrs'] = [];
  (r.list('bbox_srs') ?? []).forEach((item, i) => {
    const path = joinPath(r.keyPath('bbox_srs'), i);
    if (typeof item === 'string') bboxSrs.push({ srs: item });
    else if (isYamlMap(item)) {
      const ir = MapReader.of(r.ctx, path, item);
      bboxSrs.push({ srs: ir.reqStr('srs'), bbox: parseBBox(ir.get('bbox'), r.ctx, ir.keyPath('bbox')) });
      ir.finish();
    } else throw r.ctx.error(path, `expected an SRS code or {srs, bbox}, got ${describeValue(item)}`);
  });
  // keyed by the info type whose merged answers the stylesheet transforms
  const featureinfoXslt: Record<string, string> = {};
  const fx = r.map('featureinfo_xslt');
  if (fx) {
    for (const k of fx.keys()) {
      if (!INFO_TYPES.includes(k)) throw fx.error(k, `unknown feature info type '${k}' (expected one of ${INFO_TYPES.join(', ')})`);
      featureinfoXslt[k] = pyJoin(r.ctx.configDir, fx.reqStr(k));
    }
    fx.finish();
  }

  const maxOutputPixels = readMaxOutputPixels(r, DEFAULTS.wms.maxOutputPixels);

  const versions = r.strList('versions');
  if (versions) {
    for (const v of versions) {
      if (!WMS_VERSIONS.includes(v)) throw r.error('versions', `unknown WMS version '${v}' (expected ${WMS_VERSIONS.join(', ')})`);
    }
  }
  const attr = r.map('attribution');
  let attribution: WmsServiceConfig['attribution'];
  if (attr) {
    const text = attr.str('text');
    attribution = text !== undefined ? { text } : {};
    attr.finish();
  }
  const inspire = r.map('inspire_md');
  const inspireMd = inspire ? readInspireMd(inspire) : undefined;
  const out: WmsServiceConfig = {
    srs: r.strList('srs') ?? [...DEFAULTS.wms.srs],
    bboxSrs,
    imageFormats: r.strList('image_formats') ?? [...DEFAULTS.wms.imageFormats],
    featureinfoXslt,
    onSourceErrors: r.oneOf('on_source_errors', ['notify', 'raise'] as const) ?? 'notify',
    maxOutputPixels,
    strict: r.bool('strict') ?? DEFAULTS.wms.strict,
    md,
    concurrentLayerRenderer: r.int('concurrent_layer_renderer') ?? DEFAULTS.wms.concurrentLayerRenderer,
  };
  const fit = r.strList('featureinfo_types');
  if (fit) {
    const unknown = fit.find((t) => !INFO_TYPES.includes(t));
    if (unknown !== undefined) throw r.error('featureinfo_types', `unknown feature info type '${unknown}' (expected one of ${INFO_TYPES.join(', ')})`);
    out.featureinfoTypes = fit;
  }
  if (attribution) out.attribution = attribution;
  if (versions) out.versions = [...versions].sort();
  if (inspireMd) out.inspireMd = inspireMd;
  return out;
}

function readWmts(r: MapReader, md: ServiceMetadata): WmtsServiceConfig {
  let kvp = r.bool('kvp');
  let restful = r.bool('restful');
  if (kvp === undefined && restful === undefined) kvp = restful = true;
  const restfulTemplate = r.str('restful_template') ?? DEFAULTS.wmts.restfulTemplate;
  if (restfulTemplate.includes('{{')) {
    r.ctx.warn(r.keyPath('restful_template'), 'double braces in restful_template are deprecated: use {x} instead of {{x}}');
  }
  const featureinfoFormats: WmtsServiceConfig['featureinfoFormats'] = [];
  (r.list('featureinfo_formats') ?? []).forEach((item, i) => {
    const fr = MapReader.of(r.ctx, joinPath(r.keyPath('featureinfo_formats'), i), item);
    const mimetype = fr.reqStr('mimetype');
    if (!mimetype.includes('/')) throw fr.error('mimetype', `expected a mime type like 'text/html', got '${mimetype}'`);
    const suffix = fr.str('suffix') ?? mimetype.split('/').pop()!;
    // REST requests name the format by suffix ({InfoFormat} matches word characters only)
    if (!/^\w+$/.test(suffix)) throw fr.error('suffix', `expected letters, digits or '_' (the {InfoFormat} of REST URLs), got '${suffix}'`);
    featureinfoFormats.push({ mimetype, suffix });
    fr.finish();
  });
  const inspire = r.map('inspire_md');
  return {
    kvp: kvp ?? false,
    restful: restful ?? false,
    restfulTemplate,
    restfulFeatureinfoTemplate: r.str('restful_featureinfo_template') ?? DEFAULTS.wmts.restfulFeatureinfoTemplate,
    featureinfoFormats,
    md,
    ...(inspire ? { inspireMd: readInspireMd(inspire) } : {}),
  };
}

/** `max_output_pixels`: a number of pixels or [width, height]; `fallback` when absent. */
function readMaxOutputPixels(r: MapReader, fallback: number): number {
  const mop = r.get('max_output_pixels');
  if (typeof mop === 'number' && mop > 0) return mop;
  if (Array.isArray(mop) && mop.length === 2 && mop.every((n) => typeof n === 'number' && n > 0)) return (mop[0] as number) * (mop[1] as number);
  if (mop !== undefined && mop !== null) throw r.error('max_output_pixels', `expected a number of pixels or [width, height], got ${describeValue(mop)}`);
  return fallback;
}
