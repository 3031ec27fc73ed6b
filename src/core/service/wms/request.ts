import type { BBox, Size } from '../../geo/bbox.js';
import { isAxisOrderNE } from '../../geo/srs.js';
import type { RGB } from '../../image/raw-image.js';
import type { RequestParams } from '../../http.js';
import { pyStrList } from '../../util/py-format.js';
import { RequestError } from '../request-error.js';
import type { WmsVersion } from './version.js';

export type WmsRequestType = 'map' | 'featureinfo' | 'capabilities' | 'legendgraphic';

/**
 * What a WMS error response needs to know about the request it answers. Validation mutates it
 * as MapProxy mutates its request params: an invalid FORMAT falls back to PNG for the in-image
 * exception, and an oversized request forbids image exceptions.
 */
export interface ExceptionContext {
  version: WmsVersion;
  /** The EXCEPTIONS parameter; only map-like requests draw image exceptions. */
  exceptions?: string;
  imageExceptionsAllowed: boolean;
  /** Mime type of the in-image exception. */
  format: string;
  size?: Size;
  transparent: boolean;
  bgcolor: RGB;
}

export interface WmsMapRequest {
  readonly type: 'map';
  readonly version: WmsVersion;
  readonly layers: string[];
  /** As requested (1.3.0: CRS), upper-case comparisons are done by the service. */
  readonly srs: string;
  /** minx, miny, maxx, maxy in east/north order (1.3.0 axis order already swapped). */
  readonly bbox: BBox;
  readonly size: Size;
  /** The FORMAT mime type (1.0.0 names like PNG are mapped by validateFormat). */
  format: string;
  readonly transparent: boolean;
  readonly bgcolor: RGB;
  readonly dimensions: Record<string, string>;
  readonly tiled: boolean;
  readonly exc: ExceptionContext;
}

export interface WmsFeatureInfoRequest extends Omit<WmsMapRequest, 'type'> {
  readonly type: 'featureinfo';
  readonly queryLayers: string[];
  readonly infoFormat?: string;
}

export interface WmsCapabilitiesRequest {
  readonly type: 'capabilities';
  readonly version: WmsVersion;
  readonly exc: ExceptionContext;
}

export interface WmsLegendGraphicRequest {
  readonly type: 'legendgraphic';
  readonly version: WmsVersion;
  readonly layer: string;
  readonly format: string;
  readonly exc: ExceptionContext;
}

export type WmsRequest = WmsMapRequest | WmsFeatureInfoRequest | WmsCapabilitiesRequest | WmsLegendGraphicRequest;

/** REQUEST values and their aliases (WMS 1.0.0 used 'map', 'feature_info', 'capabilities'). */
export function parseRequestType(params: RequestParams): string | undefined {
  const r = params.get('request')?.toLowerCase();
  if (r === undefined) return undefined;
  if (r === 'getmap' || r === 'map') return 'map';
  if (r === 'getfeatureinfo' || r === 'feature_info') return 'featureinfo';
  if (r === 'getcapabilities' || r === 'capabilities') return 'capabilities';
  if (r === 'getlegendgraphic') return 'legendgraphic';
  return r;
}

export function parseBgcolor(value: string | undefined): RGB {
  if (!value) return [255, 255, 255];
  const hex = value.replace(/^(0x|#)/i, '');
  if (!/^[0-9a-f]{6}$/i.test(hex)) return [255, 255, 255];
  const n = Number.parseInt(hex, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function parseSize(params: RequestParams): Size | undefined {
  const w = params.get('width');
  const h = params.get('height');
  if (w === undefined || h === undefined) return undefined;
  // MapProxy accepts float sizes ('100.0') and truncates them.
  const width = Math.trunc(Number(w));
  const height = Math.trunc(Number(h));
  if (!Number.isFinite(width) || !Number.isFinite(height) || w.trim() === '' || h.trim() === '') return undefined;
  return [width, height];
}

/**
 * The longest side of an image we draw: text (messages, the debug source) is rendered through librsvg,
 * which stops at 32767 pixels; JPEG and GIF stop at 65535.
 */
export const MAX_IMAGE_SIDE = 32_767;

/**
 * The error context of a request of `type`, built before any validation so every error can be rendered.
 * A size beyond `maxOutputPixels` (0: no limit) gets an XML exception: an error is never drawn into an
 * image larger than a map may be, whichever check fails first.
 */
export function exceptionContext(params: RequestParams, version: WmsVersion, type: string | undefined, maxOutputPixels: number): ExceptionContext {
  const size = parseSize(params);
  const sizeAllowed = !size || (Math.max(...size) <= MAX_IMAGE_SIDE && (maxOutputPixels <= 0 || size[0] * size[1] <= maxOutputPixels));
  return {
    version,
    exceptions: params.get('exceptions'),
    imageExceptionsAllowed: type !== 'capabilities' && sizeAllowed,
    format: params.get('format') ?? '',
    size,
    transparent: (params.get('transparent') ?? 'false').toLowerCase() === 'true',
    bgcolor: parseBgcolor(params.get('bgcolor')),
  };
}

function listParam(params: RequestParams, name: string): string[] {
  return params.getAll(name).flatMap((v) => v.split(','));
}

function requiredParams(type: 'map' | 'featureinfo', version: WmsVersion): string[] {
  const base =
    version === '1.0.0'
      ? ['wmtver', 'request', 'layers', 'styles', 'srs', 'bbox', 'width', 'height', 'format']
      : version === '1.3.0'
        ? ['version', 'request', 'layers', 'styles', 'crs', 'bbox', 'width', 'height', 'format']
        : ['version', 'request', 'layers', 'styles', 'srs', 'bbox', 'width', 'height', 'format'];
  if (type === 'featureinfo') base.push(...(version === '1.3.0' ? ['query_layers', 'i', 'j'] : ['query_layers', 'x', 'y']));
  return base;
}

function checkMissing(params: RequestParams, expected: string[], skip: ReadonlySet<string>, exc: ExceptionContext): void {
  const missing = expected.filter((p) => !skip.has(p) && !params.has(p));
  if (missing.length > 0) {
    if (missing.includes('format')) exc.format = 'image/png';
    throw new RequestError(`missing parameters ${pyStrList(missing)}`);
  }
}

const ALLOWED_STYLES = new Set(['default', '', 'inspire_common:DEFAULT']);

/**
 * Parses and validates a GetMap or GetFeatureInfo request in MapProxy's order: required
 * parameters, bbox, styles. Service-dependent checks (size limit, layers, format, SRS) follow in
 * the service. WMS 1.3.0 bboxes are swapped to east/north order for north-first CRSs.
 */
export function parseMapRequest(
  params: RequestParams,
  version: WmsVersion,
  type: 'map' | 'featureinfo',
  exc: ExceptionContext,
  strict: boolean,
): WmsMapRequest | WmsFeatureInfoRequest {
  const nonStrict = type === 'featureinfo' && !strict ? new Set(['format', 'styles']) : new Set<string>();
  checkMissing(params, requiredParams(type, version), nonStrict, exc);

  const rawBBox = params.get('bbox') ?? '';
  const nums = rawBBox.split(',').map((v) => (v.trim() === '' ? Number.NaN : Number(v)));
  if (nums.length !== 4 || nums.some((n) => !Number.isFinite(n)) || nums[0] >= nums[2] || nums[1] >= nums[3]) {
    throw new RequestError(`invalid bbox ${rawBBox}`);
  }

  const styles = params.get('styles');
  if (styles !== undefined && !styles.split(',').every((s) => ALLOWED_STYLES.has(s))) {
    throw new RequestError(`unsupported styles: ${styles}`, { code: 'StyleNotDefined' });
  }

  const size = exc.size;
  if (!size || size[0] <= 0 || size[1] <= 0) throw new RequestError(`invalid size ${params.get('width')}x${params.get('height')}`);

  const srs = (version === '1.3.0' ? params.get('crs') : params.get('srs')) ?? '';
  let bbox: BBox = [nums[0], nums[1], nums[2], nums[3]];
  if (version === '1.3.0' && safeAxisOrderNE(srs)) bbox = [bbox[1], bbox[0], bbox[3], bbox[2]];

  const dimensions: Record<string, string> = {};
  if (version !== '1.0.0') {
    for (const key of params.keys()) {
      if (/^dim_/i.test(key) || /^(time|elevation)$/i.test(key)) dimensions[key] = params.get(key)!;
    }
  }

  const common = {
    version,
    layers: listParam(params, 'layers'),
    srs,
    bbox,
    size,
    format: params.get('format') ?? '',
    transparent: exc.transparent,
    bgcolor: exc.bgcolor,
    dimensions,
    tiled: (params.get('tiled') ?? 'false').toLowerCase() === 'true',
    exc,
  };
  if (type === 'map') return { type, ...common };
  return {
    type,
    ...common,
    queryLayers: listParam(params, 'query_layers'),
    infoFormat: params.get('info_format'),
  };
}

function safeAxisOrderNE(code: string): boolean {
  try {
    return isAxisOrderNE(code);
  } catch {
    return false;
  }
}

/** GetLegendGraphic (1.1.1 and 1.3.0): LAYER, FORMAT and SLD_VERSION 1.1.0. */
export function parseLegendGraphicRequest(
  params: RequestParams,
  version: WmsVersion,
  exc: ExceptionContext,
  strict: boolean,
): WmsLegendGraphicRequest {
  const skip = strict ? new Set<string>() : new Set(['sld_version', 'scale']);
  checkMissing(params, ['version', 'request', 'layer', 'format', 'sld_version'], skip, exc);
  const sld = params.get('sld_version') ?? '1.1.0';
  if (sld !== '1.1.0') throw new RequestError(`invalid sld_version ${sld}`);
  return { type: 'legendgraphic', version, layer: params.get('layer')!, format: params.get('format')!, exc };
}

/**
 * FORMAT must be one of the enabled mime types. WMS 1.0.0 names formats ('PNG', 'JPEG') and they
 * are mapped to the mime types first. On failure the in-image exception falls back to PNG.
 */
export function validateFormat(req: WmsMapRequest | WmsFeatureInfoRequest, mimeTypes: readonly string[]): void {
  let format = req.format;
  if (req.version === '1.0.0') {
    const names = mimeTypes.map((m) => m.split('/', 2)[1]?.toUpperCase());
    if (names.includes(format)) {
      format = `image/${format.toLowerCase()}`;
      req.format = format;
      req.exc.format = format;
    }
  }
  if (!mimeTypes.includes(format)) {
    req.exc.format = 'image/png';
    throw new RequestError(`unsupported image format: ${req.format}`, { code: 'InvalidFormat' });
  }
}

export function validateSrs(req: WmsMapRequest | WmsFeatureInfoRequest, srs: readonly string[]): void {
  if (!srs.includes(req.srs.toUpperCase())) {
    if (req.version === '1.3.0') throw new RequestError(`unsupported crs: ${req.srs}`, { code: 'InvalidCRS' });
    throw new RequestError(`unsupported srs: ${req.srs}`, { code: 'InvalidSRS' });
  }
}
