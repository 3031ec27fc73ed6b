import { bboxContains, bboxIntersection, type BBox } from '../../geo/bbox.js';
import { getSRS, TransformationError, type SRS } from '../../geo/srs.js';
import { blankImage } from '../../image/blank.js';
import type { ImageFormat } from '../../image/format.js';
import { ImageResult } from '../../image/image.js';
import { mergeImages, type MergeLayer } from '../../image/merge.js';
import { messageImage } from '../../image/message.js';
import { pasteImage } from '../../image/split.js';
import type { CoreRequest, CoreResponse } from '../../http.js';
import { MapQueryError, type MapLayer } from '../../layer/map-layer.js';
import type { WmsLayer } from '../../layer/wms-layer.js';
import type { MapQuery } from '../../source/source.js';
import { isSourceError, RequestError } from '../request-error.js';
import { serviceResponse } from '../response.js';
import type { SrsExtent } from './layer-bboxes.js';
import type { WmsMapRequest } from './request.js';
import { bboxPositionInImage } from '../../geo/bbox-position.js';
import type { Coverage } from '../../geo/coverage.js';
import { clipImageResult } from '../../image/clip.js';
import { clipMergedMap, decorateMap } from '../../auth/map-image.js';
import { mapLayersByName } from '../../auth/map-layers-by-name.js';
import { permittedMapLayers, type MapAuthService } from '../../auth/map-authorization.js';
import { wmscTileResponse } from './wmsc-tile-response.js';

export interface GetMapContext {
  layers: ReadonlyMap<string, WmsLayer>;
  format: ImageFormat;
  srsExtents: readonly SrsExtent[];
  onSourceErrors: 'notify' | 'raise';
  attribution?: { text: string };
  /** The request, for the authorization and decorate_img hooks it carries. */
  request?: CoreRequest;
  /** What the hooks are asked as: `wms.map` unless OGC API draws through this renderer. */
  authService?: MapAuthService;
  /** max-age of a stored tile answered as it is by a `tiled=true` request (default: tile-response.ts). */
  maxTileAge?: number;
}

function rendersQuery(layer: WmsLayer, q: MapQuery): boolean {
  return !layer.resRange || layer.resRange.contains(q.bbox, q.size, q.srs);
}

/** A map layer hides everything below it when it is opaque and fully covers the query. */
function mapLayerIsOpaque(l: MapLayer, q: MapQuery): boolean {
  if (l.transparent) return false;
  if (l.opacity !== undefined && l.opacity >= 0 && l.opacity < 0.99) return false;
  const coverage = (l as { readonly coverage?: { contains(bbox: BBox, srs: SRS): boolean } }).coverage;
  return !coverage || coverage.contains(q.bbox, q.srs);
}

/**
 * The map layers to draw, bottom to top, by the name of the layer owning them (MapProxy's actual_layers):
 * requested order, dropping what an opaque later layer hides.
 */
export function selectMapLayers(requested: readonly string[], ctx: GetMapContext, query: MapQuery): Map<string, readonly MapLayer[]> {
  let actual = new Map<string, readonly MapLayer[]>();
  for (const name of requested) {
    const layer = ctx.layers.get(name)!;
    if (!rendersQuery(layer, query)) continue;
    if (layer.mapLayers.some((l) => mapLayerIsOpaque(l, query))) actual = new Map();
    for (const [owner, maps] of mapLayersByName(layer)) actual.set(owner, maps);
  }
  return actual;
}

type Rendered = { layer: MapLayer; image: ImageResult | null } | { layer: MapLayer; error: Error };

async function renderLayer(layer: MapLayer, query: MapQuery, limitedTo: Coverage | null): Promise<Rendered> {
  try {
    const image = await layer.getMap(query);
    // a layer the hook limits is clipped to its limited_to before merging (MapProxy's LimitedLayer)
    return { layer, image: image && limitedTo ? await clipImageResult(image, limitedTo, query) : image };
  } catch (err) {
    if (isSourceError(err)) return { layer, error: err };
    if (err instanceof MapQueryError) throw new RequestError(err.message);
    if (err instanceof TransformationError) throw new RequestError('Could not transform BBOX: Invalid result.');
    throw err;
  }
}

/**
 * Answers a validated GetMap: clips to a fixed `bbox_srs` extent, renders the selected map
 * layers concurrently, merges them bottom to top on the requested background, reports failed
 * sources per `on_source_errors`, and encodes in the requested format.
 */
export async function renderGetMap(req: WmsMapRequest, ctx: GetMapContext): Promise<CoreResponse> {
  let srs: SRS;
  try {
    srs = getSRS(req.srs);
  } catch {
    throw new RequestError(`unsupported srs: ${req.srs}`, { code: 'InvalidSRS' });
  }
  const fullQuery: MapQuery = {
    bbox: req.bbox,
    size: req.size,
    srs,
    format: ctx.format.mimeType,
    transparent: req.transparent,
    bgcolor: req.bgcolor,
    dimensions: req.dimensions,
    ...(req.tiled ? { tiledOnly: true } : {}),
  };
  const canvas = { bgcolor: req.bgcolor, transparent: req.transparent };
  const outFormat: ImageFormat = { ...ctx.format, transparent: req.transparent };
  const respond = async (image: ImageResult, cacheable: boolean) =>
    serviceResponse(await image.encode(outFormat, { bgcolor: req.bgcolor }), {
      contentType: ctx.format.mimeType,
      noCache: !cacheable,
    });

  let query = fullQuery;
  let offset: [number, number] | null = null;
  const fixed = ctx.srsExtents.find((e) => e.srs === req.srs && e.bbox);
  if (fixed?.bbox && !bboxContains(fixed.bbox, req.bbox)) {
    const limited = bboxIntersection(fixed.bbox, req.bbox);
    if (!limited) return respond(ImageResult.fromRaw(blankImage(req.size, canvas), { transparent: req.transparent }), true);
    const pos = bboxPositionInImage(req.bbox, req.size, limited);
    query = { ...fullQuery, bbox: pos.bbox, size: pos.size };
    offset = pos.offset;
  }

  const actual = selectMapLayers(req.layers, ctx, query);
  const permitted = await permittedMapLayers(ctx.request, req.layers, actual, query, ctx.authService);
  const rendered = await Promise.all(permitted.layers.map((p) => renderLayer(p.layer, query, p.limitedTo)));

  const errors: string[] = [];
  const images: { image: ImageResult; opacity?: number }[] = [];
  let cacheable = true;
  for (const r of rendered) {
    if ('error' in r) {
      if (ctx.onSourceErrors === 'raise') throw new RequestError(r.error.message, { internal: true });
      errors.push(r.error.message);
      cacheable = false;
    } else if (r.image) {
      images.push({ image: r.image, opacity: r.layer.opacity });
      if (!r.image.cacheable) cacheable = false;
    }
  }
  if (errors.length > 0 && errors.length === rendered.length) {
    throw new RequestError(`Could not get any sources:\n${errors.join('\n')}`, { internal: true });
  }

  const overlays: MergeLayer[] = [];
  if (errors.length > 0) overlays.push({ image: await messageImage(errors.join('\n'), query.size, { transparent: true }) });
  if (ctx.attribution?.text && !req.tiled) {
    // MapProxy's AttributionImage: small text in the lower right corner on a light translucent box.
    overlays.push({
      image: await messageImage(ctx.attribution.text, query.size, {
        transparent: true,
        fontSize: 10,
        fontFamily: 'DejaVu Sans',
        placement: 'lr',
        boxColor: [255, 255, 255, 120 / 255],
      }),
    });
  }

  let result: ImageResult;
  const only = images.length === 1 && overlays.length === 0 && offset === null && !permitted.coverage ? images[0] : null;
  if (only && (!only.image.transparent || req.transparent) && (only.opacity === undefined || only.opacity >= 1)) {
    // A single image that needs no background: pass its bytes through when the format matches.
    result = only.image;
  } else {
    const raws: MergeLayer[] = [];
    for (const i of images) raws.push({ image: await i.image.raw(), opacity: i.opacity });
    let merged = await mergeImages([...raws, ...overlays], query.size, canvas);
    if (permitted.coverage) merged = await clipMergedMap(merged, permitted.coverage, query, canvas);
    if (offset) {
      const full = blankImage(req.size, canvas);
      pasteImage(full, merged, offset[0], offset[1]);
      result = ImageResult.fromRaw(full, { transparent: req.transparent });
    } else {
      result = ImageResult.fromRaw(merged, { transparent: req.transparent });
    }
  }
  result = await decorateMap(ctx.request, result, [...actual.keys()].filter((n) => permitted.names.has(n)), query, ctx.authService);
  if (req.tiled && result.tileInfo && ctx.request) return wmscTileResponse(ctx.request, result, outFormat, ctx.maxTileAge);
  return respond(result, cacheable);
}
