import proj4 from 'proj4';
import table from './data/datum-operations.json' with { type: 'json' };
import type { BBox } from './bbox.js';
import { loadShiftGrid, projDataDirs } from './datum-grids.js';
import { applyGridShift, type ShiftGrid } from './grid-shift.js';

/**
 * PROJ's operations from a datum to WGS 84 (data/datum-operations.json, written from proj.db by
 * scripts/generate-datum-operations.py) for the CRSs whose proj4 definition ties them to a grid. proj4js
 * would know only the grid; PROJ also knows the Helmert transformations and a ballpark, each valid in an area,
 * and chooses per point (operation-choice.ts).
 */
export interface DatumOperation {
  readonly name: string;
  /** Metres; -1 when unknown (the ballpark), which PROJ ranks below every known accuracy. */
  readonly accuracy: number;
  /** Area of use in degrees: west, south, east, north (west > east across the antimeridian). */
  readonly area: BBox;
  /** PROJ never lets an offshore area displace an onshore one a point also lies in. */
  readonly offshore: boolean;
  readonly unknownArea: boolean;
  readonly needsGrids: boolean;
  /** Lon/lat degrees (in place) from the datum to WGS 84; false where a grid does not reach. */
  toWgs84(p: [number, number]): boolean;
  /** Lon/lat degrees (in place) from WGS 84 to the datum; false where a grid does not reach. */
  fromWgs84(p: [number, number]): boolean;
}

interface TableGrid { readonly name: string; readonly files: readonly string[]; readonly optional: boolean }
interface TableStep {
  readonly grids?: readonly TableGrid[];
  readonly helmert?: readonly number[];
  readonly from?: string;
  readonly to?: string;
}
interface TableOperation {
  readonly name: string;
  readonly accuracy: number;
  readonly area: readonly number[];
  readonly areaName: string;
  readonly steps: readonly TableStep[];
}
interface Table {
  /** Per CRS: its datum and the datum operations PROJ lists for it (by index), in PROJ's order. */
  readonly crs: Readonly<Record<string, { readonly datum: number; readonly operations: readonly number[] }>>;
  readonly datums: Readonly<Record<string, { readonly name: string; readonly operations: readonly TableOperation[] }>>;
}

const TABLE = table as unknown as Table;

type Step = { forward(p: [number, number]): boolean; inverse(p: [number, number]): boolean };

function gridStep(grids: readonly ShiftGrid[]): Step {
  return {
    forward: (p) => applyGridShift(grids, p, false),
    inverse: (p) => applyGridShift(grids, p, true),
  };
}

/** A Helmert transformation between two geographic CRSs through proj4's towgs84 (position vector). */
function helmertStep(params: readonly number[], from: string, to: string): Step {
  const target = to === 'WGS84' ? '+datum=WGS84' : `+ellps=${to} +towgs84=0,0,0`;
  const c = proj4(`+proj=longlat +ellps=${from} +towgs84=${params.join(',')} +no_defs`, `+proj=longlat ${target} +no_defs`);
  const run = (p: [number, number], f: (q: number[]) => number[]): boolean => {
    const r = f([p[0], p[1]]);
    if (!r || !Number.isFinite(r[0]) || !Number.isFinite(r[1])) return false;
    p[0] = r[0]!;
    p[1] = r[1]!;
    return true;
  };
  return { forward: (p) => run(p, (q) => c.forward(q)), inverse: (p) => run(p, (q) => c.inverse(q)) };
}

/** The operation, or null when a grid it needs is not installed (PROJ then leaves it out of its list). */
function buildOperation(op: TableOperation, dirs: readonly string[]): DatumOperation | null {
  const steps: Step[] = [];
  for (const s of op.steps) {
    if (s.grids) {
      const grids: ShiftGrid[] = [];
      for (const g of s.grids) {
        const grid = loadShiftGrid(g.files, dirs);
        if (grid) grids.push(grid);
        else if (!g.optional) return null;
      }
      steps.push(gridStep(grids));
    } else if (s.helmert) {
      steps.push(helmertStep(s.helmert, s.from!, s.to!));
    }
  }
  const [w, south, e, n] = op.area as [number, number, number, number];
  return {
    name: op.name,
    accuracy: op.accuracy,
    area: [w, south, e, n],
    offshore: /- offshore/i.test(op.areaName),
    unknownArea: !op.areaName || op.areaName.toLowerCase() === 'unknown',
    needsGrids: op.steps.some((s) => s.grids),
    toWgs84: (p) => steps.every((s) => s.forward(p)),
    fromWgs84: (p) => {
      for (let i = steps.length - 1; i >= 0; i--) if (!steps[i]!.inverse(p)) return false;
      return true;
    },
  };
}

const BALLPARK: TableOperation = { name: 'Ballpark', accuracy: -1, area: [-180, -90, 180, 90], areaName: 'World', steps: [] };

// Operations per CRS and data directories; immutable once built, so shared by every SRS object of the code.
const built = new Map<string, readonly DatumOperation[]>();

/**
 * PROJ's usable operations (installed grids only) from the datum of EPSG:`code` to WGS 84, in PROJ's order,
 * or null when the code's definition names no grid (proj4js' own datum handling is then PROJ's).
 */
export function datumOperationsFor(code: number, dirs: readonly string[] = projDataDirs()): readonly DatumOperation[] | null {
  const entry = TABLE.crs[String(code)];
  if (entry === undefined) return null;
  const key = `${code}\0${dirs.join('\0')}`;
  let ops = built.get(key);
  if (!ops) {
    const list = TABLE.datums[String(entry.datum)]?.operations ?? [];
    // PROJ lists nothing for a CRS whose area no operation reaches (DHDN in Gauss-Krüger zone 1, off
    // Germany) and then keeps the coordinates: the ballpark.
    ops = entry.operations.length
      ? entry.operations.map((i) => buildOperation(list[i]!, dirs)).filter((op): op is DatumOperation => op !== null)
      : [buildOperation(BALLPARK, dirs)!];
    built.set(key, ops);
  }
  return ops;
}
