import type { RawImage } from '../../src/core/image/raw-image.js';

export type Px = [number, number, number, number];

/** A synthetic image whose pixel colours come from a function of the pixel position. */
export function paint(width: number, height: number, colour: (x: number, y: number) => Px): RawImage {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = colour(x, y);
      data.set(c, (y * width + x) * 4);
    }
  }
  return { data, width, height };
}

export function px(img: RawImage, x: number, y: number): Px {
  const i = (y * img.width + x) * 4;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!, img.data[i + 3]!];
}

export const RED: Px = [255, 0, 0, 255];
export const GREEN: Px = [0, 255, 0, 255];
export const BLUE: Px = [0, 0, 255, 255];
export const YELLOW: Px = [255, 255, 0, 255];
export const CLEAR: Px = [0, 0, 0, 0];

/** Four colour quadrants: red top-left, green top-right, blue bottom-left, yellow bottom-right. */
export function quadrants(width: number, height: number): RawImage {
  return paint(width, height, (x, y) => (y < height / 2 ? (x < width / 2 ? RED : GREEN) : x < width / 2 ? BLUE : YELLOW));
}

export function near(a: readonly number[], b: readonly number[], tol: number): boolean {
  return a.every((v, i) => Math.abs(v - b[i]!) <= tol);
}
