import type { BBox, Point, Size } from '../geo/bbox.js';
import type { PixelExtent } from '../native/resample.js';

/** How a map is drawn from a source of the same SRS: a crop at a pixel offset, or Pillow's EXTENT in source pixels. */
export type ResamplePlan = { readonly crop: Point } | { readonly extent: PixelExtent };

/**
 * The plan transform.ts's resample() follows for a source of `srcSize` covering `srcBBox`, drawn to
 * `dstBBox`/`dstSize`: a plain crop when the resolutions agree to a tenth of a pixel over the whole image (as
 * MapProxy rounds it), else the extent of the map in source pixels exactly as MapProxy's make_lin_transf computes
 * it (same operations, same order). test/unit/image-mosaic-map.test.ts holds the two to the same pixels.
 */
export function resamplePlan([sw, sh]: Size, srcBBox: BBox, dstBBox: BBox, [dw, dh]: Size): ResamplePlan {
  const srcResX = (srcBBox[2] - srcBBox[0]) / sw;
  const srcResY = (srcBBox[3] - srcBBox[1]) / sh;
  const dstResX = (dstBBox[2] - dstBBox[0]) / dw;
  const dstResY = (dstBBox[3] - dstBBox[1]) / dh;
  if (Math.abs(srcResX - dstResX) * dw < 0.1 * Math.abs(dstResX) && Math.abs(srcResY - dstResY) * dh < 0.1 * Math.abs(dstResY)) {
    return { crop: [Math.round((dstBBox[0] - srcBBox[0]) / srcResX), Math.round((srcBBox[3] - dstBBox[3]) / srcResY)] };
  }
  const toPx = ([x, y]: Point): Point => [((x - srcBBox[0]) * sw) / (srcBBox[2] - srcBBox[0]), ((srcBBox[3] - y) * sh) / (srcBBox[3] - srcBBox[1])];
  const [minx, miny] = toPx([dstBBox[0], dstBBox[3]]);
  const [maxx, maxy] = toPx([dstBBox[2], dstBBox[1]]);
  return { extent: [minx, miny, maxx, maxy] };
}
