import { loadSharp } from './sharp-config.js';
import type { Size } from '../geo/bbox.js';
import { blankImage } from './blank.js';
import { WHITE, type RawImage, type RGB } from './raw-image.js';

/** Where the text block goes: vertical u(pper)/c(entre)/l(ower), then horizontal l(eft)/c(entre)/r(ight). */
export type Placement = 'ul' | 'uc' | 'ur' | 'cl' | 'cc' | 'cr' | 'll' | 'lc' | 'lr';

export interface MessageOptions {
  bgcolor?: RGB;
  /** Transparent background (the text stays opaque). */
  transparent?: boolean;
  /** Default black, or white on a dark opaque background (MapProxy's ExceptionImage). */
  fontColor?: RGB;
  /** 0..1 (default 1). Watermarks use a faint value. */
  fontOpacity?: number;
  fontSize?: number;
  fontFamily?: string;
  /** A box behind the text block, e.g. [255, 255, 255, 0.5] for a light one; none by default. */
  boxColor?: readonly [r: number, g: number, b: number, alpha: number];
  placement?: Placement;
  /** Extra space between lines in px (MapProxy: 5). */
  lineSpacing?: number;
  padding?: number;
}

/** DejaVu Sans Mono's advance width per em; used to lay out lines without measuring glyphs. */
const MONO_ADVANCE = 0.6021;

/**
 * `text` drawn into an image of `size` (WMS `EXCEPTIONS=inimage`, the `debug` source, `notify` overlays),
 * one line per '\n', laid out like MapProxy's TextDraw, rendered by libvips from SVG with the DejaVu fonts.
 */
export async function messageImage(text: string, size: Size, opts: MessageOptions = {}): Promise<RawImage> {
  const [width, height] = size;
  const bg = opts.bgcolor ?? WHITE;
  if (!text || width <= 0 || height <= 0) return blankImage(size, { bgcolor: bg, transparent: opts.transparent ?? false });

  const fontSize = opts.fontSize ?? 11;
  const lineSpacing = opts.lineSpacing ?? 5;
  const padding = opts.padding ?? 3;
  const placement = opts.placement ?? 'ul';
  const fontColor = opts.fontColor ?? (!opts.transparent && luminance(bg) < 128 ? [255, 255, 255] : [0, 0, 0]);

  const lines = text.split('\n');
  const lineHeight = Math.ceil(fontSize * 1.17);
  const blockW = Math.ceil(Math.max(...lines.map((l) => l.length)) * fontSize * MONO_ADVANCE);
  const blockH = lines.length * lineHeight + (lines.length - 1) * lineSpacing;

  const v = placement[0];
  const hz = placement[1];
  const top = v === 'u' ? padding : v === 'l' ? height - padding - blockH : Math.floor(height / 2 - blockH / 2);
  const left = hz === 'l' ? padding : hz === 'r' ? width - padding - blockW : Math.floor(width / 2 - blockW / 2);
  const anchor = hz === 'l' ? 'start' : hz === 'r' ? 'end' : 'middle';
  const textX = hz === 'l' ? left : hz === 'r' ? left + blockW : left + blockW / 2;

  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">`];
  if (!opts.transparent) parts.push(`<rect width="${width}" height="${height}" fill="${rgb(bg)}"/>`);
  if (opts.boxColor) {
    const [r, g, b, a] = opts.boxColor;
    parts.push(
      `<rect x="${left - padding}" y="${top - padding}" width="${blockW + 2 * padding}" height="${blockH + 2 * padding}" ` +
        `fill="${rgb([r, g, b])}" fill-opacity="${a}"/>`,
    );
  }
  parts.push(
    `<text font-family="${escapeXml(opts.fontFamily ?? 'DejaVu Sans Mono')}" font-size="${fontSize}" ` +
      `fill="${rgb(fontColor)}" fill-opacity="${opts.fontOpacity ?? 1}" text-anchor="${anchor}" xml:space="preserve">`,
  );
  lines.forEach((line, i) => {
    // Baseline: ascent is about 0.93 em for DejaVu.
    const y = top + i * (lineHeight + lineSpacing) + Math.round(fontSize * 0.93);
    parts.push(`<tspan x="${textX}" y="${y}">${escapeXml(line)}</tspan>`);
  });
  parts.push('</text></svg>');

  const { data, info } = await (await loadSharp())(Buffer.from(parts.join('')), { density: 72 })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 4) {
    throw new Error(`message rendering gave ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x4`);
  }
  return { data, width, height };
}

/** Escape for XML text and attributes; drops characters XML 1.0 cannot carry. */
export function escapeXml(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function rgb(c: RGB | readonly number[]): string {
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** ITU-R 601-2 luma, as MapProxy picks white text on dark backgrounds. */
function luminance(c: RGB): number {
  return (c[0] * 299) / 1000 + (c[1] * 587) / 1000 + (c[2] * 114) / 1000;
}
