import { decode } from '../image/encode.js';
import { detectImageFormat } from '../image/image-bytes.js';
import { singleColor } from '../image/single-color.js';

/**
 * The colour of a tile of one colour, as MapProxy's is_single_color_image returns it: three components for an
 * image without alpha, four for one with alpha. The count matters: it is part of the shared file's name.
 */
export type TileColor = readonly number[];

/**
 * The single colour of an encoded tile, or null when it has several colours (or bytes that do not decode:
 * those are stored as they are, the store does not judge images).
 *
 * MapProxy looks at the image before encoding it; the store sees only the encoded tile. For PNG (lossless, and
 * quantizing one colour keeps it exactly) the decoded colour is the one MapProxy saw; JPEG tiles give the decoded
 * colour, which can differ by a step from the colour before the lossy encoding. Whether the name has an alpha
 * component follows MapProxy's image mode: `alpha` when the caller knows it (a transparent cache's images are
 * RGBA in MapProxy, whatever the format they are encoded in); else it is read from the tile: a PNG with an alpha
 * channel or a palette with tRNS was encoded from RGBA.
 */
export async function singleColorOfTile(data: Buffer, alpha?: boolean): Promise<TileColor | null> {
  const format = detectImageFormat(data);
  if (format === null) return null;
  let color;
  try {
    color = singleColor(await decode(data));
  } catch {
    return null;
  }
  if (color === null) return null;
  const withAlpha = alpha ?? (format === 'png' ? pngKeepsAlpha(data) : format !== 'jpeg' && color[3] !== 255);
  return withAlpha ? color : color.slice(0, 3);
}

/** `single_color_tiles/<name>`: two lower-case hex digits per component (MapProxy's '%02x'). */
export function singleColorName(color: TileColor): string {
  return color.map((v) => v.toString(16).padStart(2, '0')).join('');
}

/** Colour type 4 or 6 (grey or RGB with alpha), or a palette with a tRNS chunk (quantized from RGBA). */
function pngKeepsAlpha(png: Buffer): boolean {
  const colorType = png[25];
  if (colorType === 4 || colorType === 6) return true;
  if (colorType !== 3) return false;
  // tRNS comes after PLTE and before the first IDAT
  for (let pos = 8; pos + 8 <= png.length; ) {
    const type = png.toString('latin1', pos + 4, pos + 8);
    if (type === 'tRNS') return true;
    if (type === 'IDAT' || type === 'IEND') return false;
    pos += 12 + png.readUInt32BE(pos);
  }
  return false;
}
