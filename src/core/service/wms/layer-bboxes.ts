import { bboxIntersection, type BBox } from '../../geo/bbox.js';
import { getSRS, isAxisOrderNE } from '../../geo/srs.js';
import type { WmsLayer } from '../../layer/wms-layer.js';
import type { BBoxSrs } from './options.js';

/** A `bbox_srs` entry resolved: `bbox` undefined means "the layer's own extent in that SRS". */
export interface SrsExtent {
  readonly srs: string;
  readonly bbox?: BBox;
}

const DEFAULT_BBOX_SRS = ['EPSG:3857', 'EPSG:4326', 'EPSG:900913'];

/** `bbox_srs` limited to the enabled SRS; without any, EPSG:3857/4326/900913 (as MapProxy's DEFAULT_EXTENTS). */
export function srsExtents(bboxSrs: readonly BBoxSrs[], enabledSrs: readonly string[]): SrsExtent[] {
  const entries: SrsExtent[] =
    bboxSrs.length > 0
      ? bboxSrs.map((e) => (typeof e === 'string' ? { srs: e } : { srs: e.srs, bbox: e.bbox }))
      : DEFAULT_BBOX_SRS.map((srs) => ({ srs }));
  const seen = new Set<string>();
  return entries.filter((e) => {
    if (!enabledSrs.includes(e.srs) || seen.has(e.srs)) return false;
    seen.add(e.srs);
    return true;
  });
}

/**
 * The BoundingBox entries of a layer: one per `bbox_srs` SRS (the layer extent transformed, the
 * fixed extent, or their intersection), then the layer's native SRS if enabled and not yet listed.
 * `swapAxes` (WMS 1.3.0) writes north-first CRSs in lat/lon order. SRSs the extent cannot be
 * transformed into are left out rather than failing the whole document.
 */
export function layerSrsBBoxes(
  layer: WmsLayer,
  extents: readonly SrsExtent[],
  enabledSrs: readonly string[],
  swapAxes: boolean,
): [string, BBox][] {
  const result: [string, BBox][] = [];
  const swap = (code: string, b: BBox): BBox => (swapAxes && isAxisOrderNE(code) ? [b[1], b[0], b[3], b[2]] : b);
  for (const e of extents) {
    try {
      let bbox: BBox | null;
      const srs = getSRS(e.srs);
      if (!e.bbox) bbox = layer.extent.bboxFor(srs);
      else if (layer.extent.isDefault) bbox = e.bbox;
      else {
        const wgs84 = getSRS('EPSG:4326');
        const a = srs.transformBBoxTo(wgs84, e.bbox);
        const b = layer.extent.bboxFor(wgs84);
        const both = bboxIntersection(a, b);
        bbox = both ? wgs84.transformBBoxTo(srs, both) : null;
      }
      if (bbox) result.push([e.srs, swap(e.srs, bbox)]);
    } catch {
      // not transformable into this SRS: no BoundingBox for it
    }
  }
  const native = layer.extent.srs.code;
  if (!extents.some((e) => e.srs === native) && enabledSrs.includes(native)) {
    result.push([native, swap(native, layer.extent.bbox)]);
  }
  return result;
}

/** Lon/lat bbox of a layer, limited to a fixed EPSG:4326 `bbox_srs` extent and to ±180/±89.999999. */
export function layerLLBBox(layer: WmsLayer, extents: readonly SrsExtent[]): BBox {
  let ll = layer.extent.llbbox;
  const fixed = extents.find((e) => e.srs === 'EPSG:4326' && e.bbox);
  if (fixed?.bbox) ll = bboxIntersection(fixed.bbox, ll) ?? ll;
  return [Math.max(-180, ll[0]), Math.max(-89.999999, ll[1]), Math.min(180, ll[2]), Math.min(89.999999, ll[3])];
}
