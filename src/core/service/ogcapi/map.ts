import { bboxUnion, type BBox } from '../../geo/bbox.js';
import { MapExtent } from '../../geo/extent.js';
import { getSRS } from '../../geo/srs.js';
import type { CoreRequest, CoreResponse } from '../../http.js';
import { WHITE } from '../../image/raw-image.js';
import { RequestError } from '../request-error.js';
import { renderGetMap } from '../wms/get-map.js';
import { MAX_IMAGE_SIDE } from '../wms/request.js';
import type { Background } from './background.js';
import { background } from './background.js';
import { ogcCrsUri } from '../../geo/ogc-crs-uri.js';
import { northFirst } from './crs.js';
import { OgcApiError } from './errors.js';
import { mapArea, type MapArea } from './map-extent.js';
import { checkParams, imageFormat, type MapFormat } from './negotiation.js';
import type { Published } from './published.js';
import type { OgcRequest } from './request-context.js';

const MAP_PARAMS = ['f', 'crs', 'bbox-crs', 'bbox', 'center-crs', 'center', 'subset', 'subset-crs', 'width', 'height', 'scale-denominator', 'mm-per-pixel', 'bgcolor', 'transparent'];

/** A map to draw: which named layers, where, in which format, on which background. */
export interface MapJob {
  readonly layers: readonly string[];
  readonly area: MapArea;
  readonly format: MapFormat;
  readonly background: Background;
  /** What the authorization and decorate_img hooks are asked: a map, or a tile drawn as one. */
  readonly authService: 'ogcapi.map' | 'ogcapi.tile';
}

/** `%.17g` of Python: the shortest exact form is what clients parse back anyway. */
const g17 = (n: number): string => String(n);

/** Content-Crs (except for EPSG:4326, whose CRS84 order is the default) and Content-Bbox in the CRS's axis order. */
function georeferenceHeaders(area: MapArea): Record<string, string> {
  const headers: Record<string, string> = {};
  const b = area.bbox;
  if (area.srs.code !== 'EPSG:4326') headers['Content-Crs'] = `<${ogcCrsUri(area.srs.code)}>`;
  const ordered = northFirst(area.srs) && area.srs.code !== 'EPSG:4326' ? [b[1], b[0], b[3], b[2]] : [...b];
  headers['Content-Bbox'] = ordered.map(g17).join(',');
  return headers;
}

/** The union of the layers' extents in the map's CRS, or null when one of them is unbounded. */
function layersExtent(pub: Published, layers: readonly string[], area: MapArea): BBox | null {
  let union: BBox | null = null;
  for (const name of layers) {
    const extent = pub.collections.get(name)!.extent;
    if (extent.isDefault) return null;
    let b: BBox;
    try {
      b = extent.bboxFor(area.srs);
    } catch {
      return null;
    }
    union = union ? bboxUnion(union, b) : b;
  }
  return union;
}

/**
 * Draws a map through the same map layers as WMS GetMap (one renderer for both), limited to the layers' extent
 * as MapProxy 7's render_map: outside it the map is background.
 */
export async function renderMap(pub: Published, req: CoreRequest, job: MapJob): Promise<CoreResponse> {
  const format = pub.opts.imageFormats.get(job.format);
  if (!format) throw OgcApiError.notAcceptable(`Unsupported image format ${job.format}`);
  const { area } = job;
  if (Math.max(...area.size) > MAX_IMAGE_SIDE) throw OgcApiError.invalidParameter('image size too large');
  const clip = layersExtent(pub, job.layers, area);
  const bgcolor = job.background.bgcolor ?? WHITE;
  const transparent = job.background.transparent;
  let res: CoreResponse;
  try {
    res = await renderGetMap(
      {
        type: 'map',
        version: '1.1.1',
        layers: [...job.layers],
        srs: area.srs.code,
        bbox: area.bbox,
        size: area.size,
        format: format.mimeType,
        transparent,
        bgcolor,
        dimensions: {},
        tiled: false,
        exc: { version: '1.1.1', imageExceptionsAllowed: false, format: format.mimeType, transparent, bgcolor },
      },
      {
        layers: pub.collections,
        format,
        srsExtents: clip ? [{ srs: area.srs.code, bbox: clip }] : [],
        onSourceErrors: pub.opts.onSourceErrors,
        attribution: pub.opts.attribution,
        // the same authorization as WMS GetMap: forbidden layers refused, limited_to clipped, decorate_img offered
        request: req,
        authService: job.authService,
      },
    );
  } catch (err) {
    if (err instanceof RequestError) {
      if (err.internal) throw OgcApiError.internal(err.message);
      throw OgcApiError.invalidParameter(err.message);
    }
    throw err;
  }
  Object.assign(res.headers, georeferenceHeaders(area));
  return res;
}

/**
 * MapProxy 7's collection page draws with OpenLayers' ImageWMS against the map endpoint: a WMS 1.1.1 style
 * request (SRS, BBOX east first, WIDTH, HEIGHT) is read as crs, bbox and size.
 */
function wmsStyleArea(ctx: OgcRequest, pub: Published): MapArea {
  const p = ctx.params;
  const srsCode = p.get('srs') ?? p.get('crs');
  const bbox = (p.get('bbox') ?? '').split(',').map(Number);
  const size = [Number(p.get('width')), Number(p.get('height'))];
  if (!srsCode || bbox.length !== 4 || bbox.some((n) => !Number.isFinite(n)) || !size.every((n) => Number.isInteger(n) && n > 0)) {
    throw OgcApiError.invalidParameter('a WMS-style map request needs SRS, BBOX, WIDTH and HEIGHT');
  }
  let srs;
  try {
    srs = getSRS(srsCode);
  } catch {
    throw OgcApiError.invalidParameter('crs is not a valid CRS');
  }
  if (!pub.opts.mapSrs.some((s) => getSRS(s).equals(srs))) throw OgcApiError.invalidParameter('crs is incompatible with this layer');
  return { srs, bbox: bbox as unknown as BBox, size: size as unknown as [number, number] };
}

/** `/collections/{id}/map[.png|.jpg]` (collId set) and the dataset's `/map[.png|.jpg]`. */
export async function getMap(pub: Published, ctx: OgcRequest, collId: string | null, filename: string): Promise<CoreResponse> {
  const p = ctx.params;
  const wmsStyle = p.get('service') === 'WMS';
  const collections = p.get('collections');
  if (!wmsStyle) {
    checkParams(p, collId === null && (pub.opts.defaultDatasetLayers || collections) ? [...MAP_PARAMS, 'collections'] : MAP_PARAMS);
    const f = p.get('f');
    if (f !== undefined && f !== 'png' && f !== 'jpeg') throw OgcApiError.invalidParameter('Invalid value for f query parameter');
  }
  const layers = collId === null ? pub.datasetLayers(collections, 'map') : [collId];
  if (collId !== null) pub.collection(collId);
  const format = wmsStyle ? (p.get('format') === 'image/jpeg' ? 'jpeg' : 'png') : imageFormat(ctx.req, p, filename);
  const area = wmsStyle
    ? wmsStyleArea(ctx, pub)
    : mapArea(p, {
        extent: datasetExtent(pub, layers),
        nominalScale: pub.nominalScale(layers),
        layerName: collId ?? 'group_layer',
        mapSrs: pub.opts.mapSrs,
        maxOutputPixels: pub.opts.maxOutputPixels,
      });
  const bg = background(wmsStyle ? undefined : p.get('bgcolor'), wmsStyle ? (p.get('transparent') ?? 'false').toLowerCase() : p.get('transparent'));
  return renderMap(pub, ctx.req, { layers, area, format, background: bg, authService: 'ogcapi.map' });
}

/** The extent of several layers: the union of their extents in their world's geographic CRS (EPSG:4326 on Earth). */
export function datasetExtent(pub: Published, layers: readonly string[]): MapExtent {
  const extents = layers.map((n) => pub.collection(n).extent);
  if (extents.length === 1) return extents[0]!;
  const unbounded = extents.find((e) => e.isDefault);
  if (unbounded) return unbounded;
  const geographic = extents[0]!.srs.geographic;
  return new MapExtent(extents.map((e) => e.bboxFor(geographic)).reduce((a, b) => bboxUnion(a, b)), geographic);
}
