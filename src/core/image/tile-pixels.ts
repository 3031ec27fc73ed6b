import { decode } from './encode.js';
import { decodePngAsync, decodePngPaletted, isPng, type PalettedPixels } from './png-decode.js';
import type { RawImage } from './raw-image.js';

/**
 * A decoded tile as maps are drawn from it: a paletted PNG stays palette indices (a quarter of the RGBA bytes,
 * and no expansion of pixels a map never shows), anything else is RGBA.
 */
export type TilePixels = { readonly kind: 'paletted'; readonly px: PalettedPixels } | { readonly kind: 'rgba'; readonly raw: RawImage };

/** Any tile's bytes; a broken PNG throws (the native decoder reads every PNG, other formats go to sharp). */
export async function decodeTilePixels(bytes: Buffer): Promise<TilePixels> {
  if (!isPng(bytes)) return { kind: 'rgba', raw: await decode(bytes) };
  const px = decodePngPaletted(bytes);
  return px ? { kind: 'paletted', px } : { kind: 'rgba', raw: await decodePngAsync(bytes) };
}

/** Bytes held, for bounded caches. */
export function tilePixelsBytes(t: TilePixels): number {
  return t.kind === 'paletted' ? t.px.indices.byteLength + t.px.palette.byteLength : t.raw.data.length;
}
