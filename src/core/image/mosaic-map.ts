import type { BBox, Size } from '../geo/bbox.js';
import { mosaicPng } from '../native/mosaic-png.js';
import type { MosaicWindow } from './compose.js';
import type { DeferredPixels } from './image.js';
import { kernelOptions } from './quantize.js';
import type { Resampling } from './raw-image.js';
import { resamplePlan } from './resample-plan.js';
import { resample } from './transform.js';

/**
 * A map of `size` covering `dstBBox`, drawn from a mosaic window covering `srcBBox` (same SRS) as resample() draws
 * it, but only when someone needs its pixels: a map that is only encoded as a paletted PNG (a WMS GetMap from a
 * cache, MapProxy's default format) is drawn, quantized and written in one native call, and neither the window nor
 * the map ever becomes a JavaScript buffer for V8's garbage collector to count and collect.
 */
export function resampledMosaic(src: MosaicWindow, srcBBox: BBox, dstBBox: BBox, size: Size, method: Resampling): DeferredPixels {
  return {
    size,
    draw: () => resample(src, srcBBox, dstBBox, size, method),
    palettedPng: (opts) => {
      const plan = resamplePlan([src.width, src.height], srcBBox, dstBBox, size);
      return mosaicPng(src, size[0], size[1], 'crop' in plan ? plan : { extent: plan.extent, method }, kernelOptions(opts));
    },
  };
}
