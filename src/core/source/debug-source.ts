import { MapExtent } from '../geo/extent.js';
import { ImageResult } from '../image/image.js';
import { messageImage } from '../image/message.js';
import { pyFloat } from '../util/py-format.js';
import type { MapQuery, MapSource } from './source.js';

/** The text MapProxy's DebugSource draws: the bbox as a Python tuple and the x(y) resolution. */
export function debugText(query: MapQuery): string {
  const [minx, miny, maxx, maxy] = query.bbox;
  const resX = (maxx - minx) / query.size[0];
  const resY = (maxy - miny) / query.size[1];
  return `bbox: (${query.bbox.map(pyFloat).join(', ')})\nres: ${resX.toFixed(8)}(${resY.toFixed(8)})`;
}

/**
 * `type: debug`: renders the query's bbox and resolution as text on a transparent image, for any
 * bbox and SRS. Like MapProxy's DebugSource it does not take part in meta tiling, so a debug cache
 * shows each tile's own bbox; direct use in a WMS layer (any bbox) is fine.
 */
export class DebugSource implements MapSource {
  readonly supportsMetaTiles = false;
  readonly transparent = true;
  readonly extent = MapExtent.default();

  async getMap(query: MapQuery): Promise<ImageResult> {
    const raw = await messageImage(debugText(query), query.size, { transparent: true });
    return ImageResult.fromRaw(raw, { transparent: true });
  }
}
