import { bboxHeight, bboxWidth, type BBox, type Size } from './bbox.js';

export type ResFactor = number | 'sqrt2';

/** Resolution that shows the whole bbox in one tile: the default for level 0. */
export function wholeBBoxRes(bbox: BBox, tileSize: Size): number {
  return Math.max(bboxWidth(bbox) / tileSize[0], bboxHeight(bbox) / tileSize[1]);
}

/** Highest resolution needed to draw `bbox` into an image of `size` (MapProxy's get_resolution). */
export function getResolution(bbox: BBox, size: Size): number {
  const w = Math.abs(bbox[0] - bbox[2]);
  const h = Math.abs(bbox[1] - bbox[3]);
  return Math.min(w / size[0], h / size[1]);
}

/**
 * The resolution list of MapProxy's `resolutions()`: from `minRes` (default: whole bbox in one tile), either
 * log-spaced down to `maxRes` in `numLevels` steps, or divided by `resFactor` until `maxRes` would be passed,
 * or `numLevels` levels (default 20, 40 for sqrt2) divided by `resFactor`.
 */
export function calcResolutions(opts: {
  minRes?: number; maxRes?: number; resFactor?: ResFactor; numLevels?: number; bbox: BBox; tileSize: Size;
}): number[] {
  const factor = opts.resFactor === 'sqrt2' ? Math.SQRT2 : opts.resFactor ?? 2;
  if (!(factor > 0) || factor === 1) throw new RangeError(`invalid res_factor ${String(opts.resFactor)}`);
  const minRes = opts.minRes || wholeBBoxRes(opts.bbox, opts.tileSize);
  const res: number[] = [minRes];
  if (opts.maxRes) {
    if (opts.numLevels) {
      const step = (Math.log10(minRes) - Math.log10(opts.maxRes)) / (opts.numLevels - 1);
      for (let i = 1; i < opts.numLevels; i++) res.push(10 ** (Math.log10(minRes) - step * i));
    } else {
      for (;;) {
        const next = res[res.length - 1]! / factor;
        if (opts.maxRes >= next) break;
        res.push(next);
      }
    }
  } else {
    const numLevels = opts.numLevels || (factor !== Math.SQRT2 ? 20 : 40);
    while (res.length < numLevels) res.push(res[res.length - 1]! / factor);
  }
  return res;
}

const round8 = (v: number) => Math.round(v * 1e8) / 1e8;

/**
 * Resolutions taken from another grid (`align_resolutions_with`), filtered by min/max/num_levels; a sqrt2 grid
 * aligned with a factor-2 grid gets the intermediate levels added, a factor-2 grid aligned with a sqrt2 grid keeps
 * every second level (MapProxy's aligned_resolutions).
 */
export function alignedResolutions(opts: {
  alignWith: readonly number[]; minRes?: number; maxRes?: number; resFactor?: ResFactor; numLevels?: number;
  bbox: BBox; tileSize: Size;
}): number[] {
  const minRes = opts.minRes || wholeBBoxRes(opts.bbox, opts.tileSize);
  let res = opts.alignWith.filter((r) => r <= minRes);
  if (opts.maxRes) res = res.filter((r) => r >= opts.maxRes!);
  if (opts.numLevels) res = res.slice(0, opts.numLevels);
  if (res.length < 2) return res;
  const factor = round8(res[0]! / res[1]!);
  const resFactor = opts.resFactor ?? 2;
  if (resFactor === 'sqrt2' && factor !== round8(Math.SQRT2)) {
    if (factor === 2) res = res.flatMap((r) => [r, r / Math.SQRT2]);
  } else if (resFactor === 2 && factor !== 2) {
    if (factor === round8(Math.SQRT2)) res = res.filter((_, i) => i % 2 === 0);
  }
  return res;
}
