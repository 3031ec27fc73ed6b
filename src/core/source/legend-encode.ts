import { encode } from '../image/encode.js';
import type { ImageFormat } from '../image/format.js';
import type { ImageResult } from '../image/image.js';

/** Pillow's img_to_buf converts RGBA to RGB for JPEG, and for a paletted PNG that is not `transparent`. */
function dropsAlpha(format: ImageFormat): boolean {
  return format.kind === 'jpeg' || (format.kind === 'png' && format.paletted === true && !format.transparent);
}

/**
 * A legend encoded as MapProxy's as_buffer encodes it. Bytes already in the format pass untouched (a
 * single legend from upstream or from the legend cache). A combined legend loses its alpha where
 * Pillow's convert('RGB') drops it: the colours the masked paste left below transparent pixels show,
 * not a flattening onto a background.
 */
export async function encodeLegend(legend: ImageResult, format: ImageFormat): Promise<Buffer> {
  if (legend.encodedBytes || !dropsAlpha(format)) return legend.encode(format, { transparent: format.transparent ?? true });
  const raw = await legend.raw();
  const data = Buffer.from(raw.data);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return encode({ data, width: raw.width, height: raw.height }, format, { transparent: false });
}
