import type { GridConfig } from '../config/types.js';
import type { Coverage } from '../geo/coverage.js';
import type { TileGrid } from '../geo/grid.js';
import type { MultiPolygon } from '../geo/polygon.js';

/** Python's repr() of a float: integers keep a `.0`; exponents below 1e-4 and from 1e16 as `8.5e-05`. */
export function pyRepr(v: number): string {
  const [mantissa, exp] = v.toExponential().split('e') as [string, string];
  if (v !== 0 && (Number(exp) < -4 || Number(exp) >= 16)) return `${mantissa}e${exp[0]}${exp.slice(1).padStart(2, '0')}`;
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

const pyList = (values: readonly (number | string)[]): string =>
  `[${values.map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : pyRepr(v)) : `'${v}'`)).join(', ')}]`;

function humanNumber(n: number): string {
  if (Number.isNaN(n)) return '?';
  if (n > 1e6) return `${(n / 1e6).toFixed(2).padStart(7)}M`;
  return String(Math.trunc(n));
}

function polygonArea(geom: MultiPolygon): number {
  let area = 0;
  for (const poly of geom) {
    poly.forEach((ring, i) => {
      let a = 0;
      for (let k = 0; k < ring.length; k++) {
        const [x0, y0] = ring[k]!;
        const [x1, y1] = ring[(k + 1) % ring.length]!;
        a += x0 * y1 - x1 * y0;
      }
      area += (i === 0 ? 1 : -1) * Math.abs(a / 2);
    });
  }
  return area;
}

/** Share of the grid bbox the coverage covers (MapProxy's grid_coverage_ratio). */
export function coverageRatio(grid: TileGrid, coverage: Coverage): number {
  const c = coverage.transformTo(grid.srs);
  const b = grid.bbox;
  return polygonArea(c.geometry()) / ((b[2] - b[0]) * (b[3] - b[1]));
}

/** The configuration lines of a grid; values the configuration left to defaults are marked with `*`. */
function configLines(conf: GridConfig | undefined, grid: TileGrid): [string, string][] {
  const entries: [string, string][] = [];
  const add = (key: string, value: string | undefined) => {
    if (value !== undefined) entries.push([key, value]);
  };
  add('srs', `'${conf?.srs ?? grid.srs.code}'`);
  // a configured bbox prints as written; a computed one as Python floats
  add(conf?.bbox ? 'bbox' : 'bbox*', conf?.bbox ? pyList(conf.bbox) : `[${grid.bbox.map(pyRepr).join(', ')}]`);
  add('bbox_srs', conf?.bboxSrs ? `'${conf.bboxSrs}'` : undefined);
  // MapProxy shows an unset origin as its default name, 'll'
  add(conf?.originConfigured ? 'origin' : 'origin*', conf?.originConfigured ? `'${grid.origin}'` : "'ll'");
  add(conf?.tileSizeConfigured === false ? 'tile_size*' : 'tile_size', pyList(grid.tileSize));
  add('res', conf?.res ? pyList(conf.res) : undefined);
  if (conf && conf.resFactor !== 2) add('res_factor', conf.resFactor === 'sqrt2' ? "'sqrt2'" : pyRepr(conf.resFactor));
  add('min_res', conf?.minRes !== undefined ? pyRepr(conf.minRes) : undefined);
  add('max_res', conf?.maxRes !== undefined ? pyRepr(conf.maxRes) : undefined);
  add('num_levels', conf?.numLevels !== undefined ? String(conf.numLevels) : undefined);
  add('threshold_res', conf?.thresholdRes ? pyList(conf.thresholdRes) : undefined);
  add('align_resolutions_with', conf?.alignResolutionsWith ? `'${conf.alignResolutionsWith}'` : undefined);
  return entries.sort((a, b) => a[0].replace('*', '').localeCompare(b[0].replace('*', '')));
}

/** Python's repr() of a YAML value as MapProxy holds it: integers stay integers, floats print as Python's. */
function pyValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyRepr(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return `[${v.map(pyValue).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `'${k}': ${pyValue(x)}`).join(', ')}}`;
}

/**
 * The configuration lines of a grid with a `base:`, as MapProxy prints them: only the keys written in this grid
 * (base included, as written), plus bbox, origin and tile_size from the resulting grid, marked with `*`, where the
 * grid did not write them itself.
 */
function writtenLines(written: Record<string, unknown>, grid: TileGrid): [string, string][] {
  const entries: [string, string][] = Object.entries(written).filter(([k]) => k !== 'name').map(([k, v]) => [k, pyValue(v)]);
  if (!('tile_size' in written)) entries.push(['tile_size*', pyList(grid.tileSize)]);
  if (!('bbox' in written)) entries.push(['bbox*', `[${grid.bbox.map(pyRepr).join(', ')}]`]);
  // the tile grid's origin by MapProxy's names: ll for the default (south-west), ul for north-west
  if (!('origin' in written)) entries.push(['origin*', grid.origin === 'nw' ? "'ul'" : "'ll'"]);
  return entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** One grid as `mapproxy-util grids` prints it: configuration, then resolutions and tile counts per level. */
export function formatGrid(
  name: string,
  grid: TileGrid,
  conf: GridConfig | undefined,
  coverage?: { name: string; coverage: Coverage },
  written?: Record<string, unknown>,
): string {
  const lines = [`${name}:`, '    Configuration:'];
  const withBase = conf?.base !== undefined && written !== undefined;
  for (const [k, v] of withBase ? writtenLines(written, grid) : configLines(conf, grid)) lines.push(`        ${k}: ${v}`);
  const ratio = coverage ? coverageRatio(grid, coverage.coverage) : null;
  if (coverage && ratio !== null) {
    lines.push(`    Coverage: ${coverage.name} covers approx. ${(ratio * 100).toFixed(4)}% of the grid BBOX`);
    lines.push('    Levels: Resolutions, # x * y = total tiles (approx. tiles within coverage)');
  } else lines.push('    Levels: Resolutions, # x * y = total tiles');
  // Configured resolutions print as written (1000, not 1000.0), as MapProxy keeps YAML integers.
  const configured = conf?.res && conf.res.length === grid.levels ? conf.res : null;
  // MapProxy starts from a written min_res as is: an integer stays one on the first level
  const intMinRes = withBase && Number.isInteger(written.min_res) && grid.resolutions[0] === written.min_res;
  const reprs = grid.resolutions.map((r, i) => (configured ? String(configured[i]) : i === 0 && intMinRes ? String(r) : pyRepr(r)));
  const maxDigits = Math.max(...reprs.map((r) => r.length));
  grid.resolutions.forEach((_, level) => {
    const [nx, ny] = grid.gridSize(level);
    const total = nx * ny;
    const spaces = ' '.repeat(maxDigits - reprs[level]!.length + 1);
    let line = `        ${String(level).padStart(2, '0')}:  ${reprs[level]},${spaces}# ${String(nx).padStart(6)} * ${String(ny).padEnd(6)} = ${humanNumber(total).padStart(10)}`;
    if (ratio !== null) line += ` (${humanNumber(total * ratio)})`;
    lines.push(line);
  });
  return lines.join('\n');
}
