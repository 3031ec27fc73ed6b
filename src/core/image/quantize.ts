import { LITTLE_ENDIAN, wordView } from './pixel-words.js';
import type { PixelRect, RawImage } from './raw-image.js';

/** An image as palette indices: what a paletted PNG stores. */
export interface IndexedImage {
  /** RGBA per entry (4 bytes each); entries that are not fully opaque come first, so a PNG tRNS chunk stays short. */
  palette: Buffer;
  /** One palette index per pixel, rows top to bottom. */
  indices: Uint8Array;
  width: number;
  height: number;
}

export interface QuantizeOptions {
  /** At most this many palette entries (1..256, default 256). */
  colors?: number;
  /**
   * A colour (RGBA) that must get its own palette entry although it may not occur in the image, e.g. the
   * transparent fill of tiles reaching outside a meta tile. Its index is returned as `extraIndex`.
   */
  extra?: readonly [r: number, g: number, b: number, a: number];
}

export interface QuantizeResult extends IndexedImage {
  /** The palette index of `QuantizeOptions.extra`, -1 without it. */
  extraIndex: number;
  /** True when every colour was kept exactly (the image had few enough distinct colours). */
  exact: boolean;
}

/**
 * Reduce RGBA pixels to at most `colors` palette entries without dithering, like MapProxy's default
 * PIL quantize(FASTOCTREE): map tiles mostly have few distinct colours and then keep them exactly;
 * otherwise a median cut over a 5-bit-per-channel histogram with four alpha levels. All fully
 * transparent pixels share one entry; partial alpha is kept approximately. O(pixels) plus a small
 * cost per distinct reduced colour.
 */
export function quantize(raw: RawImage, opts: QuantizeOptions = {}): QuantizeResult {
  const colors = Math.max(1, Math.min(256, Math.floor(opts.colors ?? 256)));
  const pixels = pixelWords(raw);
  const extra = opts.extra ? packRGBA(opts.extra) : undefined;
  const all = wholeImage(raw, pixels);
  const exact = sampleHasMoreColours(all, colors) ? null : exactPalette(all, colors, extra);
  return exact ?? medianCut(raw, pixels, colors, extra);
}

/** A rectangle of an image's pixel words, read in place: row y starts at `start + y * stride`. */
interface PixelRegion {
  pixels: Uint32Array;
  start: number;
  stride: number;
  width: number;
  height: number;
}

function wholeImage(raw: RawImage, pixels: Uint32Array): PixelRegion {
  return { pixels, start: 0, stride: raw.width, width: raw.width, height: raw.height };
}

/**
 * The exact palette when the image (or its rectangle `rect`, which must lie inside it) has at most `colors`
 * distinct colours (transparent counted once), else null.
 */
export function quantizeExact(
  raw: RawImage,
  opts: QuantizeOptions = {},
  rect?: PixelRect,
): QuantizeResult | null {
  const colors = Math.max(1, Math.min(256, Math.floor(opts.colors ?? 256)));
  const pixels = pixelWords(raw);
  const region = rect
    ? { pixels, start: rect.y * raw.width + rect.x, stride: raw.width, width: rect.width, height: rect.height }
    : wholeImage(raw, pixels);
  if (sampleHasMoreColours(region, colors)) return null;
  return exactPalette(region, colors, opts.extra ? packRGBA(opts.extra) : undefined);
}

/** Rows looked at by the quick test before an exact palette is attempted. */
const SAMPLE_ROW_STEP = 8;

/**
 * True when every SAMPLE_ROW_STEP-th row alone already has more than `colors` distinct colours: then the image
 * has too, and the exact palette (a hash lookup per run of pixels, often given up only near the end) is not
 * tried. Antialiased maps from an upstream usually fail here at an eighth of the cost.
 */
function sampleHasMoreColours(region: PixelRegion, colors: number): boolean {
  if (region.height < 4 * SAMPLE_ROW_STEP) return false;
  const rows = { ...region, stride: region.stride * SAMPLE_ROW_STEP, height: Math.ceil(region.height / SAMPLE_ROW_STEP) };
  return exactPalette(rows, colors, undefined) === null;
}

/** The pixels as 32-bit words r | g<<8 | b<<16 | a<<24, copied only when unaligned or big-endian. */
function pixelWords(raw: RawImage): Uint32Array {
  const d = raw.data;
  const n = raw.width * raw.height;
  const view = LITTLE_ENDIAN ? wordView(d) : null;
  if (view) return view;
  const out = new Uint32Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 4) out[i] = (d[j] | (d[j + 1] << 8) | (d[j + 2] << 16) | (d[j + 3] << 24)) >>> 0;
  return out;
}

function packRGBA(c: readonly number[]): number {
  return (c[0] | (c[1] << 8) | (c[2] << 16) | (c[3] << 24)) >>> 0;
}

/** Every fully transparent pixel is the same colour to the palette. */
const TRANSPARENT_KEY = 0;
function normalize(v: number): number {
  return v >>> 24 === 0 ? TRANSPARENT_KEY : v;
}

/**
 * One entry per distinct colour when there are at most `colors` of them; null as soon as there are more.
 * An open-addressing hash on the 32-bit pixel, with the previous pixel remembered (runs are the rule in maps).
 */
function exactPalette(region: PixelRegion, colors: number, extra: number | undefined): QuantizeResult | null {
  const { pixels, start, stride, width, height } = region;
  const bits = 10; // 1024 slots for ≤ 256 keys: short probe chains
  const mask = (1 << bits) - 1;
  const keys = new Uint32Array(1 << bits);
  const slots = new Int16Array(1 << bits).fill(-1);
  const found: number[] = []; // colour per entry; the transparent entry keeps its first pixel's RGB
  const indices = new Uint8Array(width * height);

  const lookup = (key: number, colour: number): number => {
    let h = Math.imul(key, 0x9e3779b1) >>> (32 - bits);
    for (;;) {
      const s = slots[h];
      if (s < 0) break;
      if (keys[h] === key) return s;
      h = (h + 1) & mask;
    }
    if (found.length >= colors) return -1;
    keys[h] = key;
    slots[h] = found.length;
    found.push(colour);
    return found.length - 1;
  };

  let extraIndex = -1;
  if (extra !== undefined) extraIndex = lookup(normalize(extra), extra);
  let lastKey = -1;
  let lastIndex = 0;
  for (let y = 0, o = 0; y < height; y++) {
    for (let i = start + y * stride, end = i + width; i < end; i++, o++) {
      const v = pixels[i];
      const key = normalize(v);
      if (key !== lastKey) {
        const idx = lookup(key, v);
        if (idx < 0) return null;
        lastKey = key;
        lastIndex = idx;
      }
      indices[o] = lastIndex;
    }
  }
  const palette = Buffer.allocUnsafe(found.length * 4);
  found.forEach((c, i) => palette.writeUInt32LE(c, i * 4));
  return translucentFirst({ palette, indices, width, height, extraIndex, exact: true });
}

// Histogram cells: 5 bits each of r, g, b and 2 bits of alpha level (0..2 partial, 3 opaque).
const CELLS = 1 << 17;
const ALPHA_WEIGHT = 16; // an alpha level step outweighs 16 colour steps: opaque and translucent split first

function cellOf(v: number): number {
  const a = v >>> 24;
  const level = a === 255 ? 3 : (a * 3) >> 8;
  return ((v & 0xf8) << 9) | ((v >>> 4) & 0xf80) | ((v >>> 17) & 0x7c) | level;
}

/** Median cut over the histogram cells; every pixel takes its cell's box's mean colour. */
/**
 * The histogram arrays (2.6 MB) are reused from call to call: allocating them per image made garbage
 * collection a fifth of a WMS worker's time. Quantizing is synchronous, and the cells used are cleared
 * again before returning, so the next call starts from zeros.
 */
let histogram: { count: Uint32Array; sum: Uint32Array; lut: Uint8Array } | null = null;

function medianCut(raw: RawImage, pixels: Uint32Array, colors: number, extra: number | undefined): QuantizeResult {
  // Sums fit 32 bits below 16.8 million pixels (255 × n); only occupied cells are ever visited.
  if (pixels.length >= 16_000_000) {
    return medianCutWith(raw, pixels, colors, extra, new Uint32Array(CELLS), new Float64Array(CELLS * 4), new Uint8Array(CELLS), []);
  }
  histogram ??= { count: new Uint32Array(CELLS), sum: new Uint32Array(CELLS * 4), lut: new Uint8Array(CELLS) };
  const { count, sum, lut } = histogram;
  const cells: number[] = [];
  try {
    return medianCutWith(raw, pixels, colors, extra, count, sum, lut, cells);
  } finally {
    for (const c of cells) {
      count[c] = 0;
      sum[c * 4] = sum[c * 4 + 1] = sum[c * 4 + 2] = sum[c * 4 + 3] = 0;
    }
  }
}

function medianCutWith(
  raw: RawImage,
  pixels: Uint32Array,
  colors: number,
  extra: number | undefined,
  count: Uint32Array,
  sum: Uint32Array | Float64Array,
  lut: Uint8Array,
  cells: number[],
): QuantizeResult {
  let transparentColour = -1;
  const add = (v: number, n: number): void => {
    if (v >>> 24 === 0) {
      if (transparentColour < 0) transparentColour = v;
      return;
    }
    const c = cellOf(v);
    if (count[c] === 0) cells.push(c);
    count[c] += n;
    const s = c * 4;
    sum[s] += (v & 255) * n;
    sum[s + 1] += ((v >>> 8) & 255) * n;
    sum[s + 2] += ((v >>> 16) & 255) * n;
    sum[s + 3] += (v >>> 24) * n;
  };
  if (extra !== undefined) add(extra, 1);
  // Runs of one colour are counted at once: the histogram costs one compare for most pixels.
  const n = pixels.length;
  for (let i = 0; i < n; ) {
    const v = pixels[i];
    let j = i + 1;
    while (j < n && pixels[j] === v) j++;
    add(v, j - i);
    i = j;
  }

  const order = Int32Array.from(cells);
  const budget = transparentColour >= 0 ? colors - 1 : colors;
  const boxes = splitBoxes(order, count, Math.max(1, budget));

  const entries: number[] = [];
  for (const box of boxes) {
    let n = 0;
    let r = 0;
    let g = 0;
    let b = 0;
    let a = 0;
    for (let i = box.start; i < box.end; i++) {
      const c = order[i];
      n += count[c];
      r += sum[c * 4];
      g += sum[c * 4 + 1];
      b += sum[c * 4 + 2];
      a += sum[c * 4 + 3];
      lut[c] = entries.length;
    }
    entries.push(packRGBA([Math.round(r / n), Math.round(g / n), Math.round(b / n), Math.round(a / n)]));
  }
  if (order.length * boxes.length <= NEAREST_BUDGET) mapToNearest(order, count, sum, entries, lut);
  if (transparentColour >= 0) entries.push(transparentColour);
  // Translucent entries first (a short tRNS): renumber the boxes before any pixel is mapped.
  const rank = entries.map((_, i) => i).sort((x, y) => Number(entries[x] >>> 24 === 255) - Number(entries[y] >>> 24 === 255) || x - y);
  const remap = new Uint8Array(entries.length);
  rank.forEach((old, i) => (remap[old] = i));
  for (let i = 0; i < order.length; i++) lut[order[i]] = remap[lut[order[i]]];
  const transparentIndex = transparentColour >= 0 ? remap[entries.length - 1] : -1;
  const palette = Buffer.allocUnsafe(entries.length * 4);
  rank.forEach((old, i) => palette.writeUInt32LE(entries[old], i * 4));

  const indices = new Uint8Array(pixels.length);
  let lastV = -1;
  let lastIdx = 0;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i];
    if (v !== lastV) {
      lastV = v;
      lastIdx = v >>> 24 === 0 ? transparentIndex : lut[cellOf(v)];
    }
    indices[i] = lastIdx;
  }
  let extraIndex = -1;
  if (extra !== undefined) extraIndex = extra >>> 24 === 0 ? transparentIndex : lut[cellOf(extra)];
  return { palette, indices, width: raw.width, height: raw.height, extraIndex, exact: false };
}

/** Cells × entries up to which every cell is mapped to its nearest entry (~2 ms), not just its box's mean. */
const NEAREST_BUDGET = 1_500_000;

/**
 * A box's mean can be far from some of its cells (long thin boxes); the nearest entry by the cell's own
 * mean colour is never worse. Alpha differences count like colour differences.
 */
function mapToNearest(cells: Int32Array, count: Uint32Array, sum: Uint32Array | Float64Array, entries: number[], lut: Uint8Array): void {
  const n = entries.length;
  const pr = new Float64Array(n);
  const pg = new Float64Array(n);
  const pb = new Float64Array(n);
  const pa = new Float64Array(n);
  entries.forEach((e, i) => {
    pr[i] = e & 255;
    pg[i] = (e >>> 8) & 255;
    pb[i] = (e >>> 16) & 255;
    pa[i] = e >>> 24;
  });
  for (let k = 0; k < cells.length; k++) {
    const c = cells[k];
    const w = count[c];
    const r = sum[c * 4] / w;
    const g = sum[c * 4 + 1] / w;
    const b = sum[c * 4 + 2] / w;
    const a = sum[c * 4 + 3] / w;
    let best = lut[c];
    let bestD = (r - pr[best]) ** 2 + (g - pg[best]) ** 2 + (b - pb[best]) ** 2 + (a - pa[best]) ** 2;
    for (let i = 0; i < n; i++) {
      const d = (r - pr[i]) ** 2 + (g - pg[i]) ** 2 + (b - pb[i]) ** 2 + (a - pa[i]) ** 2;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    lut[c] = best;
  }
}

interface Box {
  start: number;
  end: number;
  /** Longest side (in axis units) and its axis; 0 when the box cannot be split. */
  span: number;
  axis: number;
  weight: number;
}

function axisValue(c: number, axis: number): number {
  switch (axis) {
    case 0:
      return c >>> 12;
    case 1:
      return (c >>> 7) & 31;
    case 2:
      return (c >>> 2) & 31;
    default:
      return (c & 3) * ALPHA_WEIGHT;
  }
}

function measure(order: Int32Array, count: Uint32Array, start: number, end: number): Box {
  const lo = [Infinity, Infinity, Infinity, Infinity];
  const hi = [-1, -1, -1, -1];
  let weight = 0;
  for (let i = start; i < end; i++) {
    const c = order[i];
    weight += count[c];
    for (let axis = 0; axis < 4; axis++) {
      const v = axisValue(c, axis);
      if (v < lo[axis]) lo[axis] = v;
      if (v > hi[axis]) hi[axis] = v;
    }
  }
  let axis = 0;
  let span = 0;
  for (let k = 0; k < 4; k++) {
    if (hi[k] - lo[k] > span) {
      span = hi[k] - lo[k];
      axis = k;
    }
  }
  return { start, end, span, axis, weight };
}

/**
 * Split the box with the largest weight × side until there are `target` boxes: at the weighted median
 * of its longest axis, partitioning the cell list in place (the axes are small integers, so no sort).
 */
function splitBoxes(order: Int32Array, count: Uint32Array, target: number): Box[] {
  const boxes = [measure(order, count, 0, order.length)];
  // One histogram along an axis for all splits, cleared after each: 256 splits allocated 1 MB before.
  const hist = new Float64Array(32 * ALPHA_WEIGHT);
  while (boxes.length < target) {
    let best = -1;
    let bestScore = 0;
    boxes.forEach((b, i) => {
      const score = b.weight * b.span;
      if (b.span > 0 && score > bestScore) {
        bestScore = score;
        best = i;
      }
    });
    if (best < 0) break;
    const box = boxes[best];
    // Weighted median level along the axis.
    let lo = Infinity;
    let hi = -1;
    for (let i = box.start; i < box.end; i++) {
      const v = axisValue(order[i], box.axis);
      hist[v] += count[order[i]];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    let acc = 0;
    let cut = lo;
    for (let v = lo; v < hi; v++) {
      acc += hist[v];
      cut = v;
      if (acc >= box.weight / 2) break;
    }
    hist.fill(0, lo, hi + 1);
    // Partition: cells with value ≤ cut first.
    let i = box.start;
    let j = box.end - 1;
    while (i <= j) {
      if (axisValue(order[i], box.axis) <= cut) i++;
      else {
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
        j--;
      }
    }
    boxes[best] = measure(order, count, box.start, i);
    boxes.push(measure(order, count, i, box.end));
  }
  return boxes;
}

/** Reorder the palette so entries with alpha < 255 come first (a short tRNS), remapping the indices. */
function translucentFirst(q: QuantizeResult): QuantizeResult {
  const n = q.palette.length / 4;
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (q.palette[i * 4 + 3] !== 255) order.push(i);
  if (order.length === 0 || order.every((v, i) => v === i)) return q;
  for (let i = 0; i < n; i++) if (q.palette[i * 4 + 3] === 255) order.push(i);
  const remap = new Uint8Array(256);
  const palette = Buffer.allocUnsafe(q.palette.length);
  order.forEach((old, i) => {
    remap[old] = i;
    q.palette.copy(palette, i * 4, old * 4, old * 4 + 4);
  });
  const idx = q.indices;
  for (let i = 0; i < idx.length; i++) idx[i] = remap[idx[i]];
  return { ...q, palette, extraIndex: q.extraIndex < 0 ? -1 : remap[q.extraIndex] };
}
