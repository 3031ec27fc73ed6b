import type { BBox } from '../../geo/bbox.js';
import type { MapExtent } from '../../geo/extent.js';
import { getSRS, metersPerDegreeOf, type SRS } from '../../geo/srs.js';
import type { Size } from '../../geo/bbox.js';
import { OGC_PIXEL_SIZE } from '../../geo/resolution-range.js';
import { defaultCoordinateCrs, northFirst, parseCrs } from './crs.js';
import { OgcApiError } from './errors.js';
import type { RequestParams } from '../../http.js';

/** The size of a map when the request gives none: 1024 pixels on the longer side (MapProxy 7). */
const DEFAULT_SIZE = 1024;

/** The area, size and CRS a map request asks for, once OGC API Maps' subsetting and scaling rules are applied. */
export interface MapArea {
  readonly bbox: BBox;
  readonly size: Size;
  readonly srs: SRS;
}

/** What the area is computed against: the layer's extent, its nominal scale, the allowed CRS and size limits. */
export interface MapAreaContext {
  readonly extent: MapExtent;
  readonly nominalScale?: number;
  readonly layerName: string;
  readonly mapSrs: readonly string[];
  readonly maxOutputPixels: number;
}

const positiveInt = (params: RequestParams, name: string): number | undefined => {
  const v = params.get(name);
  if (!v) return undefined;
  if (!/^\s*[+-]?\d+\s*$/.test(v)) throw OgcApiError.invalidParameter(`${name} is not an integer`);
  const n = parseInt(v, 10);
  if (n <= 0) throw OgcApiError.invalidParameter(`${name} must be strictly positive`);
  return n;
};

const positiveNumber = (params: RequestParams, name: string, fallback?: number): number | undefined => {
  const v = params.get(name);
  if (!v) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw OgcApiError.invalidParameter(`${name} must be a strictly positive numeric value`);
  return n;
};

/** `width`/`height` as given (each optional, positive integers). */
export function requestedSize(params: RequestParams): { width?: number; height?: number } {
  return { width: positiveInt(params, 'width'), height: positiveInt(params, 'height') };
}

/** `mm-per-pixel` as metres per pixel (default OGC's 0.28 mm). */
export function displayResolution(params: RequestParams): number {
  return positiveNumber(params, 'mm-per-pixel', OGC_PIXEL_SIZE * 1000)! / 1000;
}

/** `scale-denominator`, if given. */
export function scaleDenominator(params: RequestParams): number | undefined {
  return positiveNumber(params, 'scale-denominator');
}

/** A scale denominator as CRS units per pixel (degrees per pixel for lat/lon CRS, on the CRS's own body). */
export function scaleToCrsRes(scale: number, metersPerPixel: number, srs: SRS): number {
  const res = scale * metersPerPixel;
  return srs.isLatLong ? res / metersPerDegreeOf(srs) : res;
}

/** The size limits: a side at most 10 × √max_output_pixels, and at most max_output_pixels pixels. */
export function checkSize(width: number, height: number, maxOutputPixels: number): void {
  if (!(maxOutputPixels > 0)) return;
  const maxSide = Math.trunc(Math.sqrt(maxOutputPixels)) * 10;
  if (width > maxSide) throw OgcApiError.invalidParameter(`width=${width} exceeds max_width=${maxSide}`);
  if (height > maxSide) throw OgcApiError.invalidParameter(`height=${height} exceeds max_height=${maxSide}`);
  if (width * height > maxOutputPixels) throw OgcApiError.invalidParameter(`number of pixels ${width * height} exceed max_pixels=${maxOutputPixels}`);
}

/** A bbox (4 or 6 numbers) in its CRS's axis order, returned east first. */
function parseBBoxParam(value: string, srs: SRS): BBox {
  const nums = value.split(',').map((v) => (v.trim() === '' ? NaN : Number(v)));
  if ((nums.length !== 4 && nums.length !== 6) || nums.some((n) => !Number.isFinite(n))) {
    throw OgcApiError.invalidParameter('bbox must be a list of 4 or 6 numeric values');
  }
  // a 6-value bbox carries minz and maxz, which a map ignores
  let b: number[] = nums.length === 6 ? [nums[0]!, nums[1]!, nums[3]!, nums[4]!] : nums;
  if (b[2]! <= b[0]! || b[3]! <= b[1]!) {
    throw OgcApiError.invalidParameter('bbox[2] must be greater than bbox[0] and bbox[3] must be greater than bbox[1]');
  }
  if (northFirst(srs)) b = [b[1]!, b[0]!, b[3]!, b[2]!];
  return b as unknown as BBox;
}

const X_AXES = new Set(['lon', 'long', 'longitude', 'x', 'e', 'easting']);
const Y_AXES = new Set(['lat', 'latitude', 'y', 'n', 'northing']);

/** `subset=Lon(a:b),Lat(c:d)` (one parameter with both, or two) as a bbox. */
function parseSubset(values: string[]): BBox {
  const parts = values.length === 1 ? values[0]!.split(/,(?![^(]*\))/) : values;
  if (parts.length !== 2) throw OgcApiError.invalidParameter('subset must include 2 axis');
  const b: (number | undefined)[] = [undefined, undefined, undefined, undefined];
  for (const raw of parts) {
    const part = raw.toLowerCase();
    const m = /^(\w+)\(([^)]+)\)$/.exec(part);
    if (!m) throw OgcApiError.invalidParameter(`Invalid subset part ${part}`);
    const range = m[2]!.split(':');
    if (range.length !== 2) throw OgcApiError.invalidParameter(`Only intervals are supported in subset part ${part}`);
    const axis = m[1]!;
    const i = X_AXES.has(axis) ? 0 : Y_AXES.has(axis) ? 1 : -1;
    if (i < 0) throw OgcApiError.invalidParameter(`Unsupported axis name ${axis} in subset part ${part}`);
    if (b[i] !== undefined) throw OgcApiError.invalidParameter(`Axis name ${axis} has been specified in multiple subset parts`);
    const lo = Number(range[0]);
    const hi = Number(range[1]);
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || range.some((r) => r.trim() === '')) {
      throw OgcApiError.invalidParameter(`Non numeric value found in range of subset part ${part}`);
    }
    b[i] = lo;
    b[i + 2] = hi;
  }
  if (b[2]! <= b[0]! || b[3]! <= b[1]!) throw OgcApiError.invalidParameter('Invalid range in subset: first value must be less than second one');
  return b as unknown as BBox;
}

/** The CRS a bbox, center or subset is given in: the parameter, else CRS84 (or the layer's world's geographic CRS). */
function coordinateCrs(params: RequestParams, name: string, extent: MapExtent): SRS {
  const v = params.get(name);
  return v ? parseCrs(v, name) : defaultCoordinateCrs(extent.srs);
}

function transformBBox(bbox: BBox, from: SRS, to: SRS, what: string): BBox {
  try {
    return from.equals(to) ? bbox : from.transformBBoxTo(to, bbox);
  } catch (err) {
    throw OgcApiError.invalidParameter(`${what} cannot be reprojected from ${from.code} to ${to.code}: ${(err as Error).message}`);
  }
}

const aspectOf = (b: BBox): number => (b[2] - b[0]) / (b[3] - b[1]);
const centerOf = (b: BBox): [number, number] => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
const widthFor = (height: number, aspect: number): number => Math.max(1, Math.round(height * aspect));
const heightFor = (width: number, aspect: number): number => Math.max(1, Math.round(width / aspect));

function defaultSize(aspect: number): [number, number] {
  return aspect >= 1 ? [DEFAULT_SIZE, heightFor(DEFAULT_SIZE, aspect)] : [widthFor(DEFAULT_SIZE, aspect), DEFAULT_SIZE];
}

function completeSize(width: number | undefined, height: number | undefined, aspect: number): [number, number] {
  if (!width && !height) return defaultSize(aspect);
  if (width && !height) return [width, heightFor(width, aspect)];
  if (height && !width) return [widthFor(height, aspect), height];
  return [width!, height!];
}

function bboxAround(center: readonly [number, number], size: readonly [number, number], res: number): BBox {
  const w = (size[0] * res) / 2;
  const h = (size[1] * res) / 2;
  return [center[0] - w, center[1] - h, center[0] + w, center[1] + h];
}

/**
 * The map a request asks for (OGC API Maps tables 5, 6 and 9, as MapProxy 7 implements them): the whole layer
 * at 1024 pixels when nothing is given; `bbox`, `center` or `subset` for the area; `width`/`height` and
 * `scale-denominator` for the size, the layer's nominal scale standing in for a missing scale.
 */
export function mapArea(params: RequestParams, ctx: MapAreaContext): MapArea {
  const { width, height } = requestedSize(params);
  const metersPerPixel = displayResolution(params);
  const scale = scaleDenominator(params);
  const bboxParam = params.get('bbox');
  const centerParam = params.get('center');
  const subset = params.getAll('subset');
  if (bboxParam && centerParam) throw OgcApiError.invalidParameter('bbox and center are mutually exclusive');
  if ((bboxParam || centerParam) && subset.length > 0) throw OgcApiError.invalidParameter('(bbox or center) and subset are mutually exclusive');

  const crsParam = params.get('crs');
  let srs: SRS;
  if (crsParam) {
    srs = parseCrs(crsParam, 'crs');
    if (!ctx.mapSrs.some((s) => getSRS(s).equals(srs))) throw OgcApiError.invalidParameter('crs is incompatible with this layer');
  } else srs = getSRS(ctx.mapSrs[0] ?? 'EPSG:4326');

  let bbox: BBox | undefined;
  let center: [number, number] | undefined;
  if (subset.length > 0) {
    bbox = transformBBox(parseSubset(subset), coordinateCrs(params, 'subset-crs', ctx.extent), srs, 'subset');
  } else if (bboxParam) {
    const from = coordinateCrs(params, 'bbox-crs', ctx.extent);
    bbox = transformBBox(parseBBoxParam(bboxParam, from), from, srs, 'bbox');
  } else if (centerParam) {
    const from = coordinateCrs(params, 'center-crs', ctx.extent);
    const nums = centerParam.split(',').map((v) => (v.trim() === '' ? NaN : Number(v)));
    if (nums.length !== 2 || nums.some((n) => !Number.isFinite(n))) throw OgcApiError.invalidParameter('center must be a list of 2 numeric values');
    let c: [number, number] = northFirst(from) ? [nums[1]!, nums[0]!] : [nums[0]!, nums[1]!];
    try {
      if (!from.equals(srs)) c = from.transformTo(srs, [c])[0] as [number, number];
    } catch (err) {
      throw OgcApiError.invalidParameter(`center cannot be reprojected from ${from.code} to ${srs.code}: ${(err as Error).message}`);
    }
    center = c;
  }

  const whole = (): BBox => transformBBox(ctx.extent.bbox, ctx.extent.srs, srs, 'the layer extent');
  const res = (): number => {
    const s = scale ?? ctx.nominalScale;
    if (!s) throw OgcApiError.internal(`Layer ${ctx.layerName} lacks a nominal_res/nominal_scale setting`);
    return scaleToCrsRes(s, metersPerPixel, srs);
  };

  let size: [number, number];
  if (!bbox && !center && !width && !height && !scale) {
    bbox = whole();
    size = defaultSize(aspectOf(bbox));
  } else if (bbox && scale && (width || height)) {
    throw OgcApiError.invalidParameter('bbox and scale-denominator and (width/height) are mutually exclusive');
  } else if (bbox) {
    if (scale) {
      const r = res();
      size = [Math.max(1, Math.round((bbox[2] - bbox[0]) / r)), Math.max(1, Math.round((bbox[3] - bbox[1]) / r))];
    } else size = completeSize(width, height, aspectOf(bbox));
  } else {
    const w = whole();
    size = completeSize(width, height, aspectOf(w));
    bbox = bboxAround(center ?? centerOf(w), size, res());
  }
  checkSize(size[0], size[1], ctx.maxOutputPixels);
  return { bbox, size, srs };
}
