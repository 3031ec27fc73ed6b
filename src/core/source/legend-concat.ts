import { ImageResult } from '../image/image.js';
import type { RawImage } from '../image/raw-image.js';

/**
 * True when MapProxy holds this legend as a Pillow 'RGBA' image: a PNG of colour type 6 (true colour
 * with alpha), or an image combined or drawn here (Pillow builds those in RGBA). MapProxy pastes only
 * those through their own alpha; every other mode (P, RGB, L, JPEG, GIF) is converted and copied.
 */
export function opensAsRgba(bytes: Buffer | undefined): boolean {
  if (!bytes) return true;
  if (bytes.length < 26) return false;
  const png = bytes.readUInt32BE(0) === 0x89504e47 && bytes.toString('latin1', 12, 16) === 'IHDR';
  return png && bytes[25] === 6;
}

/** Pillow's DIV255 with rounding, as its Paste.c blends a masked paste. */
function blend(under: number, over: number, mask: number): number {
  const t = under * (255 - mask) + over * mask + 128;
  return ((t >> 8) + t) >> 8;
}

/**
 * `canvas.paste(legend, (0, top), legend)`: every channel, alpha included, blended by the legend's
 * alpha. Over the transparent canvas this leaves alpha²/255, which is what MapProxy's legends show.
 * Legend images are small (a few hundred pixels a side) and combined once per cache miss, so this
 * loop stays in TypeScript rather than in a native kernel.
 */
function pasteMasked(canvas: RawImage, legend: RawImage, top: number): void {
  for (let y = 0; y < legend.height; y++) {
    let s = y * legend.width * 4;
    let d = ((top + y) * canvas.width) * 4;
    for (let x = 0; x < legend.width; x++, s += 4, d += 4) {
      const a = legend.data[s + 3]!;
      if (a === 0) continue;
      for (let k = 0; k < 4; k++) canvas.data[d + k] = blend(canvas.data[d + k]!, legend.data[s + k]!, a);
    }
  }
}

/** `canvas.paste(legend, (0, top))`: the converted pixels replace the canvas's, alpha included. */
function pasteCopy(canvas: RawImage, legend: RawImage, top: number): void {
  const row = legend.width * 4;
  for (let y = 0; y < legend.height; y++) {
    legend.data.copy(canvas.data, ((top + y) * canvas.width) * 4, y * row, y * row + row);
  }
}

/** No legend at all: MapProxy's 1×1 transparent white BlankImageSource. */
export function blankLegend(): ImageResult {
  return ImageResult.fromRaw({ data: Buffer.from([255, 255, 255, 0]), width: 1, height: 1 }, { transparent: true, cacheable: false });
}

/**
 * Legends combined into one image as MapProxy's concat_legends does: bottom layer first in, so the
 * last legend is drawn at the top and the first at the bottom, each left-aligned, on a transparent
 * canvas as wide as the widest and as high as all together. A single legend is passed on untouched.
 */
export async function concatLegends(legends: readonly ImageResult[]): Promise<ImageResult> {
  if (legends.length === 0) return blankLegend();
  if (legends.length === 1) return legends[0]!;
  const topFirst = [...legends].reverse();
  const raws = await Promise.all(topFirst.map((l) => l.raw()));
  const width = Math.max(...raws.map((r) => r.width));
  const height = raws.reduce((h, r) => h + r.height, 0);
  const canvas: RawImage = { data: Buffer.alloc(width * height * 4), width, height };
  for (let i = 0; i < canvas.data.length; i += 4) canvas.data.fill(255, i, i + 3);
  let top = 0;
  raws.forEach((raw, i) => {
    if (opensAsRgba(topFirst[i]!.encodedBytes)) pasteMasked(canvas, raw, top);
    else pasteCopy(canvas, raw, top);
    top += raw.height;
  });
  return ImageResult.fromRaw(canvas, { transparent: true });
}
