/** 0.28 mm pixels, the OGC standard rendering pixel size, as DPI. */
export const OGC_DPI = 2.54 / (0.00028 * 100);
/** Metres per degree, as in the GoogleCRS84Quad scale set. */
export const METERS_PER_DEGREE = 111319.4907932736;

export interface ScalesOptions {
  /** Number of values to print; missing ones continue by halving (default: as many as given). */
  levels?: number;
  /** Dots per inch, or 'OGC' (default). */
  dpi?: number | 'OGC';
  /** Resolutions in metres ('m', default) or degrees ('d'). */
  unit?: 'm' | 'd';
  /** Repeat the given values, each round divided by 10. */
  repeat?: boolean;
  /** Convert resolutions to scales instead of scales to resolutions. */
  resToScale?: boolean;
  /** Print as a `res:` list for a grid configuration. */
  asResConfig?: boolean;
}

/** mapproxy-util scales: scale denominators ↔ resolutions, one line per level. */
export function formatScales(input: readonly number[], opts: ScalesOptions = {}): string {
  const levels = Math.max(opts.levels ?? 1, input.length);
  const dpi = opts.dpi === undefined || opts.dpi === 'OGC' ? OGC_DPI : opts.dpi;
  const unit = opts.unit === 'd' ? METERS_PER_DEGREE : 1;
  let values = [...input].sort((a, b) => b - a);
  if (opts.repeat) {
    const out: number[] = [];
    for (let i = 0; i < levels; i++) out.push(values[i % values.length]! / 10 ** Math.floor(i / values.length));
    values = out;
  }
  if (values.length < levels) {
    const last = values[values.length - 1]!;
    values = [...values, ...Array.from({ length: levels - values.length }, (_, i) => last / 2 ** (i + 1))];
  }
  const mPerPx = 2.54 / (dpi * 100);
  const convert = opts.resToScale ? (v: number) => (v / mPerPx) * unit : (v: number) => (v * mPerPx) / unit;
  const lines: string[] = [];
  if (opts.asResConfig) {
    lines.push('    res: [');
    lines.push(`         #  res            level     scale @${dpi.toFixed(1)} DPI`);
  }
  values.forEach((v, i) => {
    const row = `${convert(v).toFixed(10).padStart(20)}, # ${String(i).padStart(2)} ${v.toFixed(8).padStart(20)}`;
    lines.push(opts.asResConfig ? `    ${row}` : row.replace(', #', ' #'));
  });
  if (opts.asResConfig) lines.push('    ]');
  return lines.join('\n');
}
