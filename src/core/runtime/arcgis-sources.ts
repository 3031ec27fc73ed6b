import type { ArcGisSourceConfig } from '../config/types.js';
import { ResolutionRange } from '../geo/resolution-range.js';
import { getSRS } from '../geo/srs.js';
import { ArcGisInfoSource } from '../source/arcgis-info-source.js';
import { ArcGisExportRequest, ArcGisIdentifyRequest } from '../source/arcgis-request.js';
import { arcGisSource } from '../source/arcgis-source.js';
import type { MapSource } from '../source/source.js';
import { HttpWmsTransport } from '../source/wms-transport.js';
import { buildCoverage } from './coverage.js';
import { httpClient, onErrorHandler, type SourceContext } from './sources.js';

/** `type: arcgis` as a map source (MapProxy's ArcGISSourceConfiguration.source). */
export function arcGisMapSource(conf: ArcGisSourceConfig, ctx: SourceContext): MapSource {
  return arcGisSource({
    request: new ArcGisExportRequest(conf.url, conf.reqParams),
    transport: new HttpWmsTransport(httpClient(conf, conf.url, ctx)),
    // image_opts.format (req.format when it names a mime type, else image.format), else the query's
    format: conf.imageOptions.format,
    supportedFormats: conf.supportedFormats.length ? conf.supportedFormats : undefined,
    supportedSrs: conf.supportedSrs.length ? conf.supportedSrs.map((s) => getSRS(s)) : undefined,
    preferredSrcProj: ctx.config.globals.srs.preferredSrcProj,
    transparent: conf.imageOptions.transparent ?? false,
    opacity: conf.imageOptions.opacity,
    coverage: conf.coverage ? buildCoverage(conf.coverage) : undefined,
    resRange: conf.resRange ? new ResolutionRange(conf.resRange.minRes, conf.resRange.maxRes) : undefined,
    resampling: conf.imageOptions.resampling,
    onError: conf.onError.length ? onErrorHandler(conf.onError) : undefined,
  });
}

/** `opts.featureinfo: true` as an identify source (MapProxy's ArcGISSourceConfiguration.fi_source), else null. */
export function arcGisInfoSource(conf: ArcGisSourceConfig, ctx: SourceContext): ArcGisInfoSource | null {
  if (!conf.opts.featureinfo) return null;
  // ArcGISInfoClient: without supported_srs, an `sr` in req is the only SRS the server is asked in
  const sr = conf.reqParams.find(([k]) => k.toLowerCase() === 'sr')?.[1];
  const supported = conf.supportedSrs.length ? conf.supportedSrs : sr ? [`EPSG:${sr}`] : [];
  return new ArcGisInfoSource({
    request: new ArcGisIdentifyRequest(conf.url, conf.reqParams, {
      tolerance: conf.opts.featureinfoTolerance,
      returnGeometry: conf.opts.featureinfoReturnGeometries,
    }),
    transport: new HttpWmsTransport(httpClient(conf, conf.url, ctx)),
    supportedSrs: supported.length ? supported.map((s) => getSRS(s)) : undefined,
    preferredSrcProj: ctx.config.globals.srs.preferredSrcProj,
  });
}
