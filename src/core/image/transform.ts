import type { BBox, Point, Size } from '../geo/bbox.js';
import { composeMosaicImage, type MosaicWindow } from './compose.js';
import { resampleExtent } from '../native/resample.js';
import { warpAxes, warpMesh } from '../native/warp.js';
import { PixelMapping } from './pixel-mapping.js';
import type { RawImage, Resampling } from './raw-image.js';
import { resamplePlan } from './resample-plan.js';
import { cropImage } from './split.js';
import { separableAxes } from './warp-axes.js';
import { buildMesh, type MeshOptions } from './warp-mesh.js';

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

/**
 * Reproject `src` (covering `srcBBox` in the source SRS) to `dstBBox`/`dstSize` (MapProxy's mesh transform):
 * `dstToSrc` maps destination SRS coordinates to source SRS coordinates (batched). Destination pixels that fall
 * outside the source, or where `dstToSrc` fails, are transparent. A separable mapping (warp-axes.ts: EPSG:4326 ↔
 * EPSG:3857) samples every pixel at its exact position, rows and columns filtered apart; any other gets a mesh
 * accurate to `maxErrorPx` (warp-mesh.ts), filled as Pillow's MESH transform fills it. Both are computed here
 * (they need the projection) and filled by the native kernels (on the libuv pool for big maps), from `src` or a
 * mosaic window they compose themselves.
 */
export async function warp(
  src: RawImage | MosaicWindow,
  srcBBox: BBox,
  dstBBox: BBox,
  dstSize: Size,
  dstToSrc: (pts: Point[]) => Point[],
  method: Resampling = 'bicubic',
  opts: WarpOptions = {},
): Promise<RawImage> {
  const [dw, dh] = dstSize;
  const out: RawImage = { data: Buffer.allocUnsafeSlow(dw * dh * 4), width: dw, height: dh };
  if (dw === 0 || dh === 0) return out;
  const mapping = new PixelMapping(srcBBox, [src.width, src.height], dstBBox, dstSize, dstToSrc);
  const axes = separableAxes(mapping);
  if (axes) {
    await warpAxes(src, out, axes.xs, axes.ys, method);
  } else {
    const mesh = buildMesh(mapping, opts);
    await warpMesh(src, out, mesh.quads, mesh.points, method);
  }
  return out;
}
