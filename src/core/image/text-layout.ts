import { loadSharp } from './sharp-config.js';
import type { Size } from '../geo/bbox.js';
import { escapeXml } from './message.js';
import { fontAscender } from './font-dir.js';

/** A font as Pillow's ImageFont.truetype(file, size) loads it: a DejaVu family (or font_dir's file for it) at a size in pixels. */
export interface TextFont {
  readonly family: 'DejaVu Sans' | 'DejaVu Sans Mono';
  readonly size: number;
}

/** Pillow's `ImageDraw.textbbox((0, 0), line, font)`: left, top, right, bottom around the pen at the ascender line. */
export interface TextBox {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** A line of text to draw: the pen's x and the ascender line's y, as Pillow's `draw.text((x, y), …)` takes them. */
export interface PlacedLine {
  readonly text: string;
  readonly x: number;
  readonly y: number;
}

/** FreeType's ascender at a pixel size: the scaled value rounded up to a whole pixel (Pillow's 'a' anchor). */
export function ascent(font: TextFont): number {
  return Math.ceil(font.size * fontAscender(font.family));
}

function textElement(line: string, font: TextFont, x: number, baseline: number, anchor: 'start' | 'end'): string {
  return (
    `<text x="${x}" y="${baseline}" font-family="${font.family}" font-size="${font.size}" fill="white" text-rendering="geometricPrecision" ` +
    `text-anchor="${anchor}" xml:space="preserve">${escapeXml(line)}</text>`
  );
}

/** The ink rectangle of one rendered line (white on black), from libvips' trim: left, top, width, height. */
async function ink(svg: string): Promise<{ left: number; top: number; width: number; height: number } | null> {
  try {
    const { info } = await (await loadSharp())(Buffer.from(svg), { density: 72 }).trim({ threshold: 0 }).raw().toBuffer({ resolveWithObject: true });
    return { left: -(info.trimOffsetLeft ?? 0), top: -(info.trimOffsetTop ?? 0), width: info.width, height: info.height };
  } catch {
    return null; // nothing drawn (blank line): libvips finds no edge to trim to
  }
}

const measured = new Map<string, Promise<TextBox>>();

/**
 * Pillow's textbbox of `line` (raqm layout: kerned, unhinted advances, hinted glyphs): the ink's top and bottom
 * against the ascender line, snapped to whole pixels as the TrueType hinting of DejaVu snaps stems and heights;
 * the bottom at least the baseline, left at most the pen, right the rounded advance (or the ink, if further).
 * The outlines' extents come from librsvg drawing the same DejaVu font magnified (Pango shapes with HarfBuzz,
 * as raqm does), measured once per line and font.
 */
export function measureLine(line: string, font: TextFont): Promise<TextBox> {
  const key = `${font.family}\u0000${font.size}\u0000${line}`;
  let box = measured.get(key);
  if (!box) {
    box = measureUncached(line, font);
    measured.set(key, box);
  }
  return box;
}

/** Pixels of the magnified measuring image, at most (wide enough for a long line at a large size). */
const MEASURE_PIXELS = 8_000_000;

async function measureUncached(line: string, font: TextFont): Promise<TextBox> {
  const asc = ascent(font);
  const chars = Math.max(1, [...line].length);
  // one em of margin around a line of at most 1.3 em per character, magnified by up to 8
  const em = (scale: number) => font.size * scale;
  const area = (scale: number) => em(scale) * (4 + 1.3 * chars) * em(scale) * 4;
  let scale = 8;
  while (scale > 1 && area(scale) > MEASURE_PIXELS) scale /= 2;
  const size = em(scale);
  const pad = Math.ceil(size * 2);
  const width = Math.ceil(pad * 2 + size * 1.3 * chars);
  const height = pad * 2 + Math.ceil(size * 2);
  const baseline = pad + Math.ceil(size);
  const big: TextFont = { family: font.family, size };
  const frame = (body: string) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="${width}" height="${height}" fill="black"/>${body}</svg>`;
  // The advance: the same line ending at `right` instead of starting at `pad` moves its ink by width − advance.
  const right = width - pad;
  const [start, end] = await Promise.all([
    ink(frame(textElement(line, big, pad, baseline, 'start'))),
    ink(frame(textElement(line, big, right, baseline, 'end'))),
  ]);
  if (!start || !end) return { left: 0, top: asc, right: 0, bottom: asc };
  // An edge lies within the outermost pixel the trim keeps: on average half a (magnified) pixel inside it.
  const fringe = 0.5 / scale;
  const advance = (right - pad - (end.left - start.left)) / scale;
  const inkLeft = (start.left - pad) / scale + fringe;
  const inkRight = (start.left + start.width - pad) / scale - fringe;
  const above = (baseline - start.top) / scale - fringe;
  const below = (start.top + start.height - baseline) / scale - fringe;
  return {
    left: Math.min(0, Math.floor(inkLeft)),
    top: asc - Math.round(above),
    right: Math.max(Math.round(advance), Math.round(inkRight)),
    bottom: asc + Math.max(0, Math.round(below)),
  };
}

/**
 * How much the glyphs cover each pixel (one byte per pixel, 0..255) of an image of `size` with `lines` drawn
 * into it; lines drawn over each other add up as layers of alpha do.
 */
export async function textCoverage(lines: readonly PlacedLine[], font: TextFont, [width, height]: Size): Promise<Buffer> {
  const asc = ascent(font);
  const body = lines.map((l) => textElement(l.text, font, l.x, l.y + asc, 'start')).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`;
  const { data, info } = await (await loadSharp())(Buffer.from(svg), { density: 72 })
    .ensureAlpha()
    .extractChannel(3)
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 1) {
    throw new Error(`text rendering gave ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x1`);
  }
  return data;
}
