import type { BBox, Point, Size } from '../geo/bbox.js';
import { composeMosaicImage, type MosaicWindow } from './compose.js';
import { resampleExtent } from '../native/resample.js';
import { warpAxes, warpMesh } from '../native/warp.js';
import { warpPng } from '../native/warp-png.js';
import type { DeferredPixels } from './image.js';
import { PixelMapping } from './pixel-mapping.js';
import { kernelOptions } from './quantize.js';
import type { RawImage, Resampling } from './raw-image.js';
import { resamplePlan } from './resample-plan.js';
import { cropImage } from './split.js';
import { separableAxes, type Axes } from './warp-axes.js';
import { buildMesh, type Mesh, type MeshOptions } from './warp-mesh.js';

/**
 * Cut `dstBBox` out of `src` (covering `srcBBox`, same SRS) and scale it to `dstSize` (MapProxy's
 * ImageTransformer._transform_simple, Pillow's EXTENT transform in the native kernels): every destination pixel
 * centre is mapped linearly into the source, so fractional offsets of unaligned tiles are honoured. Outside the
 * source the result is transparent. `src` may be a mosaic window, which the kernel composes itself. The pixels
 * of big maps are computed on the libuv pool (native/pool.ts).
 */
export async function resample(src: RawImage | MosaicWindow, srcBBox: BBox, dstBBox: BBox, dstSize: Size, method: Resampling = 'bicubic'): Promise<RawImage> {
  const [dw, dh] = dstSize;
  const plan = resamplePlan([src.width, src.height], srcBBox, dstBBox, dstSize);
  if ('crop' in plan) return cropImage('geometry' in src ? await composeMosaicImage(src) : src, plan.crop, dstSize, { transparent: true });
  const out: RawImage = { data: Buffer.allocUnsafeSlow(dw * dh * 4), width: dw, height: dh };
  if (dw === 0 || dh === 0) return out;
  await resampleExtent(src, out, plan.extent, method);
  return out;
}

export type WarpOptions = MeshOptions;

/** Where a reprojected map samples its source: separable axes, or a mesh (quads and exact points). */
export type WarpPlan = Axes | Mesh;

/**
 * How a map of `dstSize` covering `dstBBox` samples a source of `srcSize` covering `srcBBox` (MapProxy's mesh
 * transform): `dstToSrc` maps destination SRS coordinates to source SRS coordinates (batched). A separable mapping
 * (warp-axes.ts: EPSG:4326 ↔ EPSG:3857) samples every pixel at its exact position, rows and columns filtered apart;
 * any other gets a mesh accurate to `maxErrorPx` (warp-mesh.ts), filled as Pillow's MESH transform fills it. Both
 * are computed here, in JavaScript, because they need the projection; the kernels fill them.
 */
export function warpPlan(srcSize: Size, srcBBox: BBox, dstBBox: BBox, dstSize: Size, dstToSrc: (pts: Point[]) => Point[], opts: WarpOptions = {}): WarpPlan {
  const mapping = new PixelMapping(srcBBox, srcSize, dstBBox, dstSize, dstToSrc);
  return separableAxes(mapping) ?? buildMesh(mapping, opts);
}

/** The pixels of `plan` filled from `src` (on the libuv pool for big maps); transparent where nothing maps. */
async function drawWarp(src: RawImage | MosaicWindow, dstSize: Size, plan: () => WarpPlan, method: Resampling): Promise<RawImage> {
  const [dw, dh] = dstSize;
  const out: RawImage = { data: Buffer.allocUnsafeSlow(dw * dh * 4), width: dw, height: dh };
  if (dw === 0 || dh === 0) return out;
  const p = plan();
  await ('xs' in p ? warpAxes(src, out, p.xs, p.ys, method) : warpMesh(src, out, p.quads, p.points, method));
  return out;
}

/**
 * Reproject `src` (covering `srcBBox` in the source SRS) to `dstBBox`/`dstSize` as warpPlan() says. Destination
 * pixels that fall outside the source, or where `dstToSrc` fails, are transparent. `src` may be a mosaic window,
 * which the kernels compose themselves.
 */
export function warp(
  src: RawImage | MosaicWindow,
  srcBBox: BBox,
  dstBBox: BBox,
  dstSize: Size,
  dstToSrc: (pts: Point[]) => Point[],
  method: Resampling = 'bicubic',
  opts: WarpOptions = {},
): Promise<RawImage> {
  return drawWarp(src, dstSize, () => warpPlan([src.width, src.height], srcBBox, dstBBox, dstSize, dstToSrc, opts), method);
}

/**
 * warp() of a mosaic window, drawn only when someone needs its pixels: a map that is only encoded as a paletted
 * PNG (a reprojected WMS GetMap from a cache, MapProxy's default format) is warped, quantized and written in one
 * native call (native/warp-png.ts), and neither the window nor the map ever becomes a JavaScript buffer. The plan
 * is made once, by whichever comes first.
 */
export function warpedMosaic(
  src: MosaicWindow, srcBBox: BBox, dstBBox: BBox, size: Size, dstToSrc: (pts: Point[]) => Point[], method: Resampling, opts: WarpOptions = {},
): DeferredPixels {
  let made: WarpPlan | undefined;
  const plan = (): WarpPlan => (made ??= warpPlan([src.width, src.height], srcBBox, dstBBox, size, dstToSrc, opts));
  return {
    size,
    draw: () => drawWarp(src, size, plan, method),
    palettedPng: (q) => warpPng(src, size[0], size[1], plan(), method, kernelOptions(q)),
  };
}
