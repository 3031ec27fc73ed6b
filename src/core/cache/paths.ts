import { join } from 'node:path';
import type { TileCoord } from '../geo/grid.js';
import type { Dimensions } from './cache.js';

/** The `directory_layout` values of MapProxy's file cache (also used for S3/Azure keys). */
export type DirectoryLayout = 'tc' | 'mp' | 'tms' | 'reverse_tms' | 'quadkey' | 'arcgis';

export const DIRECTORY_LAYOUTS: readonly DirectoryLayout[] = ['tc', 'mp', 'tms', 'reverse_tms', 'quadkey', 'arcgis'];

/** Python's `%0<width>d`: zero padded, the sign counts towards the width. */
const pad = (n: number, width: number): string => {
  const s = String(Math.abs(n));
  const w = n < 0 ? width - 1 : width;
  return (n < 0 ? '-' : '') + (s.length >= w ? s : '0'.repeat(w - s.length) + s);
};
/** Python's int(a / b): division truncated towards zero. */
const div = (a: number, b: number): number => Math.trunc(a / b);
/** Python's `%` on ints: the result has the sign of the divisor. */
const mod = (a: number, b: number): number => ((a % b) + b) % b;
const hex8 = (n: number): string => {
  const s = n.toString(16);
  return s.length >= 8 ? s : '0'.repeat(8 - s.length) + s;
};

/** The Bing-style quadkey of a tile ('' for level 0). */
export function quadkey(coord: TileCoord): string {
  const [x, y, z] = coord;
  let key = '';
  for (let i = z; i > 0; i--) {
    const mask = 2 ** (i - 1);
    let digit = 0;
    if (Math.floor(x / mask) % 2 === 1) digit += 1;
    if (Math.floor(y / mask) % 2 === 1) digit += 2;
    key += String(digit);
  }
  return key;
}

/** `zz/xxx/xxx/xxx/yyy/yyy/yyy` without extension (TileCache layout, also the `%(tc_path)s` of tile sources). */
export function tcPath(coord: TileCoord): string {
  const [x, y, z] = coord;
  return [
    pad(z, 2),
    pad(div(x, 1e6), 3), pad(mod(div(x, 1e3), 1000), 3), pad(mod(x, 1000), 3),
    pad(div(y, 1e6), 3), pad(mod(div(y, 1e3), 1000), 3), pad(mod(y, 1000), 3),
  ].join('/');
}

/** `Lzz/Rrrrrrrrr/Ccccccccc` without extension (ArcGIS exploded cache, `%(arcgiscache_path)s`). */
export function arcgisPath(coord: TileCoord): string {
  const [x, y, z] = coord;
  return `L${pad(z, 2)}/R${hex8(y)}/C${hex8(x)}`;
}

/** `z/x/y` (`%(tms_path)s`). */
export function tmsPath(coord: TileCoord): string {
  return `${coord[2]}/${coord[0]}/${coord[1]}`;
}

/** Python's posixpath.normpath: '.' and empty parts dropped, '..' folded, two leading slashes kept. */
function pyNormpath(p: string): string {
  if (p === '') return '.';
  const initial = p.startsWith('/') ? (p.startsWith('//') && !p.startsWith('///') ? 2 : 1) : 0;
  const parts: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c !== '..' || (!initial && parts.length === 0) || parts[parts.length - 1] === '..') parts.push(c);
    else if (parts.length) parts.pop();
  }
  const joined = '/'.repeat(initial) + parts.join('/');
  return joined || '.';
}

/**
 * The dimension sub-directories: `<dim>-<value>` segments, the predefined dimensions (time, elevation) sorted
 * first, then the `dim_*` ones sorted, as MapProxy 7's cache/path.py. A value is refused as MapProxy 7 refuses it:
 * when it is not already normalised ('', 'a/', './a', 'a//b') or has a '..' part (also between backslashes); a
 * normalised value with '/' makes nested directories there too ('a/b' → time-a/b). A NUL is refused as well
 * (Python would fail opening the file).
 */
export function dimensionsPart(dims?: Dimensions): string {
  if (!dims) return '';
  const keys = Object.keys(dims);
  if (keys.length === 0) return '';
  for (const k of keys) {
    const v = dims[k] ?? 'default';
    const normalized = pyNormpath(v);
    if (v !== normalized || [...normalized.split('/'), ...normalized.split('\\')].includes('..') || v.includes('\0')) {
      throw new Error(`Dimension parameter value contains illegal characters: ${k}=${JSON.stringify(v)}`);
    }
  }
  const predefined = keys.filter((k) => !k.startsWith('dim_')).sort();
  const custom = keys.filter((k) => k.startsWith('dim_')).sort();
  return [...predefined, ...custom].map((k) => `${k}-${dims[k] ?? 'default'}`).join('/');
}

/**
 * The file of a tile below `cacheDir`, byte-identical to MapProxy's cache/path.py, so existing
 * caches are reused as they are. quadkey and arcgis layouts have no dimension directories.
 */
export function tilePath(layout: DirectoryLayout, cacheDir: string, coord: TileCoord, ext: string, dims?: Dimensions): string {
  const [x, y, z] = coord;
  switch (layout) {
    case 'tc':
      return join(cacheDir, dimensionsPart(dims), `${tcPath(coord)}.${ext}`);
    case 'mp':
      return join(
        cacheDir, dimensionsPart(dims), pad(z, 2),
        pad(div(x, 1e4), 4), pad(mod(x, 1e4), 4), pad(div(y, 1e4), 4), `${pad(mod(y, 1e4), 4)}.${ext}`,
      );
    case 'tms':
      return join(cacheDir, dimensionsPart(dims), String(z), String(x), `${y}.${ext}`);
    case 'reverse_tms':
      return join(cacheDir, dimensionsPart(dims), String(y), String(x), `${z}.${ext}`);
    case 'quadkey':
      return join(cacheDir, `${quadkey(coord)}.${ext}`);
    case 'arcgis':
      return join(cacheDir, `${arcgisPath(coord)}.${ext}`);
    default:
      throw new Error(`unknown directory_layout "${layout as string}"`);
  }
}

/**
 * The directory holding all tiles of one level (for level-wise cleanup), or null where the layout
 * has none (reverse_tms, quadkey).
 */
export function levelPath(layout: DirectoryLayout, cacheDir: string, level: number, dims?: Dimensions): string | null {
  switch (layout) {
    case 'tc':
    case 'mp':
      return join(cacheDir, dimensionsPart(dims), pad(level, 2));
    case 'tms':
      // MapProxy's own level_location zero-pads here and so misses the tms tiles; use the real directory.
      return join(cacheDir, dimensionsPart(dims), String(level));
    case 'arcgis':
      return join(cacheDir, dimensionsPart(dims), `L${pad(level, 2)}`);
    default:
      return null;
  }
}
