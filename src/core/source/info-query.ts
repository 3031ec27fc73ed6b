import type { BBox, Size } from '../geo/bbox.js';
import type { SRS } from '../geo/srs.js';
import type { FeatureInfoDoc } from './featureinfo-doc.js';

/**
 * One feature-info click: the map the client saw (bbox, size, SRS) and the pixel it clicked
 * (MapProxy's InfoQuery). `pos` keeps what the client sent: integers, or floats when it sent
 * a decimal point (MapProxy keeps those as floats too and forwards them so).
 */
export interface InfoQuery {
  readonly bbox: BBox;
  readonly size: Size;
  readonly srs: SRS;
  readonly pos: readonly [number, number];
  /** True when the client's X/Y (I/J) had a decimal point: they are forwarded as floats. */
  readonly floatPos?: boolean;
  /** INFO_FORMAT of the client, forwarded when the source does not fix one. */
  readonly infoFormat?: string;
  /** FORMAT of the client (image format of the map it clicked), forwarded when the source fixes none. */
  readonly format?: string;
  /** FEATURE_COUNT as the client wrote it. */
  readonly featureCount?: string;
}

/** Something that answers feature-info clicks: null when it has nothing to say about this point. */
export interface InfoSource {
  getInfo(query: InfoQuery): Promise<FeatureInfoDoc | null>;
}

/**
 * The clicked point in the query's SRS: the pixel position mapped linearly from the image
 * (0,0 top left … width,height bottom right) onto the bbox, as MapProxy's make_lin_transf does.
 */
export function infoCoord(query: Pick<InfoQuery, 'bbox' | 'size' | 'pos'>): [number, number] {
  return pixelToMap(query.bbox, query.size, query.pos);
}

/**
 * MapProxy's make_lin_transf between an image rectangle (y down) and a map rectangle (y up), with its
 * exact order of operations, so forwarded positions agree with MapProxy's to the last bit.
 */
function linearTransform(src: readonly number[], dst: readonly number[]): (p: readonly [number, number]) => [number, number] {
  return ([x, y]) => [
    dst[0] + ((x - src[0]) * (dst[2] - dst[0])) / (src[2] - src[0]),
    dst[1] + ((src[3] - y) * (dst[3] - dst[1])) / (src[3] - src[1]),
  ];
}

/** Pixel (top-left origin) → map coordinate in `bbox`. */
export function pixelToMap(bbox: BBox, size: Size, pos: readonly [number, number]): [number, number] {
  return linearTransform([0, 0, size[0], size[1]], bbox)(pos);
}

/** Map coordinate in `bbox` → pixel (top-left origin), unrounded. */
export function mapToPixel(bbox: BBox, size: Size, coord: readonly [number, number]): [number, number] {
  return linearTransform(bbox, [0, 0, size[0], size[1]])(coord);
}
