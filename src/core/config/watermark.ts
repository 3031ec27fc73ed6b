import type { MapReader } from './config-reader.js';
import { parseColor } from './color.js';
import { describeValue } from './errors.js';
import type { WatermarkConfig } from './types.js';

/** MapProxy's WatermarkImage defaults. */
const DEFAULT_OPACITY = 30;
const DEFAULT_FONT_SIZE = 24;
const DEFAULT_COLOR = [128, 128, 128] as const;

/**
 * `caches.<name>.watermark`, read as MapProxy's create_watermark_filter: an empty or missing text means no
 * watermark at all; `spacing` other than 'wide' is refused; `color` as `#rrggbb`, `0xrrggbb` or `[r, g, b]`.
 */
export function readWatermark(r: MapReader): WatermarkConfig | undefined {
  const wr = r.map('watermark');
  if (!wr) return undefined;
  const text = wr.str('text') ?? '';
  const opacity = wr.num('opacity') ?? DEFAULT_OPACITY;
  if (opacity < 0 || opacity > 255) throw wr.error('opacity', `expected 0 to 255, got ${opacity}`);
  const fontSize = wr.num('font_size') || DEFAULT_FONT_SIZE;
  if (fontSize < 0) throw wr.error('font_size', `expected a positive size in pixels, got ${fontSize}`);
  const spacing = wr.str('spacing');
  if (spacing !== undefined && spacing !== 'wide') throw wr.error('spacing', `unsupported watermark spacing: '${spacing}' (expected 'wide')`);
  let color: WatermarkConfig['color'] = DEFAULT_COLOR;
  if (wr.isSet('color') && wr.get('color')) {
    const c = parseColor(wr.get('color'));
    // MapProxy appends the opacity to the colour: a colour with its own alpha would make five components
    if (!c || c.length !== 3) throw wr.error('color', `expected '#rrggbb', '0xrrggbb' or [r, g, b], got ${describeValue(wr.get('color'))}`);
    color = [c[0], c[1], c[2]];
  }
  wr.finish();
  if (text === '') {
    for (const k of wr.keys()) if (k !== 'text') wr.ctx.warn(wr.keyPath(k), 'has no effect without a watermark text');
    return undefined;
  }
  return { text, opacity: Math.round(opacity), fontSize: Math.round(fontSize), color, spacing: spacing === 'wide' ? 'wide' : 'default' };
}
