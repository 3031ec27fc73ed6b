import type { OgcApiMapsSourceConfig, OgcApiTilesSourceConfig } from '../config/types.js';
import { ResolutionRange } from '../geo/resolution-range.js';
import { getSRS } from '../geo/srs.js';
import { OgcApiMapsSource } from '../source/ogcapi-maps-source.js';
import { OgcApiTilesSource } from '../source/ogcapi-tiles-source.js';
import { buildCoverage } from './coverage.js';
import { httpClient, onErrorHandler, type SourceContext } from './sources.js';

export function ogcApiTilesSource(conf: OgcApiTilesSourceConfig, ctx: SourceContext): OgcApiTilesSource {
  return new OgcApiTilesSource({
    landingpageUrl: conf.landingpageUrl,
    ...(conf.collection !== undefined ? { collection: conf.collection } : {}),
    ...(conf.tileMatrixSetId !== undefined ? { tileMatrixSetId: conf.tileMatrixSetId } : {}),
    http: httpClient(conf, conf.landingpageUrl, ctx),
    transparent: conf.imageOptions.transparent ?? false,
    opacity: conf.imageOptions.opacity,
    coverage: conf.coverage ? buildCoverage(conf.coverage) : undefined,
    resRange: conf.resRange ? new ResolutionRange(conf.resRange.minRes, conf.resRange.maxRes) : undefined,
    onError: conf.onError.length ? onErrorHandler(conf.onError) : undefined,
    ...(ctx.log ? { log: ctx.log } : {}),
  });
}

export function ogcApiMapsSource(conf: OgcApiMapsSourceConfig, ctx: SourceContext): OgcApiMapsSource {
  const tc = conf.transparentColor;
  return new OgcApiMapsSource({
    landingpageUrl: conf.landingpageUrl,
    ...(conf.collection !== undefined ? { collection: conf.collection } : {}),
    http: httpClient(conf, conf.landingpageUrl, ctx),
    supportedSrs: conf.supportedSrs.map((s) => getSRS(s)),
    preferredSrcProj: ctx.config.globals.srs.preferredSrcProj,
    format: conf.imageOptions.format,
    transparent: conf.imageOptions.transparent ?? false,
    bgcolor: conf.bgcolor,
    opacity: conf.imageOptions.opacity,
    coverage: conf.coverage ? buildCoverage(conf.coverage) : undefined,
    resRange: conf.resRange ? new ResolutionRange(conf.resRange.minRes, conf.resRange.maxRes) : undefined,
    onError: conf.onError.length ? onErrorHandler(conf.onError) : undefined,
    resampling: conf.imageOptions.resampling,
    transparentColor: tc ? [tc[0], tc[1], tc[2]] : undefined,
    transparentColorTolerance: conf.transparentColorTolerance,
    ...(ctx.log ? { log: ctx.log } : {}),
  });
}
