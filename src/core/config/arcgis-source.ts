import type { MapReader } from './config-reader.js';
import { resolveImageOptions } from './image-options.js';
import { httpOf, readCommon, readOnError, readSourceImage, type SourceReadEnv } from './sources.js';
import type { ArcGisSourceConfig, ImageFormatConfig } from './types.js';

/**
 * Python's str() of a YAML value as MapProxy's request parameters hold it: booleans as 'True'/'False' (the
 * ArcGIS request turns `transparent` into a string on purpose), a list as its items joined by ',' (the
 * parameter dictionary keeps each item and writes them comma separated).
 */
function reqValue(v: unknown): string {
  if (Array.isArray(v)) return v.map(reqValue).join(',');
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  return String(v);
}

/** `type: arcgis` as MapProxy 7's ArcGISSourceConfiguration reads it. */
export function readArcGisSource(r: MapReader, name: string, e: SourceReadEnv): ArcGisSourceConfig {
  const common = readCommon(r, name, e.globals);
  const req = r.map('req');
  if (!req) throw r.error('req', 'missing required mapping with at least url');
  const url = req.reqStr('url');
  // MapProxy's spec names dpi, layers, transparent and time; any other key is sent as well, in order
  const reqParams: [string, string][] = [];
  for (const key of req.keys()) {
    if (key === 'url') continue;
    const value = req.get(key);
    if (value !== null && value !== undefined) reqParams.push([key, reqValue(value)]);
  }
  req.finish();

  const o = r.mapOrEmpty('opts');
  const opts = {
    map: o.bool('map') ?? true,
    featureinfo: o.bool('featureinfo') ?? false,
    featureinfoTolerance: o.num('featureinfo_tolerance') ?? 5,
    featureinfoReturnGeometries: o.bool('featureinfo_return_geometries') ?? false,
  };
  if (!opts.featureinfo) {
    for (const key of ['featureinfo_tolerance', 'featureinfo_return_geometries']) {
      if (o.isSet(key)) o.ctx.warn(o.keyPath(key), 'has no effect without featureinfo: true');
    }
  }
  o.finish();

  const transparent = r.bool('transparent');
  const img = readSourceImage(r, e.globals, false);
  const image: ImageFormatConfig = { ...img.image };
  // SourceConfiguration.image_opts: a source-level `transparent` overrides image.transparent
  if (transparent !== undefined) image.transparent = transparent;
  // `req.format` only counts when it names a mime type or a globals.image.formats entry (image_opts(format=…))
  const reqFormat = reqParams.find(([k]) => k === 'format')?.[1];

  const http = httpOf(r, e.globals);
  if (r.map('http')?.isSet('method')) {
    r.ctx.warn(`${r.keyPath('http')}.method`, 'has no effect: ArcGIS requests are always sent with GET');
  }
  const out: ArcGisSourceConfig = {
    type: 'arcgis',
    ...common,
    url,
    reqParams,
    opts,
    supportedSrs: r.strList('supported_srs') ?? [],
    supportedFormats: r.strList('supported_formats') ?? [],
    image,
    imageOptions: resolveImageOptions(e.globals, image, reqFormat),
    http,
    onError: readOnError(r),
  };
  if (transparent !== undefined) out.transparent = transparent;
  return out;
}
