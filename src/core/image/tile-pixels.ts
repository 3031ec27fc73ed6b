import { decode } from './encode.js';
import { decodePngPaletted, type PalettedPixels } from './png-decode.js';
import type { RawImage } from './raw-image.js';

/**
 * A decoded tile as maps are drawn from it: a paletted PNG stays palette indices (a quarter of the RGBA bytes,
 * and no expansion of pixels a map never shows), anything else is RGBA.
 */
export type TilePixels = { readonly kind: 'paletted'; readonly px: PalettedPixels } | { readonly kind: 'rgba'; readonly raw: RawImage };

export async function decodeTilePixels(bytes: Buffer): Promise<TilePixels> {
  const px = decodePngPaletted(bytes);
  return px ? { kind: 'paletted', px } : { kind: 'rgba', raw: await decode(bytes) };
}

export function tilePixelsSize(t: TilePixels): { width: number; height: number } {
  return t.kind === 'paletted' ? t.px : t.raw;
}

/** Bytes held, for bounded caches. */
export function tilePixelsBytes(t: TilePixels): number {
  return t.kind === 'paletted' ? t.px.indices.byteLength + t.px.palette.byteLength : t.raw.data.length;
}
