import type { TileCoord, TileGrid } from '../geo/grid.js';
import { arcgisPath, quadkey, tcPath, tmsPath } from '../cache/paths.js';

/**
 * A tile source `url`: a Python %-template with the keys x, y, z, format, quadkey, tc_path,
 * tms_path, arcgiscache_path and bbox (MapProxy's TileURLTemplate). Conversions s, d, i, f, x
 * with flags and widths work as in Python, so `%(z)02d` is fine.
 */
export class TileUrlTemplate {
  private readonly usesBBox: boolean;

  constructor(readonly template: string, readonly defaultFormat = 'png') {
    this.usesBBox = template.includes('%(bbox)');
    // fail on configuration, not on the first request
    this.substitute([0, 0, 0], undefined, this.usesBBox ? undefined : null);
  }

  /** The URL of one tile (coordinates in the grid's origin). `grid` is needed only for %(bbox)s. */
  substitute(coord: TileCoord, format?: string, grid?: TileGrid | null): string {
    const [x, y, z] = coord;
    const values: Record<string, () => string | number> = {
      x: () => x,
      y: () => y,
      z: () => z,
      format: () => format ?? this.defaultFormat,
      quadkey: () => quadkey(coord),
      tc_path: () => tcPath(coord),
      tms_path: () => tmsPath(coord),
      arcgiscache_path: () => arcgisPath(coord),
      bbox: () => {
        if (!grid) return '0,0,0,0';
        return grid.tileBBox(coord).map((v) => v.toFixed(8)).join(',');
      },
    };
    return pyPercentFormat(this.template, values);
  }
}

const SPEC = /%(?:%|\(([^)]*)\)([-+ #0]*)(\d+)?(?:\.(\d+))?([sdirfFxXeEgG]))/g;

/** Python's `template % dict` for the conversions tile URLs use. */
export function pyPercentFormat(template: string, values: Record<string, () => string | number>): string {
  return template.replace(SPEC, (whole, key: string | undefined, flags: string, width?: string, precision?: string, conv?: string) => {
    if (whole === '%%') return '%';
    const get = values[key!];
    if (!get) throw new Error(`unknown key %(${key})${conv} in tile URL template "${template}"`);
    const value = get();
    let s: string;
    switch (conv) {
      case 's':
      case 'r':
        s = String(value);
        if (precision !== undefined) s = s.slice(0, Number(precision));
        break;
      case 'd':
      case 'i':
        s = String(Math.trunc(toNumber(value, key!, template)));
        break;
      case 'x':
      case 'X':
        s = Math.trunc(toNumber(value, key!, template)).toString(16);
        if (conv === 'X') s = s.toUpperCase();
        break;
      default: {
        const n = toNumber(value, key!, template);
        s = n.toFixed(precision !== undefined ? Number(precision) : 6);
      }
    }
    if (flags.includes('+') && typeof value === 'number' && value >= 0 && conv !== 's') s = '+' + s;
    const w = width ? Number(width) : 0;
    if (s.length < w) {
      if (flags.includes('-')) s = s.padEnd(w, ' ');
      else if (flags.includes('0') && conv !== 's') {
        const sign = /^[-+]/.test(s) ? s[0] : '';
        s = sign + s.slice(sign.length).padStart(w - sign.length, '0');
      } else s = s.padStart(w, ' ');
    }
    return s;
  });
}

function toNumber(value: string | number, key: string, template: string): number {
  const n = typeof value === 'number' ? value : Number.NaN;
  if (Number.isNaN(n)) throw new Error(`%(${key}) needs a number format in tile URL template "${template}"`);
  return n;
}
