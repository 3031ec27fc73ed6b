import type { MapReader } from './config-reader.js';
import { DEFAULTS } from './defaults.js';
import type { ResolutionRangeConfig } from './types.js';

/**
 * MapProxy's `resolution_range()` for the scale hints of a source or layer: either min_res/max_res, or
 * min_scale/max_scale converted with 0.28 mm pixels (min_res = max_scale · 0.00028); mixing both is an error.
 */
export function readResolutionRange(r: MapReader): ResolutionRangeConfig | undefined {
  const minRes = r.num('min_res');
  const maxRes = r.num('max_res');
  const minScale = r.num('min_scale');
  const maxScale = r.num('max_scale');
  if (minRes === undefined && maxRes === undefined && minScale === undefined && maxScale === undefined) return undefined;
  const hasRes = !!minRes || !!maxRes;
  const hasScale = !!minScale || !!maxScale;
  if (hasRes && hasScale) {
    throw r.error(hasScale ? (minScale ? 'min_scale' : 'max_scale') : 'min_res', 'requires either min_res/max_res or max_scale/min_scale, not both');
  }
  const out: ResolutionRangeConfig = {};
  if (hasScale) {
    if (maxScale) out.minRes = maxScale * DEFAULTS.ogcPixelSize;
    if (minScale) out.maxRes = minScale * DEFAULTS.ogcPixelSize;
  } else {
    if (minRes) out.minRes = minRes;
    if (maxRes) out.maxRes = maxRes;
  }
  if (out.minRes !== undefined && out.maxRes !== undefined && !(out.minRes > out.maxRes)) {
    const keys = hasScale ? 'min_scale/max_scale' : 'min_res/max_res';
    throw r.error(hasScale ? 'max_scale' : 'min_res', `invalid ${keys}: min_res (the coarser resolution) must be larger than max_res`);
  }
  return out;
}
