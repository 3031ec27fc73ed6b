import type { BBox, Size } from '../geo/bbox.js';
import { coveragePixelRings, type Coverage } from '../geo/coverage.js';
import type { SRS } from '../geo/srs.js';
import { ImageResult } from './image.js';
import { maskImage } from './mask.js';
import { emptyRaw, type RawImage } from './raw-image.js';

/**
 * A coverage with `clip: true` applied to an image showing `bbox` (in `srs`) at `size`: pixels outside the
 * coverage become transparent (holes too; even-odd fill). Returns the image itself when the coverage contains the
 * whole bbox, and a fully transparent one when they do not overlap.
 */
export function clipToCoverage(image: RawImage, coverage: Coverage, bbox: BBox, size: Size, srs: SRS): RawImage {
  if (coverage.contains(bbox, srs)) return image;
  if (!coverage.intersects(bbox, srs)) return emptyRaw(image.width, image.height);
  return maskImage(image, coveragePixelRings(coverage, bbox, size, srs));
}

/**
 * clipToCoverage for an ImageResult answering a map query: untouched (encoded bytes pass through) when the
 * coverage does not clip or contains the query; otherwise a transparent, raw result.
 */
export async function clipImageResult(
  result: ImageResult,
  coverage: Coverage | undefined,
  query: { bbox: BBox; size: Size; srs: SRS },
): Promise<ImageResult> {
  if (!coverage?.clip || coverage.contains(query.bbox, query.srs)) return result;
  const clipped = clipToCoverage(await result.raw(), coverage, query.bbox, query.size, query.srs);
  return ImageResult.fromRaw(clipped, { transparent: true, cacheable: result.cacheable, bgcolor: result.bgcolor });
}
