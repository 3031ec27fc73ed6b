import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import proj4 from 'proj4';
import type { ShiftGrid } from './grid-shift.js';

// `globals.srs.proj_data_dir`: like MapProxy's set_datapath, one setting for the whole process.
let configuredDir: string | undefined;

/**
 * `globals.srs.proj_data_dir`: grids are read from this directory only, as PROJ does after MapProxy's
 * `set_datapath`. Process-wide like PROJ's data path: a CRS already built keeps the grids it was built with, so the
 * runtime applies it before it builds any grid; undefined returns to the default directories.
 */
export function useProjDataDir(dir: string | undefined): void {
  configuredDir = dir;
}

/**
 * Where PROJ grid files are looked up: `globals.srs.proj_data_dir` when configured, else $PROJ_DATA / $PROJ_LIB
 * (PROJ's own variables) and Debian's proj-data directory. proj4js does not read files itself; grids must be
 * registered before a projection naming them is built.
 */
export function projDataDirs(): string[] {
  if (configuredDir !== undefined) return [configuredDir];
  const dirs: string[] = [];
  for (const v of [process.env.PROJ_DATA, process.env.PROJ_LIB]) {
    if (v) dirs.push(...v.split(':').filter(Boolean));
  }
  dirs.push('/usr/share/proj');
  return dirs;
}

export interface GridRequirement { readonly name: string; readonly optional: boolean }

/** The grids a proj4 definition names in `+nadgrids=a,@b` (`@` marks optional; `@null` means none). */
export function nadgridsOf(definition: string): GridRequirement[] {
  const m = /\+nadgrids=(\S+)/.exec(definition);
  if (!m) return [];
  return m[1]!
    .split(',')
    .map((g) => (g.startsWith('@') ? { name: g.slice(1), optional: true } : { name: g, optional: false }))
    .filter((g) => g.name !== 'null' && g.name !== '');
}

// proj4 keeps its grids in one process-wide table; this mirrors which names we already handed to it.
const registered = new Set<string>();

/**
 * Registers every grid `definition` needs with proj4, reading it from the PROJ data directories.
 * Returns the mandatory grids that could not be found (transforms with such a CRS would give NaN).
 */
export function ensureDatumGrids(definition: string, dirs: readonly string[] = projDataDirs()): string[] {
  const missing: string[] = [];
  for (const grid of nadgridsOf(definition)) {
    if (registered.has(grid.name)) continue;
    const file = dirs.map((d) => join(d, grid.name)).find((f) => existsSync(f));
    if (!file) {
      if (!grid.optional) missing.push(grid.name);
      continue;
    }
    const bytes = readFileSync(file);
    // proj4 wants an ArrayBuffer holding exactly the file (a pooled Buffer may share a larger one).
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    proj4.nadgrid(grid.name, ab as ArrayBuffer);
    registered.add(grid.name);
  }
  return missing;
}

// Parsed grids by file path (immutable once read; null when a file is absent): a grid is read at most once.
const shiftGrids = new Map<string, ShiftGrid | null>();

/**
 * The first of `files` (one grid under its PROJ name and its older names, e.g. de_adv_BETA2007.tif and
 * BETA2007.gsb) found in the PROJ data directories as an NTv2 file, parsed; null when none is installed.
 */
export function loadShiftGrid(files: readonly string[], dirs: readonly string[] = projDataDirs()): ShiftGrid | null {
  for (const name of files) {
    // proj4js reads NTv2 only; the GeoTIFF form of a grid needs a reader we do not carry.
    if (!/\.gsb$/i.test(name)) continue;
    for (const dir of dirs) {
      const file = join(dir, name);
      let grid = shiftGrids.get(file);
      if (grid === undefined) {
        grid = null;
        if (existsSync(file)) {
          const bytes = readFileSync(file);
          const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
          const parsed = proj4.nadgrid(name, ab) as unknown as { subgrids: ShiftGrid['subgrids'] };
          grid = { name, subgrids: parsed.subgrids };
        }
        shiftGrids.set(file, grid);
      }
      if (grid) return grid;
    }
  }
  return null;
}
