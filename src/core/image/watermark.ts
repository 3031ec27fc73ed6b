import type { WatermarkConfig } from '../config/types.js';
import type { Size } from '../geo/bbox.js';
import type { TileCoord } from '../geo/grid.js';
import { watermarkBlend } from '../native/watermark.js';
import type { RawImage } from './raw-image.js';
import { measureLine, textCoverage, type PlacedLine, type TextBox, type TextFont } from './text-layout.js';

/** Where a tile gets the text: centred ('c'), or cut in half on its left and right edges ('b'). */
export type WatermarkPlacement = 'c' | 'b';

/**
 * MapProxy's tile_watermark_placement: centred on even rows and on both edges of odd rows, so the texts of
 * neighbouring tiles join into a staggered pattern; 'wide' spacing puts it centred on every other tile only.
 */
export function watermarkPlacement(coord: TileCoord, wide: boolean): WatermarkPlacement | null {
  const [x, y] = coord;
  if (!wide) return mod2(y) === 0 ? 'c' : 'b';
  return mod2(y) !== mod2(x) ? 'c' : null;
}

function mod2(n: number): number {
  return ((n % 2) + 2) % 2;
}

/** MapProxy's TextDraw line spacing for watermarks. */
const LINE_SPACING = 3;

/**
 * The watermark of a cache (MapProxy's WatermarkImage in DejaVu Sans): the text's coverage is laid out once
 * per placement and tile size, then blended into each created tile before it is stored.
 */
export class TileWatermark {
  private readonly font: TextFont;
  private readonly masks = new Map<string, Promise<Buffer>>();

  constructor(private readonly config: WatermarkConfig) {
    this.font = { family: 'DejaVu Sans', size: config.fontSize };
  }

  /**
   * Draws the watermark into `tile` (in place) as MapProxy draws it on the tile at `coord`. `transparent`: the tile
   * keeps the alpha MapProxy's paste gives it; otherwise its alpha is left alone (MapProxy converts an RGB tile
   * back to RGB).
   */
  async draw(tile: RawImage, coord: TileCoord, transparent: boolean): Promise<void> {
    const placement = watermarkPlacement(coord, this.config.spacing === 'wide');
    if (!placement) return;
    const coverage = await this.mask(placement, [tile.width, tile.height]);
    watermarkBlend(tile, coverage, this.config.color, this.config.opacity, transparent);
  }

  private mask(placement: WatermarkPlacement, size: Size): Promise<Buffer> {
    const key = `${placement}:${size[0]}x${size[1]}`;
    let mask = this.masks.get(key);
    if (!mask) {
      mask = this.layout(placement, size).then((lines) => textCoverage(lines, this.font, size));
      // a failed rendering is tried again on the next tile rather than remembered
      mask.catch(() => this.masks.delete(key));
      this.masks.set(key, mask);
    }
    return mask;
  }

  /** MapProxy's TextDraw: lines stacked by their boxes, the block placed 'cc', or 'cL' and 'cR' for 'b'. */
  private async layout(placement: WatermarkPlacement, [width, height]: Size): Promise<PlacedLine[]> {
    const lines = this.config.text.split('\n');
    const boxes: TextBox[] = [];
    let y = 0;
    for (const line of lines) {
      const b = await measureLine(line, this.font);
      const box = { left: b.left, top: y + b.top, right: b.right, bottom: y + b.bottom };
      boxes.push(box);
      y = box.bottom + LINE_SPACING;
    }
    const total = {
      left: Math.min(...boxes.map((b) => b.left)),
      top: Math.min(...boxes.map((b) => b.top)),
      right: Math.max(...boxes.map((b) => b.right)),
      bottom: Math.max(...boxes.map((b) => b.bottom)),
    };
    const textW = total.right - total.left;
    const textH = total.bottom - total.top;
    const yOffset = Math.floor(height / 2) - Math.floor(textH / 2);
    const xOffsets =
      placement === 'c' ? [Math.floor(width / 2) - Math.floor(textW / 2)] : [Math.floor(-textW / 2), width - Math.floor(textW / 2)];
    // Each line is drawn with its box's corner as the pen position, as MapProxy does (so the ink sits one
    // box-top lower than the centred box: MapProxy 7 takes the box from textbbox, whose top is the ink's).
    return xOffsets.flatMap((x) => lines.map((text, i) => ({ text, x: boxes[i].left + x, y: boxes[i].top + yOffset })));
  }
}
