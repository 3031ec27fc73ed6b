// Image helpers for tests: decode (any format sharp reads) to RGBA and compare with tolerances.
import sharp from 'sharp';

export interface DecodedImage { width: number; height: number; data: Buffer /* RGBA */; format: string }
export type RGBA = [number, number, number, number];

export async function decodeImage(bytes: Buffer): Promise<DecodedImage> {
  const img = sharp(bytes);
  const meta = await img.metadata();
  const { data, info } = await img.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data, format: meta.format ?? 'unknown' };
}

/** The RGBA value at (x, y); (0, 0) is the top-left pixel. */
export function pixelAt(img: DecodedImage, x: number, y: number): RGBA {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) throw new RangeError(`pixel ${x},${y} outside ${img.width}x${img.height}`);
  const i = (y * img.width + x) * 4;
  return [img.data[i], img.data[i + 1], img.data[i + 2], img.data[i + 3]];
}

/** True when every channel of `actual` is within `tolerance` of `expected` (alpha 255 when omitted). */
export function colorNear(actual: readonly number[], expected: readonly number[], tolerance = 8): boolean {
  const exp = expected.length === 3 ? [...expected, 255] : expected;
  return exp.every((v, i) => Math.abs(v - actual[i]) <= tolerance);
}

/** Fraction of pixels (0..1) whose colour is within `tolerance` of `color`. */
export function colorFraction(img: DecodedImage, color: readonly number[], tolerance = 8): number {
  let n = 0;
  const total = img.width * img.height;
  for (let p = 0; p < total; p++) {
    const i = p * 4;
    if (colorNear([img.data[i], img.data[i + 1], img.data[i + 2], img.data[i + 3]], color, tolerance)) n++;
  }
  return total ? n / total : 0;
}

export interface CompareOptions {
  /** Largest per-channel difference for two pixels to count as equal (0..255). Default 10. */
  tolerance?: number;
  /** Largest fraction of differing pixels for the images to count as equal. Default 0.01. */
  maxDiffFraction?: number;
  /** Compare fully transparent pixels by alpha only (their colour is invisible). Default true. */
  ignoreTransparentColor?: boolean;
}

export interface CompareResult {
  equal: boolean;
  sameSize: boolean;
  width: number; height: number;
  differingPixels: number;
  diffFraction: number;
  /** Largest per-channel difference seen. */
  maxDelta: number;
  /** A few differing pixels, for the assertion message. */
  samples: { x: number; y: number; a: RGBA; b: RGBA }[];
}

export async function compareImages(a: Buffer | DecodedImage, b: Buffer | DecodedImage, opts: CompareOptions = {}): Promise<CompareResult> {
  const tolerance = opts.tolerance ?? 10;
  const maxDiffFraction = opts.maxDiffFraction ?? 0.01;
  const ignoreTransparent = opts.ignoreTransparentColor ?? true;
  const ia = Buffer.isBuffer(a) ? await decodeImage(a) : a;
  const ib = Buffer.isBuffer(b) ? await decodeImage(b) : b;
  if (ia.width !== ib.width || ia.height !== ib.height) {
    return { equal: false, sameSize: false, width: ia.width, height: ia.height, differingPixels: ia.width * ia.height,
      diffFraction: 1, maxDelta: 255, samples: [] };
  }
  let differing = 0;
  let maxDelta = 0;
  const samples: CompareResult['samples'] = [];
  const total = ia.width * ia.height;
  for (let p = 0; p < total; p++) {
    const i = p * 4;
    const bothTransparent = ignoreTransparent && ia.data[i + 3] === 0 && ib.data[i + 3] === 0;
    let delta = 0;
    for (let c = bothTransparent ? 3 : 0; c < 4; c++) delta = Math.max(delta, Math.abs(ia.data[i + c] - ib.data[i + c]));
    if (delta > maxDelta) maxDelta = delta;
    if (delta > tolerance) {
      differing++;
      if (samples.length < 5) {
        const x = p % ia.width; const y = Math.floor(p / ia.width);
        samples.push({ x, y, a: pixelAt(ia, x, y), b: pixelAt(ib, x, y) });
      }
    }
  }
  const diffFraction = total ? differing / total : 0;
  return { equal: diffFraction <= maxDiffFraction, sameSize: true, width: ia.width, height: ia.height,
    differingPixels: differing, diffFraction, maxDelta, samples };
}

/** Throws an AssertionError-style Error describing the difference when the images are not equal. */
export async function assertImagesSimilar(a: Buffer | DecodedImage, b: Buffer | DecodedImage, opts: CompareOptions & { message?: string } = {}): Promise<CompareResult> {
  const r = await compareImages(a, b, opts);
  if (!r.equal) {
    const what = r.sameSize
      ? `${r.differingPixels} of ${r.width * r.height} pixels (${(r.diffFraction * 100).toFixed(2)} %) differ by more than ` +
        `${opts.tolerance ?? 10}; max delta ${r.maxDelta}; e.g. ${JSON.stringify(r.samples.slice(0, 3))}`
      : 'sizes differ';
    throw new Error(`${opts.message ? opts.message + ': ' : ''}images differ: ${what}`);
  }
  return r;
}
