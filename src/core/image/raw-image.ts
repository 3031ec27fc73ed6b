import { hasTransparency as anyTransparent } from '../native/pixels.js';

/** Decoded pixels: always 4 channels RGBA, 8 bit, not premultiplied, rows top to bottom, no padding. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
}

/** A rectangle of pixels: left, top, width, height. */
export interface PixelRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export type RGB = readonly [r: number, g: number, b: number];
export type Resampling = 'nearest' | 'bilinear' | 'bicubic';

export const WHITE: RGB = [255, 255, 255];

/** A zeroed (fully transparent black) image. Buffer.alloc, not allocUnsafe: callers rely on the zeros. */
export function emptyRaw(width: number, height: number): RawImage {
  return { data: Buffer.alloc(width * height * 4), width, height };
}

/** True when any pixel is not fully opaque (native: a vectorized alpha scan, stops at the first block with one). */
export function hasTransparency(raw: RawImage): boolean {
  assertRaw(raw);
  return anyTransparent(raw.data);
}

export function assertRaw(raw: RawImage): void {
  if (raw.data.length !== raw.width * raw.height * 4) {
    throw new Error(`RawImage data length ${raw.data.length} does not match ${raw.width}x${raw.height}x4`);
  }
}
