import { ImageResult } from '../image/image.js';
import { clipImageResult } from '../image/clip.js';
import { mergeImages } from '../image/merge.js';
import type { MapQuery, MapSource } from '../source/source.js';

/**
 * Ask every source of a cache for the same query and merge the answers bottom to top.
 * A single source is passed through untouched, so its encoded bytes can be stored as they are.
 * null means no source had anything for this query (a blank result, never stored).
 */
export async function querySources(sources: readonly MapSource[], query: MapQuery): Promise<ImageResult | null> {
  if (sources.length === 1 && !sources[0].coverage?.clip) {
    return sources[0].getMap(query);
  }
  // Sources with `coverage.clip` are transparent outside their coverage before they are merged.
  const images = await Promise.all(
    sources.map(async (s) => {
      const img = await s.getMap(query);
      return img ? clipImageResult(img, s.coverage, query) : null;
    }),
  );
  const layers: { image: ImageResult; opacity?: number }[] = [];
  images.forEach((img, i) => {
    if (img) layers.push({ image: img, opacity: sources[i].opacity });
  });
  if (layers.length === 0) return null;
  const raws = await Promise.all(layers.map((l) => l.image.raw()));
  const merged = await mergeImages(
    raws.map((raw, i) => ({ image: raw, opacity: layers[i].opacity })),
    query.size,
    { transparent: query.transparent, bgcolor: query.bgcolor },
  );
  return ImageResult.fromRaw(merged, {
    transparent: query.transparent,
    cacheable: layers.every((l) => l.image.cacheable),
  });
}
