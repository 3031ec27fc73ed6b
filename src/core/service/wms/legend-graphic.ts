import type { CoreResponse } from '../../http.js';
import type { ImageFormat } from '../../image/format.js';
import type { WmsLayer } from '../../layer/wms-layer.js';
import { concatLegends } from '../../source/legend-concat.js';
import { encodeLegend } from '../../source/legend-encode.js';
import type { LegendQuery } from '../../source/legend-query.js';
import { RequestError } from '../request-error.js';
import { serviceResponse } from '../response.js';
import type { WmsLegendGraphicRequest } from './request.js';

export interface LegendGraphicContext {
  readonly layers: ReadonlyMap<string, WmsLayer>;
  readonly imageFormats: readonly ImageFormat[];
}

/** SCALE as MapProxy reads it (Python's float()); absent or empty: no scale. */
export function parseScale(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const scale = Number(value.trim());
  if (!Number.isFinite(scale)) throw new RequestError(`invalid scale ${value}`);
  return scale;
}

/**
 * Answers a validated GetLegendGraphic as MapProxy 7 does: an unknown layer is LayerNotDefined, a
 * layer without legends a 404 ServiceException; otherwise the legends of the layer's sources are
 * fetched (or read from the legend cache) with the client's FORMAT and SCALE, stacked (the first
 * source at the bottom) and encoded in the requested format of the service.
 *
 * FORMAT=application/json asks the sources for JSON legends (MapProxy 7).
 *
 * Where MapProxy fails with an internal error we answer a ServiceException: a FORMAT the service
 * does not offer (InvalidFormat) and a SCALE that is not a number.
 */
export async function answerLegendGraphic(req: WmsLegendGraphicRequest, scaleParam: string | undefined, ctx: LegendGraphicContext): Promise<CoreResponse> {
  const layer = ctx.layers.get(req.layer);
  if (!layer) throw new RequestError(`unknown layer: ${req.layer}`, { code: 'LayerNotDefined' });
  if (!layer.legends) throw new RequestError(`layer ${req.layer} has no legend graphic`, { status: 404 });
  if (req.format === 'application/json') {
    // MapProxy 7 answers with the first source's legend, its clients' JSON merged
    const json = await layer.legends.sources[0]!.getJsonLegend({ format: req.format, scale: parseScale(scaleParam) });
    return serviceResponse(json, { mimetype: 'application/json' });
  }
  const format = ctx.imageFormats.find((f) => f.mimeType === req.format);
  if (!format) throw new RequestError(`unsupported image format: ${req.format}`, { code: 'InvalidFormat' });
  const query: LegendQuery = { format: `image/${format.ext}`, scale: parseScale(scaleParam) };
  const legends = await Promise.all(layer.legends.sources.map((s) => s.getLegend(query)));
  const legend = await concatLegends(legends);
  return serviceResponse(await encodeLegend(legend, format), { mimetype: req.format });
}
